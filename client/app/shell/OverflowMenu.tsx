import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";

export type MenuItem = { label: string; run: () => void } | { label: string; href: string };

/**
 * "More" (⋯): a menu button (the WAI-ARIA pattern) for what does not need a button of its
 * own in the top bar. Opening focuses the first item; arrows, Home and End move; Escape
 * closes it and gives focus back to the button; a click outside or Tab closes it.
 */
export function OverflowMenu({ items, heading }: { items: MenuItem[]; heading?: ReactNode }) {
  const [open, setOpen] = useState(false);
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();
  const entries = () => [...(wrap.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];

  useEffect(() => {
    if (!open) return;
    wrap.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus({ preventScroll: true });
    const onDown = (e: PointerEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    addEventListener("pointerdown", onDown);
    return () => removeEventListener("pointerdown", onDown);
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus({ preventScroll: true });
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const all = entries();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const to = (i: number) => all[(i + all.length) % all.length]?.focus({ preventScroll: true });
    if (e.key === "ArrowDown") to(at + 1);
    else if (e.key === "ArrowUp") to(at - 1);
    else if (e.key === "Home") to(0);
    else if (e.key === "End") to(all.length - 1);
    else if (e.key === "Escape") close(true);
    else if (e.key === "Tab") return close(false);
    else return;
    e.preventDefault();
    // The workspace's own Escape (closing a panel) must not also run.
    e.stopPropagation();
  };

  return (
    <div className="overflow" ref={wrap}>
      <button
        ref={button}
        type="button"
        className="ghost icon"
        aria-label="More"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        title="More: members, shortcuts, sign out"
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && (
        // biome-ignore lint/a11y/noStaticElementInteractions: the keys reach the menu's items, which have focus
        <div className="overflow-menu" onKeyDown={onKeyDown}>
          {heading && <p className="menu-who">{heading}</p>}
          <div id={id} role="menu" aria-label="More">
            {items.map((item) =>
              "href" in item ? (
                <a key={item.label} role="menuitem" tabIndex={-1} href={item.href}>
                  {item.label}
                </a>
              ) : (
                <button
                  key={item.label}
                  type="button"
                  role="menuitem"
                  tabIndex={-1}
                  onClick={() => {
                    close(false);
                    item.run();
                  }}
                >
                  {item.label}
                </button>
              ),
            )}
          </div>
        </div>
      )}
    </div>
  );
}
