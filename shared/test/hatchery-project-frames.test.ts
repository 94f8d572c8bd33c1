// A project on the canvas is the frame its threads sit in (shared/hatchery/domain.ts): made
// from `project.changed` (or a snapshot) it gathers the threads' nodes into a block inside
// its box; a thread added joins, one taken out is let go where it is; a rename changes only
// the frame's data (people's layout inside stays); archived, the frame goes and its threads
// stay where they are, in no frame. Applying the same event twice changes nothing.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { opsForEvent, opsForSnapshot } from "../hatchery/domain";
import { domainNodeId, type GraphNode, nodesMap, readGraph } from "../hatchery/graph";
import { parseNode } from "../hatchery/node-schemas";
import type { DurableEvent } from "../protocol/events";
import type { Project } from "../protocol/projects";
import { applyInTransaction } from "./canvas-nodes";
import { actor, threadRecord } from "./records";

const thread = (id: string) => threadRecord(id);
const project = (over: Partial<Project> = {}): Project => ({
  id: "prj_1",
  name: "Launch",
  brief: "",
  links: [],
  threadIds: ["t1", "t2"],
  instanceIds: [],
  files: [],
  archived: false,
  createdBy: actor,
  createdAt: 1,
  updatedAt: 1,
  ...over,
});
let seq = 0;
const changed = (p: Project): DurableEvent => ({ seq: ++seq, event: "project.changed", payload: { project: p } });

const FRAME = domainNodeId("project", "prj_1");
const node = (doc: Y.Doc, id: string): GraphNode => readGraph(doc).nodes.find((n) => n.id === id)!;
const inside = (outer: GraphNode, inner: GraphNode) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.w <= outer.x + outer.w &&
  inner.y + inner.h <= outer.y + outer.h;

function canvasWithThreads(ids: string[]): Y.Doc {
  const doc = new Y.Doc();
  applyInTransaction(doc, opsForSnapshot({ threads: ids.map(thread), approvals: [], jobs: [] }));
  return doc;
}

describe("a project's frame on the canvas", () => {
  it("is made from project.changed and gathers its threads inside its box", () => {
    const doc = canvasWithThreads(["t1", "t2", "t3"]);
    applyInTransaction(doc, opsForEvent(changed(project())));
    const frame = node(doc, FRAME);
    expect(frame).toMatchObject({ kind: "project", ref: "prj_1", data: { name: "Launch", threads: 2 } });
    // The app reads it with its kind's schema: a readable node.
    expect(parseNode(FRAME, nodesMap(doc).get(FRAME)!.toJSON())).not.toBeNull();
    for (const t of ["t1", "t2"]) {
      const member = node(doc, domainNodeId("thread", t));
      expect(member.parent).toBe(FRAME);
      expect(inside(frame, member), `${t} inside the frame`).toBe(true);
    }
    const outsider = node(doc, domainNodeId("thread", "t3"));
    expect(outsider.parent).toBeNull();
    expect(inside(frame, outsider)).toBe(false);

    // The same event again: the document does not change.
    const before = JSON.stringify(nodesMap(doc).toJSON());
    applyInTransaction(doc, opsForEvent(changed(project())));
    expect(JSON.stringify(nodesMap(doc).toJSON())).toBe(before);
  });

  it("takes a thread added, lets one taken out go, and keeps people's layout on a rename", () => {
    const doc = canvasWithThreads(["t1", "t2", "t3"]);
    applyInTransaction(doc, opsForEvent(changed(project())));
    // A person moves a member inside the frame; a rename leaves it there.
    const t1 = nodesMap(doc).get(domainNodeId("thread", "t1"))!;
    doc.transact(() => t1.set("x", (t1.get("x") as number) + 5));
    const moved = node(doc, domainNodeId("thread", "t1"));
    applyInTransaction(doc, opsForEvent(changed(project({ name: "Launch 2.4" }))));
    expect(node(doc, FRAME).data.name).toBe("Launch 2.4");
    expect(node(doc, domainNodeId("thread", "t1")).x).toBe(moved.x);

    applyInTransaction(doc, opsForEvent(changed(project({ threadIds: ["t2", "t3"] }))));
    const frame = node(doc, FRAME);
    const [t1After, t2, t3] = ["t1", "t2", "t3"].map((t) => node(doc, domainNodeId("thread", t)));
    expect(t1After!.parent).toBeNull();
    expect(t2!.parent).toBe(FRAME);
    expect(t3!.parent).toBe(FRAME);
    expect(inside(frame, t2!) && inside(frame, t3!)).toBe(true);
    // Let go where it was: no longer in the frame's box, which was gathered again round its threads.
    expect(inside(frame, t1After!)).toBe(false);
  });

  it("goes when the project is archived; its threads stay where they are, in no frame", () => {
    const doc = canvasWithThreads(["t1", "t2"]);
    applyInTransaction(doc, opsForEvent(changed(project())));
    const before = node(doc, domainNodeId("thread", "t1"));
    expect(applyInTransaction(doc, opsForEvent(changed(project({ archived: true }))))).toEqual([FRAME]);
    expect(nodesMap(doc).has(FRAME)).toBe(false);
    const after = node(doc, domainNodeId("thread", "t1"));
    expect(after.parent).toBeNull();
    expect({ x: after.x, y: after.y }).toEqual({ x: before.x, y: before.y });
  });

  it("comes from a snapshot after the threads it holds, and an empty project is an empty frame", () => {
    const doc = new Y.Doc();
    applyInTransaction(
      doc,
      opsForSnapshot({
        threads: [thread("t1")],
        approvals: [],
        jobs: [],
        projects: [project({ threadIds: ["t1"] }), project({ id: "prj_2", name: "Empty", threadIds: [] })],
      }),
    );
    expect(node(doc, domainNodeId("thread", "t1")).parent).toBe(FRAME);
    const empty = node(doc, domainNodeId("project", "prj_2"));
    expect(empty).toMatchObject({ kind: "project", data: { name: "Empty", threads: 0 } });
    // Placed where nothing is: it covers no node.
    expect(inside(empty, node(doc, domainNodeId("thread", "t1")))).toBe(false);
  });
});
