// A thread's node shows its newest message: from each `message.created`, and from a snapshot,
// which carries each thread's newest message (`lastMessages`), so a canvas made or healed from
// a snapshot shows what was said last, as one that followed the events does.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { opsForEvent, opsForSnapshot, THREAD_PREVIEW_CHARS } from "../hatchery/domain";
import { domainNodeId, nodesMap, readGraph } from "../hatchery/graph";
import { parseNode } from "../hatchery/node-schemas";
import type { Message } from "../protocol/threads";
import { applyInTransaction } from "./canvas-nodes";
import { actor, threadRecord } from "./records";

const message = (threadId: string, text: string, createdAt: number, n: number): Message => ({
  id: `msg_${threadId}_${n}`,
  n,
  threadId,
  author: actor,
  text,
  createdAt,
});

const lastMessageOf = (doc: Y.Doc, threadId: string) => {
  const id = domainNodeId("thread", threadId);
  return readGraph(doc).nodes.find((node) => node.id === id)?.data.lastMessage;
};

describe("a thread node's preview", () => {
  it("comes with a snapshot as it comes with the events, cut to what a node shows", () => {
    const long = "a".repeat(THREAD_PREVIEW_CHARS + 60);
    const fromSnapshot = new Y.Doc();
    applyInTransaction(
      fromSnapshot,
      opsForSnapshot({
        threads: [threadRecord("t1"), threadRecord("t2")],
        approvals: [],
        jobs: [],
        lastMessages: [message("t1", long, 20, 2)],
      }),
    );
    const fromEvents = new Y.Doc();
    applyInTransaction(
      fromEvents,
      opsForSnapshot({ threads: [threadRecord("t1"), threadRecord("t2")], approvals: [], jobs: [] }),
    );
    for (const [seq, m] of [message("t1", "hello", 10, 1), message("t1", long, 20, 2)].entries())
      applyInTransaction(fromEvents, opsForEvent({ seq: seq + 1, event: "message.created", payload: { message: m } }));

    const expected = { author: actor.name, authorKind: actor.kind, text: long.slice(0, THREAD_PREVIEW_CHARS), at: 20 };
    expect(lastMessageOf(fromSnapshot, "t1")).toEqual(expected);
    expect(lastMessageOf(fromEvents, "t1")).toEqual(expected);
    // A thread with nothing said has no preview either way.
    expect(lastMessageOf(fromSnapshot, "t2")).toBeUndefined();
    // The app reads the node with its kind's schema.
    const id = domainNodeId("thread", "t1");
    expect(parseNode(id, nodesMap(fromSnapshot).get(id)!.toJSON())).not.toBeNull();
  });

  it("a snapshot's message for a thread the canvas does not hold makes no node", () => {
    const doc = new Y.Doc();
    applyInTransaction(
      doc,
      opsForSnapshot({ threads: [], approvals: [], jobs: [], lastMessages: [message("t9", "hi", 1, 1)] }),
    );
    expect(readGraph(doc).nodes).toEqual([]);
  });
});
