import { describe, expect, it } from "vitest";
import { type TidyNode, tidyLayout } from "../hatchery/tidy";

type Box = { x: number; y: number; w: number; h: number };
const hit = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Whether the axis-parallel segment p→q passes through the inside of `b`. */
function segmentCrosses(p: { x: number; y: number }, q: { x: number; y: number }, b: Box): boolean {
  const x0 = Math.min(p.x, q.x);
  const x1 = Math.max(p.x, q.x);
  const y0 = Math.min(p.y, q.y);
  const y1 = Math.max(p.y, q.y);
  return x0 < b.x + b.w - 1 && x1 > b.x + 1 && y0 < b.y + b.h - 1 && y1 > b.y + 1;
}

/** The workspace, roughly: an instance, threads on it, sessions open as threads, notes, two groups. */
function workspace(): { nodes: TidyNode[]; edges: Array<{ id: string; source: string; target: string }> } {
  const nodes: TidyNode[] = [{ id: "instance:i", kind: "instance", w: 220, h: 84, parent: null }];
  const edges: Array<{ id: string; source: string; target: string }> = [];
  for (let i = 0; i < 25; i++) {
    nodes.push({
      id: `thread:${i}`,
      kind: "thread",
      w: 240,
      h: 96,
      parent: i < 4 ? "group:a" : i < 7 ? "group:b" : null,
    });
    if (i % 2 === 0) edges.push({ id: `t${i}`, source: `thread:${i}`, target: "instance:i" });
  }
  for (let i = 0; i < 5; i++) {
    nodes.push({ id: `session:${i}`, kind: "session", w: 240, h: 84, parent: null });
    edges.push(
      { id: `s${i}i`, source: `session:${i}`, target: "instance:i" },
      { id: `s${i}t`, source: `session:${i}`, target: `thread:${i * 2}` },
    );
  }
  for (let i = 0; i < 8; i++)
    nodes.push({ id: `note:${i}`, kind: "note", w: 200, h: 120, parent: i === 0 ? "group:a" : null });
  nodes.push(
    { id: "group:a", kind: "group", w: 480, h: 320, parent: null },
    { id: "group:b", kind: "group", w: 480, h: 320, parent: null },
    { id: "group:empty", kind: "group", w: 300, h: 200, parent: null },
  );
  edges.push({ id: "p1", source: "note:1", target: "thread:10" });
  return { nodes, edges };
}

describe("Tidy up", () => {
  it("lays out every node without overlaps, each group holding exactly its members, and routes every edge clear of other nodes", async () => {
    const { nodes, edges } = workspace();
    const r = await tidyLayout(nodes, edges);
    const box = (n: TidyNode): Box => ({ ...r.positions.get(n.id)!, ...(r.sizes.get(n.id) ?? { w: n.w, h: n.h }) });
    expect(r.positions.size).toBe(nodes.length);
    for (const p of nodes) {
      for (const q of nodes) {
        if (p.id >= q.id) continue;
        const inside = p.parent === q.id || q.parent === p.id;
        expect(hit(box(p), box(q)), `${p.id} and ${q.id}`).toBe(inside);
      }
    }
    for (const n of nodes) {
      if (!n.parent) continue;
      const g = box(nodes.find((m) => m.id === n.parent)!);
      const b = box(n);
      expect(
        b.x >= g.x && b.y >= g.y && b.x + b.w <= g.x + g.w && b.y + b.h <= g.y + g.h,
        `${n.id} inside ${n.parent}`,
      ).toBe(true);
    }
    expect(r.routes.size).toBe(edges.length);
    for (const e of edges) {
      const route = r.routes.get(e.id)!;
      const s = box(nodes.find((n) => n.id === e.source)!);
      const t = box(nodes.find((n) => n.id === e.target)!);
      // Starts at the source's right handle, ends at the target's left handle.
      expect(route[0]).toEqual({ x: s.x + s.w, y: s.y + s.h / 2 });
      expect(route.at(-1)).toEqual({ x: t.x, y: t.y + t.h / 2 });
      for (const n of nodes) {
        if (n.id === e.source || n.id === e.target || n.kind === "group") continue;
        for (let i = 1; i < route.length; i++)
          expect(segmentCrosses(route[i - 1]!, route[i]!, box(n)), `${e.id} through ${n.id}`).toBe(false);
      }
    }
  });

  it("packs unconnected nodes in a block shaped like a screen, not a column", async () => {
    const nodes: TidyNode[] = Array.from({ length: 100 }, (_, i) => ({
      id: `thread:${i}`,
      kind: "thread",
      w: 240,
      h: 96,
      parent: null,
    }));
    const r = await tidyLayout(nodes, []);
    const xs = [...r.positions.values()].map((p) => p.x);
    const ys = [...r.positions.values()].map((p) => p.y);
    const w = Math.max(...xs) + 240 - Math.min(...xs);
    const h = Math.max(...ys) + 96 - Math.min(...ys);
    expect(w / h).toBeGreaterThan(1.1);
    expect(w / h).toBeLessThan(2.5);
  });
});
