// The Hatchery graph the benches sync: shaped like a busy workspace, every node a nested
// map as the Hatchery stores it. Notes only: people's nodes, which is what a client may
// upload (the room reviews them like any person's write; domain nodes are the server's).
import * as Y from "yjs";

const KINDS = ["thread", "job", "approval", "note"];

/** Fills `doc` with `nodeCount` nodes and `edgeCount` edges, the same for the same counts. */
export function buildGraph(doc, nodeCount, edgeCount) {
  const nodes = doc.getMap("nodes");
  const edges = doc.getMap("edges");
  doc.transact(() => {
    for (let i = 0; i < nodeCount; i++) {
      const kind = KINDS[i % KINDS.length];
      const m = new Y.Map();
      m.set("kind", "note");
      m.set("ref", null);
      m.set("x", (i % 80) * 300);
      m.set("y", Math.floor(i / 80) * 160);
      m.set("w", 220);
      m.set("h", 96);
      m.set("placed", "pinned");
      m.set("parent", null);
      m.set("data", { text: `${kind} ${i}: ${"lorem ipsum ".repeat(3)} ${i % 3 ? "running" : "done"} ${i % 101}%` });
      nodes.set(`note:n${i}`, m);
    }
    for (let e = 0; e < edgeCount; e++) {
      edges.set(`e${e}`, {
        id: `e${e}`,
        source: `note:n${e % nodeCount}`,
        target: `note:n${(e * 7 + 13) % nodeCount}`,
        kind: "person",
      });
    }
  });
}
