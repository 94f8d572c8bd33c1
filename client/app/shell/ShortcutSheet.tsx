import { useEffect, useRef } from "react";
import { useModalDialog } from "../lib/modal";
import { useUi } from "../stores/ui";
import { focusCanvas, focusChat, openTab, togglePanelWide } from "./navigate";
import { type GlobalAction, globalAction, isMac, keyPress, shortcutGroups } from "./shortcuts";

/** `?`: every keyboard shortcut, grouped by where it works. A modal dialog; Escape closes it. */
export function ShortcutSheet() {
  const open = useUi((s) => s.shortcutsOpen);
  const setOpen = useUi((s) => s.setShortcutsOpen);
  const dialog = useRef<HTMLDialogElement>(null);
  useModalDialog(dialog, open);
  const mac = isMac();
  return (
    <dialog
      ref={dialog}
      className="shortcut-sheet"
      aria-labelledby="shortcuts-h"
      onClose={() => setOpen(false)}
      // A click on the backdrop (outside the sheet's box) closes it.
      onClick={(e) => e.target === dialog.current && dialog.current.close()}
      onKeyDown={() => {}}
    >
      {open && (
        <>
          <header>
            <h2 id="shortcuts-h">Keyboard shortcuts</h2>
            <button type="button" className="ghost" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </header>
          <div className="shortcut-groups">
            {shortcutGroups(mac).map((group) => (
              <section key={group.title} aria-labelledby={`shortcuts-${group.title}`}>
                <h3 id={`shortcuts-${group.title}`}>{group.title}</h3>
                <dl>
                  {group.shortcuts.map((s) => (
                    <div key={s.what} style={{ display: "contents" }}>
                      <dt>
                        {s.keys.map((k, i) => (
                          // biome-ignore lint/suspicious/noArrayIndexKey: a shortcut's keys never reorder
                          <kbd key={i}>{k}</kbd>
                        ))}
                      </dt>
                      <dd>{s.what}</dd>
                    </div>
                  ))}
                </dl>
              </section>
            ))}
          </div>
        </>
      )}
    </dialog>
  );
}

function run(action: GlobalAction) {
  const ui = useUi.getState();
  if (action === "shortcuts") ui.setShortcutsOpen(true);
  else if (action === "palette") ui.setPaletteOpen(true);
  else if (action === "inbox") openTab("inbox");
  else if (action === "approvals") openTab("approvals");
  else if (action === "canvas") focusCanvas();
  else if (action === "compose") focusChat();
  else togglePanelWide();
}

/** The single keys of shortcuts.ts, on the whole window. */
export function useGlobalKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat) return;
      const action = globalAction(keyPress(e));
      if (!action) return;
      e.preventDefault();
      run(action);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
}
