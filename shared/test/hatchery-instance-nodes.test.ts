import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { opsForEvent, opsForSnapshot } from "../hatchery/domain";
import { domainNodeId, edgeId, edgesMap, readGraph } from "../hatchery/graph";
import type { DurableEvent } from "../protocol/events";
import type { Instance } from "../protocol/instances";
import { applyInTransaction } from "./canvas-nodes";
import { readyInstance, threadRecord } from "./records";

const instance = (over: Partial<Instance> = {}): Instance =>
  readyInstance("lab", { name: "Lab", threadIds: ["thr_1"], ...over });
const thread = threadRecord("thr_1", { title: "Chat", responder: { kind: "openclaw", reply: "every", agents: false } });
let seq = 0;
const updated = (i: Instance): DurableEvent => ({ seq: ++seq, event: "instance.updated", payload: { instance: i } });

describe("instances on the canvas", () => {
  it("a deleted instance leaves the canvas with its edges; provisioned again under the same id, it comes back", () => {
    const doc = new Y.Doc();
    const node = domainNodeId("instance", "lab");
    applyInTransaction(doc, opsForSnapshot({ threads: [thread], approvals: [], jobs: [], instances: [instance()] }));
    applyInTransaction(doc, opsForEvent(updated(instance())));
    expect(readGraph(doc).nodes.map((n) => n.id)).toContain(node);
    expect(edgesMap(doc).has(edgeId(domainNodeId("thread", "thr_1"), node))).toBe(true);

    // "stopped" is what the room keeps of a deleted instance, not a state to show.
    expect(
      applyInTransaction(
        doc,
        opsForEvent(updated(instance({ status: "stopped", phase: "stopped", progress: 0, threadIds: [] }))),
      ),
    ).toEqual([node]);
    expect(readGraph(doc).nodes.map((n) => n.id)).toEqual([domainNodeId("thread", "thr_1")]);
    expect(edgesMap(doc).size).toBe(0);

    applyInTransaction(
      doc,
      opsForEvent(updated(instance({ status: "provisioning", phase: "queued", progress: 0, threadIds: [] }))),
    );
    expect(readGraph(doc).nodes.find((n) => n.id === node)?.data).toMatchObject({ status: "provisioning" });
  });

  it("a snapshot shows no deleted instance, and takes one off a canvas that still has it", () => {
    const doc = new Y.Doc();
    applyInTransaction(doc, opsForEvent(updated(instance({ threadIds: [] }))));
    expect(readGraph(doc).nodes).toHaveLength(1);
    applyInTransaction(
      doc,
      opsForSnapshot({
        threads: [],
        approvals: [],
        jobs: [],
        instances: [instance({ status: "stopped", threadIds: [] })],
      }),
    );
    expect(readGraph(doc).nodes).toHaveLength(0);
  });
});
