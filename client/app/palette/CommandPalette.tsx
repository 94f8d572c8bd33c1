import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useSchedules } from "../stores/schedules";
import type { SearchHit } from "../../../shared/protocol/search";
import { useRoom } from "../stores/room";
import { isNarrow, useUi } from "../stores/ui";
import { actionItems } from "./actions";
import { byName, messageItems, type PaletteItem, snippetRuns } from "./items";

/** How long typing must pause before the room is asked (results as you type, not per key). */
const SEARCH_DEBOUNCE_MS = 150;
const SEARCH_LIMIT = 8;

/**
 * ⌘K / Ctrl+K: jump to a thread, instance or approval by name, run any of the app's main
 * commands (actions.ts), or find a message (search.query). A native modal <dialog>: focus stays inside, Escape closes it.
 * The input is a combobox over one listbox; arrows move, Enter runs, all by keyboard.
 */
export function CommandPalette() {
  const open = useUi((s) => s.paletteOpen);
  const setOpen = useUi((s) => s.setPaletteOpen);
  const dialog = useRef<HTMLDialogElement>(null);

  // Each opening starts empty.
  const [session, setSession] = useState(0);

  // The dialog's own state decides: its `close` event (Escape) arrives a task later than the
  // dialog closes, so a quick second ⌘K must not read the store's stale "open".
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key.toLowerCase() !== "k" || !(e.metaKey || e.ctrlKey) || e.altKey || e.shiftKey) return;
      e.preventDefault();
      const el = dialog.current;
      if (!el) return;
      if (el.open) return el.close();
      setSession((n) => n + 1);
      el.showModal();
      useUi.getState().setPaletteOpen(true);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);

  return (
    <dialog
      ref={dialog}
      className="palette"
      aria-label="Command palette"
      // A close event that arrives after the palette was opened again is stale.
      onClose={() => dialog.current?.open || setOpen(false)}
    >
      {/* Closed at once, not on the next render: the dialog gives focus back as it closes, before what was chosen takes it (a found message). */}
      {open && <PaletteBody key={session} close={() => dialog.current?.close()} />}
    </dialog>
  );
}

function useMessageSearch(query: string): { hits: SearchHit[]; searching: boolean; error: string | null } {
  const client = useRoom((s) => s.client);
  const [result, setResult] = useState<{ for: string; hits: SearchHit[]; error: string | null }>({
    for: "",
    hits: [],
    error: null,
  });
  const wanted = query.trim();
  useEffect(() => {
    if (!client || wanted.length < 2) return;
    let current = true;
    const timer = setTimeout(() => {
      client.search
        .query({ q: wanted, limit: SEARCH_LIMIT })
        .then(({ hits }) => current && setResult({ for: wanted, hits, error: null }))
        .catch(
          (error: unknown) =>
            current &&
            setResult({ for: wanted, hits: [], error: error instanceof Error ? error.message : String(error) }),
        );
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, wanted]);
  if (wanted.length < 2) return { hits: [], searching: false, error: null };
  return result.for === wanted
    ? { hits: result.hits, searching: false, error: result.error }
    : { hits: result.hits, searching: true, error: null };
}

const optionId = (item: PaletteItem) => `palette-${item.id.replace(/[^a-zA-Z0-9_-]/g, "-")}`;

function PaletteBody({ close }: { close: () => void }) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const threads = useRoom((s) => s.state.threads);
  const instances = useRoom((s) => s.state.instances);
  const approvals = useRoom((s) => s.state.approvals);
  const schedules = useSchedules((s) => s.schedules);
  const { hits, searching, error } = useMessageSearch(query);

  const items = useMemo(() => {
    const ui = useUi.getState();
    // On a phone the details panel shows only when chosen: what is opened must show there.
    const go =
      (fn: () => void, reveal = false) =>
      () => {
        close();
        fn();
        if (reveal && isNarrow()) ui.setDrawer("right");
      };
    const open = (selection: string) => go(() => ui.select(selection, { focus: true }), true)();
    return [
      ...actionItems(query, close),
      ...byName(
        {
          threads: threads.values(),
          instances: instances.values(),
          approvals: approvals.values(),
          schedules: schedules.values(),
        },
        query,
        open,
      ),
      ...messageItems(hits, threads, (hit) =>
        go(() => ui.openMessage({ threadId: hit.threadId, messageId: hit.messageId!, n: hit.n! }), true)(),
      ),
    ];
  }, [query, threads, instances, approvals, schedules, hits, close]);

  const current = Math.min(active, Math.max(0, items.length - 1));
  const activeItem = items[current];

  useEffect(() => {
    if (activeItem) document.getElementById(optionId(activeItem))?.scrollIntoView({ block: "nearest" });
  }, [activeItem]);

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (items.length) setActive((current + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
    } else if (e.key === "Home" && e.ctrlKey) setActive(0);
    else if (e.key === "End" && e.ctrlKey) setActive(items.length - 1);
    else if (e.key === "Enter" && !e.nativeEvent.isComposing) {
      e.preventDefault();
      activeItem?.run();
    }
  };

  let group: PaletteItem["group"] | null = null;
  return (
    <div className="palette-body">
      <label className="sr-only" htmlFor="palette-input">
        Jump to a thread, instance or approval, run an action, or search messages
      </label>
      <input
        id="palette-input"
        className="palette-input"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-list"
        aria-autocomplete="list"
        aria-activedescendant={activeItem ? optionId(activeItem) : undefined}
        placeholder="Jump to… or search messages"
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        // biome-ignore lint/a11y/noAutofocus: the palette exists to be typed into; it opens on a key press
        autoFocus
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <div id="palette-list" className="palette-list" role="listbox" aria-label="Results">
        {items.map((item, index) => {
          const heading = item.group !== group ? item.group : null;
          group = item.group;
          return (
            <div
              key={item.id}
              tabIndex={-1}
              id={optionId(item)}
              role="option"
              aria-selected={index === current}
              className={`palette-item${index === current ? " is-active" : ""}`}
              data-group={heading ?? undefined}
              onMouseMove={() => index !== current && setActive(index)}
              onClick={() => item.run()}
              // Keys reach the combobox input (aria-activedescendant), which keeps focus.
              onKeyDown={() => {}}
            >
              <span className="palette-group" aria-hidden={heading ? undefined : true}>
                {heading ?? ""}
              </span>
              <span className="palette-label">{item.label}</span>
              {item.detail && (
                <span className="palette-detail">
                  {snippetRuns(item.detail.text, item.detail.ranges).map((run, i) =>
                    // biome-ignore lint/suspicious/noArrayIndexKey: runs of one snippet never reorder
                    run.match ? <mark key={i}>{run.text}</mark> : <span key={i}>{run.text}</span>,
                  )}
                </span>
              )}
            </div>
          );
        })}
      </div>
      <p className="palette-status muted small" role="status">
        {error
          ? `Search failed: ${error}`
          : searching
            ? "Searching messages…"
            : query.trim().length >= 2 && hits.length === 0
              ? "No messages match."
              : ""}
      </p>
    </div>
  );
}
