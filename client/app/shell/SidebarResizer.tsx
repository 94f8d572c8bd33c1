import { type KeyboardEvent, type PointerEvent, useState } from "react";

/**
 * The sidebar's width, set by dragging its edge or with the arrow keys on it (a focusable
 * separator, as WAI-ARIA's window splitter), kept per person on this device. Bounded, so the
 * canvas and the details panel keep their room; the stylesheet bounds it again by the
 * window's width (shell/layout.css).
 */

export const SIDEBAR_MIN = 200;
export const SIDEBAR_MAX = 480;
export const SIDEBAR_DEFAULT = 264;
const STEP = 16;
const stored = (person: string) => `autopilot.sidebarWidth:${person}`;

const clamp = (width: number) => Math.round(Math.min(SIDEBAR_MAX, Math.max(SIDEBAR_MIN, width)));

function readWidth(person: string): number | null {
  try {
    const value = Number(localStorage.getItem(stored(person)));
    return Number.isFinite(value) && value > 0 ? clamp(value) : null;
  } catch {
    return null;
  }
}

function writeWidth(person: string, width: number | null): void {
  try {
    if (width === null) localStorage.removeItem(stored(person));
    else localStorage.setItem(stored(person), String(width));
  } catch {
    // Storage refused (private mode): the width holds for this tab.
  }
}

/**
 * The width this person chose here (null: the stylesheet's own), and how to change it: a
 * drag sets it on every move and keeps it (`persist`) once, when the pointer lets go.
 */
export function useSidebarWidth(person: string): [number | null, (width: number | null, persist?: boolean) => void] {
  const [held, setHeld] = useState(() => ({ person, width: readWidth(person) }));
  // Another person signed in on this device: theirs, read when the person changes (not again on mount).
  if (held.person !== person) setHeld({ person, width: readWidth(person) });
  const set = (next: number | null, persist = true) => {
    const value = next === null ? null : clamp(next);
    setHeld({ person, width: value });
    if (persist) writeWidth(person, value);
  };
  return [held.width, set];
}

export function SidebarResizer({
  width,
  onResize,
}: {
  width: number | null;
  onResize: (width: number | null, persist?: boolean) => void;
}) {
  const now = () => document.querySelector(".sidebar")?.getBoundingClientRect().width ?? width ?? SIDEBAR_DEFAULT;
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    const handle = e.currentTarget;
    handle.setPointerCapture(e.pointerId);
    const left = document.querySelector(".sidebar")?.getBoundingClientRect().left ?? 0;
    // Every move shows; the width is kept once, where the drag ends (not written on each move).
    let last: number | null = null;
    const move = (event: globalThis.PointerEvent) => {
      last = event.clientX - left;
      onResize(last, false);
    };
    const up = () => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      handle.removeEventListener("pointercancel", up);
      if (last !== null) onResize(last);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
    handle.addEventListener("pointercancel", up);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? STEP * 4 : STEP;
    const next =
      e.key === "ArrowLeft"
        ? now() - step
        : e.key === "ArrowRight"
          ? now() + step
          : e.key === "Home"
            ? SIDEBAR_MIN
            : e.key === "End"
              ? SIDEBAR_MAX
              : e.key === "Enter"
                ? null
                : undefined;
    if (next === undefined) return;
    e.preventDefault();
    onResize(next);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a focusable window splitter is a separator with a value (WAI-ARIA); <hr> takes no focus.
    <div
      className="sidebar-resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label="Sidebar width"
      aria-controls="sidebar"
      aria-valuemin={SIDEBAR_MIN}
      aria-valuemax={SIDEBAR_MAX}
      aria-valuenow={Math.round(width ?? SIDEBAR_DEFAULT)}
      title="Drag, or use ← and →, to resize the sidebar; double-click or Enter for its usual width"
      tabIndex={0}
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
      onDoubleClick={() => onResize(null)}
    />
  );
}
