import { type KeyboardEvent, type ReactNode, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";

/**
 * A row of tabs (role="tablist") that scrolls sideways when it is wider than its place, as
 * on a phone (on a wide window the row wraps and none of this shows). Whichever way a tab
 * is chosen (a tap, the arrow keys, the palette, the bottom bar), it is brought wholly into
 * view. While tabs are out of view on a side, a chevron button on that side, named for
 * what it does, brings the next ones in: a fade alone told nobody that more tabs were
 * there, nor how to reach them without knowing to swipe.
 *
 * The chevrons are drawn over the row's ends; the row's `scroll-padding-inline`
 * (layout.css) is the room they take and a gap, so a tab brought into view lands clear of them.
 * They are left out of the Tab order: the arrow keys already reach every tab and bring it
 * into view, and the tabs pattern asks for one Tab stop for the whole row. Screen readers
 * still reach them, by name.
 */
export function TabRow({
  id,
  selectedId,
  onKeyDown,
  children,
}: {
  /** The tablist's DOM id (the chevrons control it). */
  id: string;
  /** The DOM id of the selected tab. */
  selectedId: string;
  onKeyDown: (e: KeyboardEvent) => void;
  children: ReactNode;
}) {
  const listRef = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState({ before: false, after: false });

  const measure = useCallback(() => {
    const list = listRef.current;
    if (!list) return;
    // With some slack: a zoomed page reports fractional scroll positions.
    const before = list.scrollLeft > 1;
    const after = list.scrollLeft + list.clientWidth < list.scrollWidth - 1;
    setHidden((h) => (h.before === before && h.after === after ? h : { before, after }));
  }, []);

  // Tabs change width with their counts, and the row with the window (or a rotated phone).
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(list);
    for (const tab of list.children) observer.observe(tab);
    return () => observer.disconnect();
  }, [measure]);

  // The chosen tab, wholly in view (only the row scrolls: the shell never does).
  useEffect(() => {
    const list = listRef.current;
    const tab = document.getElementById(selectedId);
    // A tab not shown here (a phone's inbox and approvals are in its bottom bar) leaves the row as it is.
    if (!list || !tab || tab.offsetParent !== list) return;
    const inset = chevronRoom(list);
    const start = tab.offsetLeft;
    const end = start + tab.offsetWidth;
    if (start < list.scrollLeft + inset) list.scrollTo({ left: start - inset });
    else if (end > list.scrollLeft + list.clientWidth - inset) list.scrollTo({ left: end - list.clientWidth + inset });
  }, [selectedId]);

  /** Brings in the tabs past the edge on one side: the first one cut there lands at the other side. */
  const page = (direction: 1 | -1) => {
    const list = listRef.current;
    if (!list) return;
    const inset = chevronRoom(list);
    const tabs = [...list.children].filter(
      (el): el is HTMLElement => el instanceof HTMLElement && el.offsetParent === list,
    );
    const viewStart = list.scrollLeft + inset;
    const viewEnd = list.scrollLeft + list.clientWidth - inset;
    let left: number | undefined;
    if (direction === 1) {
      const cut = tabs.find((t) => t.offsetLeft + t.offsetWidth > viewEnd + 1);
      if (cut) left = cut.offsetLeft - inset;
    } else {
      const cut = tabs.findLast((t) => t.offsetLeft < viewStart - 1);
      if (cut) left = cut.offsetLeft + cut.offsetWidth - list.clientWidth + inset;
    }
    // A tab wider than the view would leave the row where it was: move by a view instead.
    const step = list.clientWidth - 2 * inset;
    if (left === undefined || (left - list.scrollLeft) * direction <= 0) left = list.scrollLeft + direction * step;
    list.scrollTo({ left });
  };

  const chevron = (direction: 1 | -1) => (
    <button
      type="button"
      className={`tab-scroll ${direction === 1 ? "after" : "before"}`}
      aria-label={direction === 1 ? "Next tabs" : "Previous tabs"}
      aria-controls={id}
      tabIndex={-1}
      hidden={direction === 1 ? !hidden.after : !hidden.before}
      // A click must not take focus: the button it was on may hide once the row has scrolled.
      onMouseDown={(e) => e.preventDefault()}
      onClick={() => page(direction)}
    >
      <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true" focusable="false">
        <path
          d={direction === 1 ? "M6 3l5 5-5 5" : "M10 3L5 8l5 5"}
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
    </button>
  );

  return (
    <div className="tab-row">
      {chevron(-1)}
      <div className="tabs" id={id} role="tablist" ref={listRef} onKeyDown={onKeyDown} onScroll={measure}>
        {children}
      </div>
      {chevron(1)}
    </div>
  );
}

/** How far from each end of the row a tab brought into view stops: clear of the chevron there (the row's scroll-padding). */
function chevronRoom(list: HTMLElement): number {
  return Number.parseFloat(getComputedStyle(list).scrollPaddingLeft) || 0;
}
