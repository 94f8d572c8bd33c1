import type * as Y from "yjs";
import { type NodeKind, NODE_SIZE } from "./graph";
import { type Box, besideSpot, edgeBand, type EdgeEnd, freeSpot, obstaclesOf } from "./placement";

/**
 * Positions for domain nodes about to be created, all of one pull at once, so they avoid
 * each other as well as what is on the canvas (placement.ts). Each new node goes beside
 * its anchor: the node one of its edges of this pull leads to (a thread's instance, a
 * session's thread before its instance), or the node it was created near; the side is
 * the one its edge leaves from. Nothing that exists moves. The whole canvas is laid out
 * by ELK only when a person asks for it (tidy.ts).
 */
export interface PendingNode {
  id: string;
  kind: NodeKind;
  near: string | null;
}

/** The link operations of a pull (only their ends matter here). */
type LinkLike = { op: string; source?: string; target?: string };

export async function layoutNewNodes(
  doc: Y.Doc,
  pending: PendingNode[],
  ops: readonly LinkLike[] = [],
): Promise<Map<string, { x: number; y: number }>> {
  const positions = new Map<string, { x: number; y: number }>();
  if (pending.length === 0) return positions;
  const { obstacles, boxes } = obstaclesOf(doc);
  const links = ops.filter(
    (o): o is { op: "link"; source: string; target: string } =>
      o.op === "link" && typeof o.source === "string" && typeof o.target === "string",
  );
  for (const p of pending) {
    const size = NODE_SIZE[p.kind];
    const { anchor, end } = anchorOf(p, links, boxes);
    const spot = (anchor && besideSpot(obstacles, anchor, size, end)) || freeSpot(obstacles, size);
    obstacles.add(spot);
    boxes.set(p.id, spot);
    if (anchor) {
      const band = end === "source" ? edgeBand(spot, anchor) : edgeBand(anchor, spot);
      if (band) obstacles.addBand(band);
    }
    positions.set(p.id, { x: spot.x, y: spot.y });
  }
  return positions;
}

/** The box a new node goes beside, and which end of the edge to it the new node is. */
function anchorOf(
  p: PendingNode,
  links: Array<{ source: string; target: string }>,
  boxes: Map<string, Box>,
): { anchor: Box | null; end: EdgeEnd } {
  const mine = links.filter(
    (l) => (l.source === p.id && boxes.has(l.target)) || (l.target === p.id && boxes.has(l.source)),
  );
  const other = (l: { source: string; target: string }) => (l.source === p.id ? l.target : l.source);
  // A thread is the most specific neighbour (a session open as a thread sits by the thread, not by the gateway).
  const link = mine.find((l) => other(l).startsWith("thread:")) ?? mine.find((l) => other(l) === p.near) ?? mine[0];
  if (link) return { anchor: boxes.get(other(link))!, end: link.source === p.id ? "source" : "target" };
  return { anchor: p.near ? (boxes.get(p.near) ?? null) : null, end: null };
}
