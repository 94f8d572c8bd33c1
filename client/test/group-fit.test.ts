// The rule that keeps a group's box and its members consistent (client/app/canvas/group-fit.ts).
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type GraphNode, NODE_SIZE, readGraph, writeNode } from "../../shared/hatchery/graph";
import { GROUP_PAD } from "../../shared/hatchery/tidy";
import { fitGroups, writeLayout } from "../app/canvas/group-fit";
import { groupNode, noteNode } from "../../shared/test/canvas-nodes";

const note = (id: string, x: number, y: number, parent: string | null): GraphNode => noteNode(id, id, { x, y, parent });
const group = (id: string, x: number, y: number, w: number, h: number): GraphNode => groupNode(id, id, { x, y, w, h });

describe("a group's box follows its members", () => {
  it("fits the box to the members plus room for the label, growing for a member dropped at its edge and shrinking after one that left", () => {
    const doc = new Y.Doc();
    doc.transact(() => {
      writeNode(doc, group("group:g", 0, 0, 400, 300));
      writeNode(doc, note("note:a", 50, 80, "group:g"));
      // Joined with its centre inside, its edge sticking out of the old box.
      writeNode(doc, note("note:b", 320, 200, "group:g"));
      // Left the group: no longer its member, wherever it is.
      writeNode(doc, note("note:c", 100, 150, null));
    });
    doc.transact(() => fitGroups(doc, new Set(["group:g"])));
    const g = readGraph(doc).nodes.find((n) => n.id === "group:g")!;
    expect(g).toMatchObject({
      x: 50 - GROUP_PAD.side,
      y: 80 - GROUP_PAD.top,
      w: 320 + NODE_SIZE.note.w - 50 + 2 * GROUP_PAD.side,
      h: 200 + NODE_SIZE.note.h - 80 + GROUP_PAD.top + GROUP_PAD.side,
    });
  });

  it("leaves an empty group's box alone", () => {
    const doc = new Y.Doc();
    doc.transact(() => writeNode(doc, group("group:e", 10, 20, 400, 300)));
    doc.transact(() => fitGroups(doc, new Set(["group:e"])));
    expect(readGraph(doc).nodes[0]).toMatchObject({ x: 10, y: 20, w: 400, h: 300 });
  });

  it("writes a whole layout: positions, and the sizes of the groups it fitted", () => {
    const doc = new Y.Doc();
    doc.transact(() => {
      writeNode(doc, group("group:g", 0, 0, 400, 300));
      writeNode(doc, note("note:a", 50, 80, "group:g"));
    });
    doc.transact(() =>
      writeLayout(
        doc,
        new Map([
          ["group:g", { x: 100, y: 100 }],
          ["note:a", { x: 124, y: 156 }],
        ]),
        new Map([["group:g", { w: 248, h: 200 }]]),
      ),
    );
    expect(readGraph(doc).nodes.find((n) => n.id === "group:g")).toMatchObject({ x: 100, y: 100, w: 248, h: 200 });
  });
});

describe("a person's Group N selected (stores/canvas.ts addGroup)", () => {
  it("gathers the selected nodes into the new group, off the node between them, and refits the group they left", async () => {
    const { useCanvas } = await import("../app/stores/canvas");
    const doc = new Y.Doc();
    doc.transact(() => {
      writeNode(doc, group("group:old", -24, -56, 1248, 296));
      writeNode(doc, note("note:a", 0, 0, "group:old"));
      writeNode(doc, note("note:between", 500, 0, null));
      writeNode(doc, note("note:b", 1000, 0, "group:old"));
      writeNode(doc, note("note:stays", 0, 100, "group:old"));
    });
    useCanvas.setState({
      doc,
      nodes: ["note:a", "note:b", "note:between", "note:stays"].map((id) => ({
        id,
        type: "note",
        position: { x: 0, y: 0 },
        data: {},
      })) as never,
    });
    const id = useCanvas.getState().addGroup({ x: 0, y: 0 }, "Picked", ["note:a", "note:b"])!;
    const nodes = readGraph(doc).nodes;
    const byId = (x: string) => nodes.find((n) => n.id === x)!;
    const g = byId(id);
    const inside = (n: GraphNode) => n.x >= g.x && n.y >= g.y && n.x + n.w <= g.x + g.w && n.y + n.h <= g.y + g.h;
    const apart = (n: GraphNode) => n.x >= g.x + g.w || g.x >= n.x + n.w || n.y >= g.y + g.h || g.y >= n.y + n.h;
    expect([byId("note:a"), byId("note:b")].every((n) => n.parent === id && inside(n))).toBe(true);
    expect(apart(byId("note:between")) && apart(byId("note:stays")) && apart(byId("group:old"))).toBe(true);
    // The group they left holds only the one that stayed.
    expect(byId("group:old")).toMatchObject({
      x: -GROUP_PAD.side,
      y: 100 - GROUP_PAD.top,
      w: NODE_SIZE.note.w + 2 * GROUP_PAD.side,
    });
  });
});
