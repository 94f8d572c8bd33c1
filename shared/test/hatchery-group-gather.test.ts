import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { gatherGroup } from "../hatchery/gather";
import { type GraphNode, NODE_SIZE, readGraph, writeNode } from "../hatchery/graph";
import { groupNode } from "./canvas-nodes";

const thread = (i: number, x: number, y: number, placed: GraphNode["placed"] = "auto"): GraphNode => ({
  id: `thread:t${i}`,
  kind: "thread",
  ref: `t${i}`,
  x,
  y,
  ...NODE_SIZE.thread,
  placed,
  parent: null,
  data: { title: `t${i}` },
});

/** Threads in a server-placed grid, 5 across: a group of every other one spans the ones between. */
function grid(count: number): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (let i = 0; i < count; i++)
      writeNode(
        doc,
        thread(
          i,
          (i % 5) * (NODE_SIZE.thread.w + 80),
          Math.floor(i / 5) * (NODE_SIZE.thread.h + 40),
          i === 7 ? "pinned" : "auto",
        ),
      );
  });
  return doc;
}

const hit = (a: GraphNode, b: GraphNode) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const inside = (n: GraphNode, g: GraphNode) =>
  n.x >= g.x && n.y >= g.y && n.x + n.w <= g.x + g.w && n.y + n.h <= g.y + g.h;

/** Every pair of nodes apart, except a group and its own members, which it holds whole. */
function expectGroupsHoldExactlyTheirMembers(doc: Y.Doc) {
  const nodes = readGraph(doc).nodes;
  for (const p of nodes) {
    for (const q of nodes) {
      if (p.id >= q.id) continue;
      const [group, other] = p.kind === "group" ? [p, q] : [q, p];
      if (other.parent === group.id) expect(inside(other, group), `${other.id} inside ${group.id}`).toBe(true);
      else expect(hit(p, q), `${p.id} and ${q.id} overlap`).toBe(false);
    }
  }
}

describe("grouping gathers its members (decision 26)", () => {
  it("an agent's groups of scattered threads hold exactly their members and no other node or group", () => {
    const doc = grid(25);
    const first = ["thread:t5", "thread:t7", "thread:t9"];
    const second = ["thread:t10", "thread:t12", "thread:t14"];
    // As graph.apply's group.add writes it (party/domain/graph-commands.ts): a placeholder box, then gathered.
    const add = (id: string, members: string[]) =>
      doc.transact(() => {
        writeNode(doc, groupNode(id, id));
        gatherGroup(doc, id, members);
      });
    add("group:g0", first);
    add("group:g1", second);
    const created = ["group:g0"];
    expectGroupsHoldExactlyTheirMembers(doc);
    const nodes = readGraph(doc).nodes;
    // The pinned member moved too: grouping is what asked for it.
    expect(nodes.filter((x) => x.parent === created[0]).map((x) => x.id)).toEqual(first);
    // Compact: the box is no larger than a square-ish block of its three members needs.
    const group = nodes.find((x) => x.id === created[0])!;
    expect(group.w * group.h).toBeLessThan(4 * (NODE_SIZE.thread.w + 80) * (NODE_SIZE.thread.h + 80));
  });

  it("keeps the members' reading order and stays where they were when that place is free", () => {
    const doc = new Y.Doc();
    doc.transact(() => {
      writeNode(doc, thread(1, 600, 0));
      writeNode(doc, thread(2, 0, 0));
      writeNode(doc, groupNode("group:g", "g"));
      const box = gatherGroup(doc, "group:g", ["thread:t1", "thread:t2"])!;
      expect(box.x).toBeLessThanOrEqual(0);
      expect(box.x + box.w).toBeLessThan(600 + NODE_SIZE.thread.w);
    });
    const [a, b] = ["thread:t2", "thread:t1"].map((id) => readGraph(doc).nodes.find((x) => x.id === id)!);
    expect(a!.y * 10_000 + a!.x).toBeLessThan(b!.y * 10_000 + b!.x);
    expectGroupsHoldExactlyTheirMembers(doc);
  });
});
