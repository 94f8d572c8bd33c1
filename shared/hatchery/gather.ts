import type * as Y from "yjs";
import { isFrameKind, nodesMap, readNode } from "./graph";
import { type Box, freeSpot, GAP, obstaclesOf } from "./placement";
import { GROUP_PAD } from "./tidy";

/**
 * Grouping gathers (decision 26): a group made with members — an agent's `group.add`, a
 * person's "Group N selected" — moves its members into a compact block, in their reading
 * order (top to bottom, left to right), inside a new box that touches no other node or
 * group. A box spanning members where they happened to be would cover nodes that are not
 * in it and other groups; gathering is what grouping asks for, so pinned members move too.
 * The block stays where the members were when that is free, else it goes to the free space
 * next to the content (placement.ts's search). Frames (groups, projects) are never members;
 * a project's frame is gathered the same way when its threads change (domain.ts).
 * Call inside the transaction that creates the group; returns the group's box.
 */
export function gatherGroup(doc: Y.Doc, groupId: string, memberIds: readonly string[]): Box | null {
  const map = nodesMap(doc);
  const wanted = new Set(memberIds);
  const members = [...wanted]
    .filter((id) => id !== groupId && map.has(id))
    .map((id) => readNode(id, map.get(id)!))
    .filter((n) => !isFrameKind(n.kind))
    .sort((a, b) => a.y - b.y || a.x - b.x);
  if (members.length === 0) return null;
  const moving = new Set(members.map((m) => m.id));

  // A grid of equal cells, about as wide as tall on screen (the canvas is wider than tall).
  const cellW = Math.max(...members.map((m) => m.w));
  const cellH = Math.max(...members.map((m) => m.h));
  const cols = Math.max(1, Math.min(members.length, Math.ceil(Math.sqrt((members.length * cellH * 1.5) / cellW))));
  const rows = Math.ceil(members.length / cols);
  const size = {
    w: cols * cellW + (cols - 1) * GAP + 2 * GROUP_PAD.side,
    h: rows * cellH + (rows - 1) * GAP + GROUP_PAD.top + GROUP_PAD.side,
  };

  // Everything that stays is an obstacle: other nodes, other groups, the bands of edges that do not move.
  const { obstacles } = obstaclesOf(doc, (id) => id === groupId || moving.has(id));

  const x0 = Math.min(...members.map((m) => m.x));
  const y0 = Math.min(...members.map((m) => m.y));
  const inPlace = { x: Math.round(x0 - GROUP_PAD.side), y: Math.round(y0 - GROUP_PAD.top), ...size };
  const box = obstacles.hits(inPlace, GAP / 2) ? freeSpot(obstacles, size) : inPlace;

  const group = map.get(groupId);
  if (group) for (const [key, value] of Object.entries(box)) if (group.get(key) !== value) group.set(key, value);
  members.forEach((n, i) => {
    const m = map.get(n.id)!;
    const x = box.x + GROUP_PAD.side + (i % cols) * (cellW + GAP) + Math.round((cellW - n.w) / 2);
    const y = box.y + GROUP_PAD.top + Math.floor(i / cols) * (cellH + GAP);
    if (m.get("x") !== x) m.set("x", x);
    if (m.get("y") !== y) m.set("y", y);
    m.set("parent", groupId);
  });
  return box;
}
