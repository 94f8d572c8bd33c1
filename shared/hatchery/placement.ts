import type * as Y from "yjs";
import { nodesMap, readNode } from "./graph";

/**
 * Where a new domain node goes when nothing better is known: next to the node it belongs
 * to, or in the next free row of the grid. Nodes with an anchor are first placed by ELK
 * (layout.ts); either way `placeNode` has the last word: never on top of anything.
 */
const GAP = 32;
const GRID_COLUMNS = 4;
const COLUMN_WIDTH = 640;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w + GAP && b.x < a.x + a.w + GAP && a.y < b.y + b.h + GAP && b.y < a.y + a.h + GAP;

/** `side` "below": stacked under the anchor (a thread's tool calls), else beside it. */
export function placeNode(doc: Y.Doc, size: { w: number; h: number }, near: string | null, preferred?: { x: number; y: number }, side: "beside" | "below" = "beside"): { x: number; y: number } {
  const boxes: Box[] = [];
  nodesMap(doc).forEach((m, id) => {
    const n = readNode(id, m);
    boxes.push({ x: n.x, y: n.y, w: n.w, h: n.h });
  });
  const anchor = near ? nodesMap(doc).get(near) : undefined;
  let candidate: Box;
  if (preferred) {
    candidate = { ...preferred, ...size };
  } else if (anchor) {
    const a = readNode(near!, anchor);
    candidate = side === "below" ? { x: a.x, y: a.y + a.h + GAP, ...size } : { x: a.x + a.w + GAP * 2, y: a.y, ...size };
  } else {
    // Threads fill a grid column by column count; rows grow downwards.
    const index = boxes.length;
    candidate = { x: (index % GRID_COLUMNS) * COLUMN_WIDTH, y: Math.floor(index / GRID_COLUMNS) * 200, ...size };
  }
  // Slide down until free. Bounded: each step clears at least one box's bottom edge.
  for (let guard = 0; guard <= boxes.length; guard++) {
    const hit = boxes.find((b) => overlaps(candidate, b));
    if (!hit) break;
    candidate = { ...candidate, y: hit.y + hit.h + GAP };
  }
  return { x: Math.round(candidate.x), y: Math.round(candidate.y) };
}
