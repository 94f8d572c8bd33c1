import { type FitViewOptions, getNodesBounds, getViewportForBounds, type Rect, type Viewport } from "@xyflow/react";

type Padding = NonNullable<FitViewOptions["padding"]>;
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
/** The canvas's own zoom range (Canvas.tsx); a fit never magnifies past 100 %. */
export const MIN_ZOOM = 0.05;

export type SidePadding = { top: `${number}px`; right: `${number}px`; bottom: `${number}px`; left: `${number}px` };
const px = (n: number): `${number}px` => `${Math.round(n)}px`;

/** Every node fitted in `width` × `height`, zoomed out no further than `minZoom` (nor in past 100 %). */
const fitBounds = (bounds: Rect, minZoom: number, width: number, height: number, padding: Padding): Viewport =>
  getViewportForBounds(bounds, width, height, minZoom, 1, padding);

/** A side of a per-side padding in pixels ("72px" → 72). */
const side = (value: unknown): number =>
  typeof value === "string" || typeof value === "number" ? Number.parseFloat(String(value)) || 0 : 0;

/**
 * The first view. When even the floor's zoom leaves the nodes taller than the part of the pane
 * no overlay covers, their top row starts just under the toolbar (centring would hide it
 * behind the toolbar); across, they stay centred.
 */
export function firstViewport(
  nodes: readonly FlowNode[],
  width: number,
  height: number,
  padding: Padding = FIT_PADDING,
): Viewport {
  const bounds = getNodesBounds([...nodes]);
  const view = fitBounds(bounds, FIRST_VIEW_MIN_ZOOM, width, height, padding);
  if (typeof padding !== "object") return view;
  const top = side(padding.top);
  const tooTall = bounds.height * view.zoom > height - top - side(padding.bottom);
  return tooTall ? { ...view, y: top - bounds.y * view.zoom } : view;
}

/** The app's Fit view: every node in the part of the pane no overlay covers. */
export const fitViewport = (
  nodes: readonly FlowNode[],
  width: number,
  height: number,
  padding: Padding = FIT_PADDING,
): Viewport => fitBounds(getNodesBounds([...nodes]), MIN_ZOOM, width, height, padding);

const MARGIN = 16;

/**
 * The view that brings one node (a thread opened from a list) into view. `keep`: the canvas is
 * not on screen (a phone shows the chat, or the chat takes the main area), so where the view
 * already shows the node readable inside the part no overlay covers it stays, or moves just
 * enough to hold it: the canvas the person comes back to is still the view that keeps the
 * toolbar's area clear. Otherwise the node comes to the middle, a fifth of the pane's smaller
 * side around it inside that part, never magnified past 110 %.
 */
export function focusViewport(
  current: Viewport,
  bounds: Rect,
  width: number,
  height: number,
  overlays: SidePadding,
  keep: boolean,
): Viewport {
  const clear = {
    left: side(overlays.left),
    top: side(overlays.top),
    right: width - side(overlays.right),
    bottom: height - side(overlays.bottom),
  };
  const z = current.zoom;
  const fits = bounds.width * z <= clear.right - clear.left && bounds.height * z <= clear.bottom - clear.top;
  if (keep && z >= FIRST_VIEW_MIN_ZOOM && fits) {
    const left = bounds.x * z + current.x;
    const top = bounds.y * z + current.y;
    const right = left + bounds.width * z;
    const bottom = top + bounds.height * z;
    const dx = left < clear.left ? clear.left - left : right > clear.right ? clear.right - right : 0;
    const dy = top < clear.top ? clear.top - top : bottom > clear.bottom ? clear.bottom - bottom : 0;
    return dx === 0 && dy === 0 ? current : { x: current.x + dx, y: current.y + dy, zoom: z };
  }
  const extra = Math.min(width, height) * 0.2;
  const padding: SidePadding = {
    top: px(side(overlays.top) + extra),
    right: px(side(overlays.right) + extra),
    bottom: px(side(overlays.bottom) + extra),
    left: px(side(overlays.left) + extra),
  };
  return getViewportForBounds(bounds, width, height, MIN_ZOOM, 1.1, padding);
}

/**
 * Per-side padding in pixels that keeps a fit clear of the overlays drawn on the pane: the
 * toolbar at the top, the minimap and the zoom controls at the bottom (measured, so a
 * narrow window or a hidden minimap is accounted for). Falls back to a flat margin.
 */
export function overlayPadding(pane: Element | null): SidePadding {
  const flat = { top: px(MARGIN), right: px(MARGIN), bottom: px(MARGIN), left: px(MARGIN) };
  if (!pane) return flat;
  const box = pane.getBoundingClientRect();
  const shown = (el: Element | null) => {
    const r = el?.getBoundingClientRect();
    return r && r.width > 0 && r.height > 0 ? r : null;
  };
  const toolbar = shown(pane.querySelector(".canvas-toolbar"));
  // The filter bar (attention.tsx) sits at the bottom between the controls and the minimap.
  const below = [
    shown(pane.querySelector(".minimap-panel")),
    shown(pane.querySelector(".react-flow__controls")),
    shown(pane.querySelector(".canvas-filters")),
  ].filter((r): r is DOMRect => r !== null);
  return {
    ...flat,
    top: px(toolbar ? Math.max(MARGIN, toolbar.bottom - box.top + MARGIN) : MARGIN),
    bottom: px(below.length ? Math.max(MARGIN, ...below.map((r) => box.bottom - r.top + MARGIN)) : MARGIN),
  };
}
