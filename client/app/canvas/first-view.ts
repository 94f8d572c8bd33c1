import { getNodesBounds, getViewportForBounds, type Viewport } from "@xyflow/react";
import type { FlowNode } from "../stores/canvas";

/**
 * The view a canvas opens at: everything fitted, but not below FIRST_VIEW_MIN_ZOOM, where
 * about a hundred nodes fill a laptop screen and are still legible (F fits everything).
 * Fitting 2,000 nodes would zoom out until every one is in view, and React Flow renders
 * every node in view before the first paint.
 *
 * Computed here rather than with React Flow's fitView, which runs after a render: the
 * canvas's first render of its nodes is already at this view.
 */
export const FIRST_VIEW_MIN_ZOOM = 0.5;
export const FIT_PADDING = 0.15;

export function firstViewport(nodes: readonly FlowNode[], width: number, height: number): Viewport {
  return getViewportForBounds(getNodesBounds([...nodes]), width, height, FIRST_VIEW_MIN_ZOOM, 1, FIT_PADDING);
}
