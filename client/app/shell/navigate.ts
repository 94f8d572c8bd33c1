import { type RightTab, useUi } from "../stores/ui";

/**
 * Moving around the workspace, the same way from the bottom bar, the skip links, the
 * keyboard and the ⌘K palette. Focus moves without scrolling anything: the shell never
 * scrolls (layout.css), and a focus call must not try to.
 */

/** Focus once React has shown what was hidden (a part in the main area of a phone is hidden until chosen). */
function focusSoon(find: () => HTMLElement | null | undefined): void {
  requestAnimationFrame(() => find()?.focus({ preventScroll: true }));
}

/** A tab of the details panel; on a phone the panel takes the screen. */
export function openTab(tab: RightTab): void {
  const ui = useUi.getState();
  ui.setRightTab(tab);
  ui.setDrawer("right");
}

/** The canvas in the main area: on a phone in place of what was open; on a wide window the panel gives its room back. */
export function showCanvas(): void {
  const ui = useUi.getState();
  ui.setDrawer(null);
  ui.setPanelWide(false);
}

export function showThreads(): void {
  useUi.getState().setDrawer("left");
}

/** The canvas, with focus on its selected node, else its first, else the canvas itself. */
export function focusCanvas(): void {
  showCanvas();
  focusSoon(
    () =>
      document.querySelector<HTMLElement>(".react-flow__node.selected") ??
      document.querySelector<HTMLElement>(".react-flow__node[tabindex]") ??
      document.getElementById("canvas"),
  );
}

/** The open thread's message field; with no thread open, the details panel. */
export function focusChat(): void {
  const ui = useUi.getState();
  if (ui.selectedId?.startsWith("thread:")) ui.setRightTab("inspector");
  ui.setDrawer("right");
  focusSoon(() => document.getElementById("composer") ?? document.getElementById("right-tabpanel"));
}

/** The thread list: its first thread, else the field that starts one. */
export function focusThreads(): void {
  showThreads();
  focusSoon(
    () =>
      document.querySelector<HTMLElement>(".sidebar .nav-list .nav-item") ??
      document.getElementById("new-thread-title"),
  );
}

/** The panel takes the main area (wide windows), or gives it back to the canvas. */
export function togglePanelWide(): void {
  const ui = useUi.getState();
  ui.setPanelWide(!ui.panelWide, { remember: true });
}
