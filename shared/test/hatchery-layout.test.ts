import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyDomainOps, type DomainOp, pendingNodes } from "../hatchery/domain";
import { domainNodeId, edgesMap, type GraphNode, NODE_SIZE, readGraph, writeNode } from "../hatchery/graph";
import { layoutNewNodes } from "../hatchery/layout";
import { type Box, edgeBand, nearestFreeSpot, obstaclesOf } from "../hatchery/placement";

const node = (
  id: string,
  kind: GraphNode["kind"],
  x: number,
  y: number,
  extra: Partial<GraphNode> = {},
): GraphNode => ({
  id,
  kind,
  ref: kind === "note" || kind === "group" ? null : id.split(":")[1]!,
  x,
  y,
  ...NODE_SIZE[kind],
  placed: "pinned",
  parent: null,
  data: { title: id },
  ...extra,
});

function canvas(nodes: GraphNode[], links: Array<[string, string]> = []) {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const n of nodes) writeNode(doc, n);
    for (const [source, target] of links)
      edgesMap(doc).set(`${source}->${target}`, { id: `${source}->${target}`, source, target, kind: "domain" });
  });
  return doc;
}

async function pull(doc: Y.Doc, ops: DomainOp[]) {
  const laidOut = await layoutNewNodes(doc, pendingNodes(doc, ops), ops);
  doc.transact(() => applyDomainOps(doc, ops, laidOut));
  return readGraph(doc);
}

const hit = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function expectNoOverlaps(nodes: GraphNode[]) {
  for (const p of nodes) {
    for (const q of nodes) {
      if (p.id >= q.id) continue;
      // A group's box holds its members and nothing else.
      if (p.kind === "group" && q.parent === p.id) continue;
      if (q.kind === "group" && p.parent === q.id) continue;
      expect(hit(p, q), `${p.id} overlaps ${q.id}`).toBe(false);
    }
  }
}

/** Every edge's band (where React Flow's bezier runs) is clear of every node but its ends. */
function expectClearEdges(g: { nodes: GraphNode[]; edges: Array<{ source: string; target: string }> }) {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  for (const e of g.edges) {
    const s = byId.get(e.source)!;
    const t = byId.get(e.target)!;
    const band = edgeBand(s, t);
    expect(band, `${e.source} -> ${e.target} runs backwards`).not.toBeNull();
    for (const n of g.nodes) {
      if (n.id === e.source || n.id === e.target || n.kind === "group") continue;
      expect(hit(band!, n), `${e.source} -> ${e.target} crosses ${n.id}`).toBe(false);
    }
  }
}

const threadOn = (t: string, instance: string): DomainOp[] => [
  { op: "upsert", kind: "thread", ref: t, data: { title: t }, near: null },
  { op: "link", source: domainNodeId("thread", t), target: domainNodeId("instance", instance), label: "runs on" },
];

describe("placing new server nodes", () => {
  it("puts a thread beside the instance it runs on, with the edge's band free, and moves nothing that exists", async () => {
    // A note parked right where "left of the instance" would go, and a group below it.
    const doc = canvas([
      node("instance:i", "instance", 1000, 500),
      node("note:n", "note", 700, 480),
      node("group:g", "group", 600, 640),
    ]);
    const g = await pull(doc, [...threadOn("t1", "i"), ...threadOn("t2", "i"), ...threadOn("t3", "i")]);
    expect(g.nodes.find((n) => n.id === "instance:i")).toMatchObject({ x: 1000, y: 500 });
    expect(g.nodes.find((n) => n.id === "note:n")).toMatchObject({ x: 700, y: 480 });
    expect(g.nodes.find((n) => n.id === "group:g")).toMatchObject({ x: 600, y: 640 });
    expect(g.edges).toHaveLength(3);
    for (const t of g.nodes.filter((n) => n.kind === "thread")) {
      // Left of the instance (its edge leaves from its right side), within a few node sizes.
      expect(t.x + t.w).toBeLessThanOrEqual(1000);
      expect(Math.hypot(t.x - 1000, t.y - 500)).toBeLessThan(900);
      expect(t.placed).toBe("auto");
    }
    expectNoOverlaps(g.nodes);
    expectClearEdges(g);
  });

  it("puts a session beside its thread, not inside a group it is not in", async () => {
    const doc = canvas(
      [
        node("instance:i", "instance", 1000, 0),
        node("thread:t", "thread", 600, 0),
        node("group:g", "group", -200, -160),
      ],
      [["thread:t", "instance:i"]],
    );
    const g = await pull(doc, [
      { op: "upsert", kind: "session", ref: "i/s", data: { title: "s" }, near: "instance:i" },
      { op: "link", source: "session:i/s", target: "instance:i", label: "session of" },
      { op: "link", source: "session:i/s", target: "thread:t", label: "open as" },
    ]);
    const s = g.nodes.find((n) => n.kind === "session")!;
    expect(s.x + s.w).toBeLessThanOrEqual(600);
    expect(Math.hypot(s.x - 600, s.y)).toBeLessThan(900);
    expectNoOverlaps(g.nodes);
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const band = edgeBand(s, byId.get("thread:t")!)!;
    for (const n of g.nodes) if (n.id !== s.id && n.id !== "thread:t") expect(hit(band, n), n.id).toBe(false);
  });

  it("does not put a new node in the band of an existing edge", async () => {
    // The thread sits far left of its instance: the band between them is taken.
    const doc = canvas(
      [node("instance:i", "instance", 1200, 0), node("thread:a", "thread", 0, 0)],
      [["thread:a", "instance:i"]],
    );
    const g = await pull(doc, [...threadOn("t1", "i"), ...threadOn("t2", "i")]);
    expectNoOverlaps(g.nodes);
    expectClearEdges(g);
  });

  it("fills the free space at the top-left of the content with nodes that have no anchor, in a block rather than a column", async () => {
    const doc = canvas([node("thread:a", "thread", 100, 100), node("note:n", "note", 2000, 1400)]);
    const ops: DomainOp[] = Array.from(
      { length: 40 },
      (_, i): DomainOp => ({ op: "upsert", kind: "thread", ref: `n${i}`, data: { title: `n${i}` }, near: null }),
    );
    const g = await pull(doc, ops);
    const fresh = g.nodes.filter((n) => n.id.startsWith("thread:n"));
    expect(fresh).toHaveLength(40);
    expectNoOverlaps(g.nodes);
    // The first lands next to the top-left of the content, not below everything.
    const first = g.nodes.find((n) => n.id === "thread:n0")!;
    expect(first.y).toBeLessThan(400);
    expect(first.x).toBeLessThan(600);
    // Forty threads stay within the content's bounds grown a little, wider than tall.
    const bottom = Math.max(...fresh.map((n) => n.y + n.h));
    const right = Math.max(...fresh.map((n) => n.x + n.w));
    expect(bottom).toBeLessThan(1700);
    expect(right - 100).toBeGreaterThan(bottom - 100);
  });

  it("keeps the old placement's guarantee for a crowded anchor: no overlaps however many arrive", async () => {
    const doc = canvas([
      node("thread:t1", "thread", 1000, 500),
      node("note:n1", "note", 1000 + NODE_SIZE.thread.w + 64, 500),
    ]);
    const ops: DomainOp[] = Array.from({ length: 30 }, (_, i): DomainOp[] => [
      { op: "upsert", kind: "session", ref: `i1/s${i}`, data: { title: `session ${i}` }, near: "thread:t1" },
      { op: "link", source: domainNodeId("session", `i1/s${i}`), target: "thread:t1", label: "open as" },
    ]).flat();
    const g = await pull(doc, ops);
    expect(g.nodes.find((n) => n.id === "thread:t1")).toMatchObject({ x: 1000, y: 500 });
    expect(g.nodes.filter((n) => n.kind === "session")).toHaveLength(30);
    expectNoOverlaps(g.nodes);
  });

  it("places at write time even without a computed layout (a node nobody laid out)", async () => {
    const doc = canvas([node("thread:a", "thread", 0, 0)]);
    const ops: DomainOp[] = [{ op: "upsert", kind: "thread", ref: "t9", data: { title: "x" }, near: null }];
    doc.transact(() => applyDomainOps(doc, ops));
    const g = readGraph(doc);
    expect(g.nodes).toHaveLength(2);
    expectNoOverlaps(g.nodes);
  });
});

describe("a note dropped at a point", () => {
  it("lands on the point when it is free, else on the nearest spot clear of every node", () => {
    const doc = new Y.Doc();
    const size = NODE_SIZE.note;
    expect(nearestFreeSpot(obstaclesOf(doc).obstacles, { x: 100, y: 50 }, size)).toMatchObject({ x: 100, y: 50 });
    writeNode(doc, {
      id: "thread:t1",
      kind: "thread",
      ref: "t1",
      x: 100,
      y: 50,
      ...NODE_SIZE.thread,
      placed: "pinned",
      parent: null,
      data: { title: "Busy" },
    });
    const spot = nearestFreeSpot(obstaclesOf(doc).obstacles, { x: 120, y: 60 }, size);
    writeNode(doc, {
      id: "note:n1",
      kind: "note",
      ref: null,
      ...spot,
      placed: "pinned",
      parent: null,
      data: { text: "" },
    });
    expectNoOverlaps(readGraph(doc).nodes);
    // Near: within a ring or two of the card it gave way to, not at the edge of the canvas.
    expect(Math.hypot(spot.x - 120, spot.y - 60)).toBeLessThan(NODE_SIZE.thread.w + NODE_SIZE.thread.h);
  });
});
