import type * as Y from "yjs";
import { isFrameKind, nodesMap } from "../../../shared/hatchery/graph";
import { GROUP_PAD } from "../../../shared/hatchery/tidy";

/**
 * The rule that keeps a group's box and its members consistent (decision 26): a node
 * belongs to the group under its centre when it is dropped (the smallest, if several), and
 * a group's box is then fitted to its members' bounds plus room for its label, the same
 * margins Tidy up gives it. So a member dragged out leaves the group and the box shrinks
 * after it; a node dropped in joins and the box grows to hold it. A group left empty keeps
 * its box. A project's frame is fitted the same way (canvas/project-drop.ts). Call inside
 * the transaction that moved the nodes.
 */
export function fitGroups(doc: Y.Doc, groups: ReadonlySet<string>): void {
  if (groups.size === 0) return;
  const nodes = nodesMap(doc);
  const bounds = new Map<string, { x0: number; y0: number; x1: number; y1: number }>();
  nodes.forEach((m) => {
    const parent = m.get("parent");
    if (typeof parent !== "string" || !groups.has(parent)) return;
    const x = Number(m.get("x"));
    const y = Number(m.get("y"));
    const b = bounds.get(parent);
    const r = x + Number(m.get("w"));
    const btm = y + Number(m.get("h"));
    bounds.set(
      parent,
      b
        ? { x0: Math.min(b.x0, x), y0: Math.min(b.y0, y), x1: Math.max(b.x1, r), y1: Math.max(b.y1, btm) }
        : { x0: x, y0: y, x1: r, y1: btm },
    );
  });
  for (const [id, b] of bounds) {
    const g = nodes.get(id);
    if (!g || !isFrameKind(g.get("kind"))) continue;
    const box = {
      x: b.x0 - GROUP_PAD.side,
      y: b.y0 - GROUP_PAD.top,
      w: b.x1 - b.x0 + 2 * GROUP_PAD.side,
      h: b.y1 - b.y0 + GROUP_PAD.top + GROUP_PAD.side,
    };
    for (const [key, value] of Object.entries(box)) if (g.get(key) !== Math.round(value)) g.set(key, Math.round(value));
  }
}

/** A whole layout (Tidy up): positions, and sizes of the groups it fitted. */
export function writeLayout(
  doc: Y.Doc,
  positions: ReadonlyMap<string, { x: number; y: number }>,
  sizes: ReadonlyMap<string, { w: number; h: number }>,
): void {
  const map = nodesMap(doc);
  for (const [id, p] of positions) {
    const m = map.get(id);
    if (!m) continue;
    const size = sizes.get(id);
    for (const [key, value] of Object.entries({ x: p.x, y: p.y, ...(size && { w: size.w, h: size.h }) }))
      if (m.get(key) !== value) m.set(key, value);
  }
}
