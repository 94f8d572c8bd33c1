// The app's read of canvas nodes (client/app/stores/flow-items.ts): whatever a node holds,
// only values that match its kind's schema reach React. The server already repairs what
// people write (shared/hatchery/review.ts); this is the second line, for a value that got
// into a document anyway (an older document, a bug).
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { nodesMap, writeNode } from "../../shared/hatchery/graph";
import { nodeLabel, readFlowNode } from "../app/stores/flow-items";
import { groupNode } from "../../shared/test/canvas-nodes";

const threadNode = (lastMessage: unknown) => {
  const doc = new Y.Doc();
  writeNode(doc, {
    id: "thread:t1",
    kind: "thread",
    ref: "t1",
    x: 40,
    y: 80,
    w: 260,
    h: 120,
    placed: "auto",
    parent: null,
    data: { title: "Plans", lastMessage },
  });
  return nodesMap(doc).get("thread:t1");
};

describe("reading a canvas node for React Flow", () => {
  it("a node that matches its kind's schema is rendered as that kind, with its values", () => {
    const node = readFlowNode("thread:t1", threadNode({ author: "Alice", text: "hi" }));
    expect(node.type).toBe("thread");
    expect(node.data.g.data).toMatchObject({ title: "Plans", lastMessage: { author: "Alice", text: "hi" } });
  });

  it("an object where text belongs (the author that blanked every tab) becomes an unreadable node showing none of its values", () => {
    const node = readFlowNode("thread:t1", threadNode({ author: { $$typeof: "x", props: {} }, text: "hi" }));
    expect(node.type).toBe("unreadable");
    expect(node.data.g.data).toEqual({});
    expect(node.position).toEqual({ x: 40, y: 80 });
    expect(node.deletable).toBe(false);
  });

  it("a value that is not a node at all is unreadable too, placed at the origin", () => {
    const node = readFlowNode("note:n1", "not a map");
    expect(node).toMatchObject({ type: "unreadable", position: { x: 0, y: 0 } });
  });

  it("a node carries its size and handles, so React Flow need not render it to measure them", () => {
    const node = readFlowNode("thread:t1", threadNode(null));
    expect(node.measured).toEqual({ width: 260, height: 120 });
    expect(node.handles?.map((h) => [h.type, h.position, h.x, h.y])).toEqual([
      ["target", "left", -1.5, 55.5],
      ["source", "right", 254.5, 55.5],
    ]);
    const doc = new Y.Doc();
    writeNode(doc, groupNode("group:g1", "G", { w: 400, h: 300 }));
    expect(readFlowNode("group:g1", nodesMap(doc).get("group:g1"))).toMatchObject({
      measured: { width: 400, height: 300 },
      handles: [],
    });
  });

  it("a node's accessible name says what people call it: a project its name, not its id", () => {
    const project = {
      id: "project:prj_1",
      kind: "project" as const,
      ref: "prj_1",
      x: 0,
      y: 0,
      w: 600,
      h: 400,
      placed: "auto" as const,
      parent: null,
      data: { name: "Release 2.4", threads: 3, archived: false },
    };
    expect(nodeLabel(project)).toBe("project Release 2.4");
    expect(nodeLabel({ ...project, data: {} })).toBe("project prj_1");
  });
});
