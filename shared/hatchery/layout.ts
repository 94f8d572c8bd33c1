import type { ELK } from "elkjs/lib/elk-api.js";
import type * as Y from "yjs";
import { type NodeKind, NODE_SIZE, nodesMap, readNode } from "./graph";

/**
 * Positions for domain nodes about to be created, computed with ELK's stress layout:
 * each new node is a free vertex, the node it belongs to (its anchor, e.g. the thread of
 * a job) is pinned with `stress.fixed` at its current position, so ELK places new nodes
 * around the canvas as people arranged it and never moves anything that exists.
 * Overlaps are resolved afterwards against every node (see placement.ts).
 */
export interface PendingNode {
  id: string;
  kind: NodeKind;
  near: string | null;
}

/**
 * Loaded on the first layout, not with the module: ELK is megabytes of compiled Java whose
 * evaluation builds thousands of classes. Evaluated at isolate start it grew the Worker's
 * live heap (the Autopilot, the Hatchery and the gate share one isolate locally) and with
 * it every major GC pause on the rooms' path, though most isolates never lay out a node.
 */
let elk: Promise<ELK> | null = null;
const loadElk = (): Promise<ELK> => {
  elk ??= import("elkjs/lib/elk.bundled.js").then(({ default: Elk }) => new Elk());
  return elk;
};

export async function layoutNewNodes(doc: Y.Doc, pending: PendingNode[]): Promise<Map<string, { x: number; y: number }>> {
  const anchored = pending.filter((p) => p.near && nodesMap(doc).has(p.near));
  const positions = new Map<string, { x: number; y: number }>();
  if (anchored.length === 0) return positions;
  const anchors = new Map<string, { x: number; y: number; w: number; h: number }>();
  for (const p of anchored) {
    const n = readNode(p.near!, nodesMap(doc).get(p.near!)!);
    anchors.set(n.id, { x: n.x, y: n.y, w: n.w, h: n.h });
  }
  const children = [
    ...[...anchors].map(([id, a]) => ({ id, x: a.x, y: a.y, width: a.w, height: a.h, layoutOptions: { "org.eclipse.elk.stress.fixed": "true" } })),
    ...anchored.map((p, i) => {
      const a = anchors.get(p.near!)!;
      // Start each new node just right of its anchor, fanned out, so the stress
      // minimisation settles it on that side instead of on top of the anchor.
      return { id: p.id, x: a.x + a.w + 80, y: a.y + i * 40, width: NODE_SIZE[p.kind].w, height: NODE_SIZE[p.kind].h };
    }),
  ];
  const edges = anchored.map((p) => ({ id: `${p.id}->${p.near}`, sources: [p.id], targets: [p.near!] }));
  const result = await (await loadElk()).layout({
    id: "root",
    layoutOptions: {
      "org.eclipse.elk.algorithm": "stress",
      "org.eclipse.elk.stress.desiredEdgeLength": "320",
      "org.eclipse.elk.stress.dimension": "XY",
      "org.eclipse.elk.interactive": "true",
    },
    children,
    edges,
  });
  // ELK may translate the whole drawing; re-anchor it so pinned nodes stay where they are.
  const firstAnchor = result.children?.find((c) => anchors.has(c.id));
  const shift = firstAnchor ? { dx: anchors.get(firstAnchor.id)!.x - (firstAnchor.x ?? 0), dy: anchors.get(firstAnchor.id)!.y - (firstAnchor.y ?? 0) } : { dx: 0, dy: 0 };
  for (const c of result.children ?? []) {
    if (anchors.has(c.id)) continue;
    positions.set(c.id, { x: Math.round((c.x ?? 0) + shift.dx), y: Math.round((c.y ?? 0) + shift.dy) });
  }
  return positions;
}
