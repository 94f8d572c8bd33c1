import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyDomainOps, type DomainOp, pendingNodes } from "../hatchery/domain";
import { domainNodeId, NODE_SIZE, readGraph, writeNode } from "../hatchery/graph";
import { layoutNewNodes } from "../hatchery/layout";

function canvasWithPinnedThread(x: number, y: number) {
  const doc = new Y.Doc();
  doc.transact(() => {
    writeNode(doc, { id: "thread:t1", kind: "thread", ref: "t1", x, y, ...NODE_SIZE.thread, placed: "pinned", parent: null, data: { title: "T" } });
    // Someone parked a note right where a naive "to the right of the thread" rule would go.
    writeNode(doc, { id: "note:n1", kind: "note", ref: null, x: x + NODE_SIZE.thread.w + 64, y, ...NODE_SIZE.note, placed: "pinned", parent: null, data: { text: "mine" } });
  });
  return doc;
}

const sessionOps = (n: number): DomainOp[] =>
  Array.from({ length: n }, (_, i): DomainOp[] => [
    { op: "upsert", kind: "session", ref: `i1/s${i}`, data: { title: `session ${i}` }, near: "thread:t1" },
    { op: "link", source: domainNodeId("session", `i1/s${i}`), target: "thread:t1", label: "open as" },
  ]).flat();

describe("placing new domain nodes with ELK", () => {
  it("places new nodes around their anchor without moving anything that exists, and never on top of another node", async () => {
    const doc = canvasWithPinnedThread(1000, 500);
    const ops = sessionOps(6);
    const laidOut = await layoutNewNodes(doc, pendingNodes(doc, ops));
    expect(laidOut.size).toBe(6);
    doc.transact(() => applyDomainOps(doc, ops, laidOut));
    const { nodes, edges } = readGraph(doc);
    expect(nodes.find((n) => n.id === "thread:t1")).toMatchObject({ x: 1000, y: 500 });
    expect(nodes.find((n) => n.id === "note:n1")).toMatchObject({ x: 1000 + NODE_SIZE.thread.w + 64, y: 500 });
    expect(edges).toHaveLength(6);
    const sessions = nodes.filter((n) => n.kind === "session");
    expect(sessions).toHaveLength(6);
    for (const j of sessions) {
      // Near the thread it belongs to (within a couple of node widths of it).
      expect(Math.hypot(j.x - 1000, j.y - 500)).toBeLessThan(1500);
    }
    for (const p of nodes) {
      for (const q of nodes) {
        if (p.id >= q.id) continue;
        const apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y;
        expect(apart, `${p.id} overlaps ${q.id}`).toBe(true);
      }
    }
  });

  it("leaves nodes without an anchor to the grid", async () => {
    const doc = new Y.Doc();
    const ops: DomainOp[] = [{ op: "upsert", kind: "thread", ref: "t9", data: { title: "x" }, near: null }];
    expect((await layoutNewNodes(doc, pendingNodes(doc, ops))).size).toBe(0);
    doc.transact(() => applyDomainOps(doc, ops));
    expect(readGraph(doc).nodes).toHaveLength(1);
  });
});
