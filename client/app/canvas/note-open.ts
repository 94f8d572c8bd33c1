import type { ReactFlowInstance } from "@xyflow/react";
import { create } from "zustand";
import { type FlowNode, useCanvas } from "../stores/canvas";
import { FAR_ZOOM } from "./far";

/**
 * A note this tab adds opens for writing with the caret in it, so what one types next goes
 * into the note, not to the canvas's single keys from the "+ Note" button that still has
 * focus. Zoomed out (semantic zoom shows a note's title only, far.tsx) or with the note
 * outside the view, the view first moves to it at a zoom where it is written legibly; the
 * note takes the request when it renders (NoteNode in nodes.tsx).
 */
export const useNoteToOpen = create<{ id: string | null }>(() => ({ id: null }));

/** The zoom a note is written at when the view was too far out to write in it. */
const WRITE_ZOOM = 1;
/** How much of the pane's edge the note keeps clear of (the toolbar and the controls sit there). */
const EDGE = 80;

export function openNewNote(
  rf: Pick<ReactFlowInstance<FlowNode>, "getViewport" | "setViewport">,
  id: string,
  pane: { width: number; height: number },
): void {
  const node = useCanvas.getState().nodes.find((n) => n.id === id);
  if (!node) return;
  const { x, y } = node.position;
  const { w, h } = node.data.g;
  const view = rf.getViewport();
  const zoom = view.zoom >= FAR_ZOOM ? view.zoom : WRITE_ZOOM;
  const left = x * zoom + view.x;
  const top = y * zoom + view.y;
  const inView =
    zoom === view.zoom &&
    left >= EDGE &&
    top >= EDGE &&
    left + w * zoom <= pane.width - EDGE &&
    top + h * zoom <= pane.height - EDGE;
  // At once, not animated: keys typed during an animation would still reach the button.
  if (!inView)
    void rf.setViewport({ x: pane.width / 2 - (x + w / 2) * zoom, y: pane.height / 2 - (y + h / 2) * zoom, zoom });
  useNoteToOpen.setState({ id });
}
