// The rule that keeps a group's box and its members consistent (client/app/canvas/group-fit.ts).
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type GraphNode, NODE_SIZE, readGraph, writeNode } from "../../shared/hatchery/graph";
import { GROUP_PAD } from "../../shared/hatchery/tidy";
import { fitGroups, writeLayout } from "../app/canvas/group-fit";

const note = (id: string, x: number, y: number, parent: string | null): GraphNode => ({ id, kind: "note", ref: null, x, y, ...NODE_SIZE.note, placed: "pinned", parent, data: { text: id } });
const group = (id: string, x: number, y: number, w: number, h: number): GraphNode => ({ id, kind: "group", ref: null, x, y, w, h, placed: "pinned", parent: null, data: { label: id } });

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
    expect(g).toMatchObject({ x: 50 - GROUP_PAD.side, y: 80 - GROUP_PAD.top, w: 320 + NODE_SIZE.note.w - 50 + 2 * GROUP_PAD.side, h: 200 + NODE_SIZE.note.h - 80 + GROUP_PAD.top + GROUP_PAD.side });
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
