import type * as Y from "yjs";
import { edgesMap, type GraphNode, nodesMap, readNode } from "./graph";

/**
 * Where a new server-placed node goes. Pure geometry over the boxes on the canvas:
 * - never on or inside anything: every node's box is an obstacle, a group's whole box too,
 *   so nothing lands in a group it is not a member of;
 * - beside the node it belongs to (its anchor), on the side its edge leaves from, with the
 *   band between the two edge ends free, so the edge does not cross another node (React
 *   Flow's bezier from a right handle to a left handle further right stays inside the box
 *   spanned by its two ends);
 * - not in the band of an existing edge either, so no edge starts crossing the new node;
 * - a node without an anchor fills the free space next to the content, from its top-left
 *   corner outwards, in rings shaped like the canvas, so it grows as a block, not as a column.
 * People's placements are obstacles, never moved.
 */
export const GAP = 40;
/** Horizontal room between a node and its anchor, for the edge to be seen. */
export const H_GAP = 80;
const CELL = 512;
/** Content grows in rings this much wider than tall: the canvas between the app's side panels on a laptop. */
const RING_ASPECT = 1.25;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The edge between a new node and its anchor: the new node is its `source` (it leaves rightwards from the new node) or its `target`. */
export type EdgeEnd = "source" | "target" | null;

export const overlaps = (a: Box, b: Box, gap = 0) =>
  a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;

/** The band a forward edge (source's right handle left of target's left handle) is drawn in; null for a backward one. */
export function edgeBand(source: Box, target: Box): Box | null {
  const sx = source.x + source.w;
  const sy = source.y + source.h / 2;
  const tx = target.x;
  const ty = target.y + target.h / 2;
  if (tx <= sx) return null;
  // Inset horizontally so the band does not count the two ends themselves.
  return { x: sx + 1, y: Math.min(sy, ty) - 4, w: tx - sx - 2, h: Math.abs(ty - sy) + 8 };
}

/** Obstacles in a bucket grid: a query looks at the few buckets a box covers, not every node. */
export class Obstacles {
  #cells = new Map<string, Box[]>();
  /** Edge bands: a node may not go in one, another edge's band may cross it (edges cross edges). */
  #bands = new Set<Box>();
  bounds: Box | null = null;

  addBand(box: Box): void {
    this.#bands.add(box);
    for (const key of this.#keys(box)) {
      const list = this.#cells.get(key);
      if (list) list.push(box);
      else this.#cells.set(key, [box]);
    }
  }

  add(box: Box): void {
    for (const key of this.#keys(box)) {
      const list = this.#cells.get(key);
      if (list) list.push(box);
      else this.#cells.set(key, [box]);
    }
    const b = this.bounds;
    this.bounds = b
      ? (() => {
          const x = Math.min(b.x, box.x);
          const y = Math.min(b.y, box.y);
          return { x, y, w: Math.max(b.x + b.w, box.x + box.w) - x, h: Math.max(b.y + b.h, box.y + box.h) - y };
        })()
      : { ...box };
  }

  /** Whether `box` (grown by `gap`) touches an obstacle other than those in `except`; edge bands count unless `nodesOnly`. */
  hits(box: Box, gap: number, except?: ReadonlySet<Box>, nodesOnly = false): boolean {
    const grown = { x: box.x - gap, y: box.y - gap, w: box.w + 2 * gap, h: box.h + 2 * gap };
    for (const key of this.#keys(grown)) {
      for (const o of this.#cells.get(key) ?? [])
        if (!except?.has(o) && !(nodesOnly && this.#bands.has(o)) && overlaps(grown, o)) return true;
    }
    return false;
  }

  *#keys(box: Box): Generator<string> {
    const x0 = Math.floor(box.x / CELL);
    const x1 = Math.floor((box.x + box.w) / CELL);
    const y0 = Math.floor(box.y / CELL);
    const y1 = Math.floor((box.y + box.h) / CELL);
    for (let cx = x0; cx <= x1; cx++) for (let cy = y0; cy <= y1; cy++) yield `${cx},${cy}`;
  }
}

/** The canvas as obstacles: every node's box (but those `skip` names) and every forward edge's band between them. */
export function obstaclesOf(
  doc: Y.Doc,
  skip?: (id: string) => boolean,
): { obstacles: Obstacles; boxes: Map<string, Box> } {
  const obstacles = new Obstacles();
  const boxes = new Map<string, Box>();
  nodesMap(doc).forEach((m, id) => {
    if (skip?.(id)) return;
    const n: GraphNode = readNode(id, m);
    const box = { x: n.x, y: n.y, w: n.w, h: n.h };
    boxes.set(id, box);
    obstacles.add(box);
  });
  edgesMap(doc).forEach((e) => {
    const s = boxes.get(e.source);
    const t = boxes.get(e.target);
    const band = s && t ? edgeBand(s, t) : null;
    if (band) obstacles.addBand(band);
  });
  return { obstacles, boxes };
}

/**
 * The free spot closest beside `anchor` for a node of `size`: on the side its edge leaves
 * from (`end`), in the nearest column and row whose box and edge band are clear. Null when
 * nothing near is free (the caller falls back to `freeSpot`).
 */
export function besideSpot(
  obstacles: Obstacles,
  anchor: Box,
  size: { w: number; h: number },
  end: EdgeEnd,
): Box | null {
  const sides: Array<1 | -1> = end === "source" ? [-1] : end === "target" ? [1] : [1, -1];
  const candidates: Array<{ box: Box; score: number }> = [];
  const rowStep = (size.h + GAP) / 2;
  for (const side of sides) {
    for (let col = 0; col < 6; col++) {
      const x =
        side === 1
          ? anchor.x + anchor.w + H_GAP + col * (size.w + H_GAP)
          : anchor.x - H_GAP - size.w - col * (size.w + H_GAP);
      for (let k = -12; k <= 12; k++) {
        const y = anchor.y + (anchor.h - size.h) / 2 + k * rowStep;
        const box = { x: Math.round(x), y: Math.round(y), ...size };
        const dx = box.x + box.w / 2 - (anchor.x + anchor.w / 2);
        const dy = box.y + box.h / 2 - (anchor.y + anchor.h / 2);
        candidates.push({ box, score: Math.hypot(dx, dy * 1.5) });
      }
    }
  }
  candidates.sort((a, b) => a.score - b.score);
  // The anchor's own box is the edge's end, not in its way (when it is the obstacle itself).
  const ends = new Set<Box>([anchor]);
  for (const { box } of candidates) {
    if (obstacles.hits(box, GAP / 2)) continue;
    const left = box.x < anchor.x ? box : anchor;
    const right = left === box ? anchor : box;
    const band = edgeBand(left, right);
    if (band && obstacles.hits(band, 0, ends, true)) continue;
    return box;
  }
  return null;
}

/** Stacked under the anchor (a thread's tool calls): the first free spot down its column. */
export function belowSpot(obstacles: Obstacles, anchor: Box, size: { w: number; h: number }): Box {
  let box = { x: anchor.x, y: anchor.y + anchor.h + GAP, ...size };
  // Bounded: each step passes at least one more stacked slot.
  for (let guard = 0; guard < 10_000 && obstacles.hits(box, GAP / 2 - 1, undefined, true); guard++)
    box = { ...box, y: box.y + size.h / 2 };
  return { ...box, y: Math.round(box.y) };
}

/**
 * A free spot for a node without an anchor: the content's bounds' top-left corner first,
 * then outwards ring by ring (rings as wide as RING_ASPECT times their height), row by
 * row inside a ring, so new nodes fill the gaps next to what is there before the canvas grows.
 */
export function freeSpot(obstacles: Obstacles, size: { w: number; h: number }): Box {
  const b = obstacles.bounds ?? { x: 0, y: 0, w: 0, h: 0 };
  const stepX = (size.w + GAP) / 2;
  const stepY = (size.h + GAP) / 2;
  for (let ring = 0; ring < 10_000; ring++) {
    // Cells (i, j) with max(i / aspect-scaled, j) = ring, visited row by row.
    const maxI = Math.floor((ring * stepY * RING_ASPECT) / stepX);
    const prevI = ring === 0 ? -1 : Math.floor(((ring - 1) * stepY * RING_ASPECT) / stepX);
    for (let j = 0; j <= ring; j++) {
      const iStart = j === ring ? 0 : prevI + 1;
      for (let i = iStart; i <= maxI; i++) {
        const box = { x: Math.round(b.x + i * stepX), y: Math.round(b.y + j * stepY), ...size };
        if (!obstacles.hits(box, GAP / 2)) return box;
      }
    }
  }
  return { x: Math.round(b.x), y: Math.round(b.y + b.h + GAP), ...size };
}

/**
 * The free spot nearest to `wanted` (a note dropped at the centre of someone's view): the
 * spot itself if free, else the closest of the points on growing square rings around it,
 * so the node lands in view and on nothing.
 */
export function nearestFreeSpot(
  obstacles: Obstacles,
  wanted: { x: number; y: number },
  size: { w: number; h: number },
): Box {
  const step = GAP;
  for (let ring = 0; ring < 200; ring++) {
    let best: Box | null = null;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let i = -ring; i <= ring; i++) {
      for (const [dx, dy] of [
        [i, -ring],
        [i, ring],
        [-ring, i],
        [ring, i],
      ] as const) {
        const box = { x: Math.round(wanted.x + dx * step), y: Math.round(wanted.y + dy * step), ...size };
        const distance = dx * dx + dy * dy;
        if (distance < bestDistance && !obstacles.hits(box, GAP / 2)) {
          best = box;
          bestDistance = distance;
        }
      }
    }
    if (best) return best;
  }
  return freeSpot(obstacles, size);
}

/**
 * Where new nodes go on the current canvas, one after the other (applyDomainOps calls it
 * at write time): `preferred` (computed by layoutNewNodes) if it is still free, else beside
 * `near`, else in the free space next to the content. Each placed node is an obstacle for
 * the next; the canvas is read once.
 */
export function placer(
  doc: Y.Doc,
): (
  size: { w: number; h: number },
  near: string | null,
  preferred?: { x: number; y: number },
  end?: EdgeEnd,
  below?: boolean,
) => { x: number; y: number } {
  let state: ReturnType<typeof obstaclesOf> | null = null;
  return (size, near, preferred, end = null, below = false) => {
    state ??= obstaclesOf(doc);
    const { obstacles, boxes } = state;
    const wanted = preferred ? { x: Math.round(preferred.x), y: Math.round(preferred.y), ...size } : null;
    const anchor = near ? boxes.get(near) : undefined;
    const spot =
      wanted && !obstacles.hits(wanted, GAP / 4)
        ? wanted
        : anchor && below
          ? belowSpot(obstacles, anchor, size)
          : (anchor && besideSpot(obstacles, anchor, size, end)) || freeSpot(obstacles, size);
    obstacles.add(spot);
    return { x: spot.x, y: spot.y };
  };
}

/** One node on the current canvas (see `placer`). */
export function placeNode(
  doc: Y.Doc,
  size: { w: number; h: number },
  near: string | null,
  preferred?: { x: number; y: number },
  end: EdgeEnd = null,
): { x: number; y: number } {
  return placer(doc)(size, near, preferred, end);
}
