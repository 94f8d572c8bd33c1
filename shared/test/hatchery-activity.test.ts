import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { ACTIVITY_PER_SUBJECT, type Activity, type ActivityEntry, foldActivity } from "../hatchery/activity";
import { applyDomainOps, opsForEvent, opsForSnapshot, removeFoldedNodes } from "../hatchery/domain";
import { edgesMap, type NodeKind, readGraph, writeNode } from "../hatchery/graph";
import { DOMAIN_DATA } from "../hatchery/node-schemas";
import type { Approval } from "../protocol/approvals";
import type { DurableEvent } from "../protocol/events";
import type { Instance } from "../protocol/instances";
import type { Job } from "../protocol/jobs";
import type { Message, Thread } from "../protocol/threads";

const ada = { id: "u_ada", kind: "user" as const, name: "Ada" };
const autopilot = { id: "autopilot", kind: "agent" as const, name: "Autopilot" };

const thread = (id: string): Thread =>
  ({ id, title: `Thread ${id}`, archived: false, messageCount: 0, lastMessageAt: null }) as unknown as Thread;
const approval = (over: Partial<Approval> = {}): Approval => ({
  id: "apr_1",
  title: "Deploy 1.4",
  summary: "Version 1.4 goes to production.",
  details: "",
  risk: "high",
  status: "pending",
  threadId: "t1",
  requestedBy: autopilot,
  onBehalfOf: ada,
  selfConfirmed: false,
  requestedAt: 1000,
  expiresAt: null,
  resolvedBy: null,
  resolvedAt: null,
  note: null,
  action: null,
  ...over,
});
const job = (over: Partial<Job> = {}): Job => ({
  id: "job_1",
  title: "Index",
  status: "running",
  progress: 45,
  message: "parsing",
  threadId: "t1",
  owner: autopilot,
  startedAt: 1000,
  updatedAt: 1100,
  finishedAt: null,
  cancelRequestedBy: null,
  error: null,
  ...over,
});
const toolMessage = (threadId: string, runId: string, at: number): Message =>
  ({
    id: `m-${runId}`,
    n: at,
    threadId,
    author: autopilot,
    text: "threads_rename → ok",
    createdAt: at,
    kind: "tool",
    tool: {
      callId: "call_0",
      name: "threads_rename",
      arguments: "{}",
      result: "{}",
      status: "ok",
      durationMs: 2400,
      approvalId: null,
      runId,
    },
  }) as Message;

const event = (name: string, payload: unknown, seq = 1) => ({ seq, event: name, payload }) as unknown as DurableEvent;

const events = (): DurableEvent[] => [
  event("thread.created", { thread: thread("t1") }),
  event("message.created", { message: toolMessage("t1", "run1", 1050) }),
  event("approval.requested", { approval: approval() }),
  event("job.started", { job: job({ progress: 0, updatedAt: 1000 }) }),
  event("job.progressed", { job: job() }),
  event("approval.resolved", { approval: approval({ status: "approved", resolvedBy: ada, resolvedAt: 1200 }) }),
];

function apply(doc: Y.Doc, list: DurableEvent[]) {
  doc.transact(() => applyDomainOps(doc, list.flatMap(opsForEvent)));
}

const activityOf = (doc: Y.Doc, id: string) =>
  readGraph(doc).nodes.find((n) => n.id === id)?.data.activity as Activity | undefined;

describe("activity folds into its subject", () => {
  it("tool calls, approvals and jobs become entries of their thread's activity, never nodes or edges", () => {
    const doc = new Y.Doc();
    apply(doc, events());
    const { nodes, edges } = readGraph(doc);
    expect(nodes.map((n) => n.id)).toEqual(["thread:t1"]);
    expect(edges).toEqual([]);
    const activity = activityOf(doc, "thread:t1")!;
    expect(activity.entries.map((e) => [e.ref, e.status])).toEqual([
      ["approval:apr_1", "approved"],
      ["job:job_1", "running"],
      ["tool:run1/call_0", "ok"],
    ]);
    expect(activity.entries[0]).toMatchObject({
      kind: "approval",
      title: "Deploy 1.4",
      detail: "approved by Ada",
      at: 1200,
    });
    // Pending, it says what happens once approved; a summary that repeats the title is left out.
    const pending = (over: Partial<Approval>) =>
      opsForEvent(event("approval.requested", { approval: approval(over) }))[0];
    expect(pending({})).toMatchObject({ entry: { status: "pending", detail: "Version 1.4 goes to production." } });
    expect(pending({ summary: "Deploy 1.4" })).toMatchObject({ entry: { detail: null } });
    expect(activity.entries[1]).toMatchObject({ kind: "job", progress: 45, detail: "parsing" });
    expect(activity.entries[2]).toMatchObject({ kind: "tool", title: "Rename a thread", detail: "2.4 s" });
    expect(activity).toMatchObject({
      more: false,
      counts: { tool: 1, approval: 1, job: 1 },
      attention: { approvals: 0, running: 1, failed: 0 },
    });
    // What the server writes is what the app parses.
    expect(DOMAIN_DATA.thread.safeParse(nodes[0]!.data).success).toBe(true);
  });

  it("applying the same events, or a snapshot of the same state, twice leaves the document as it was", () => {
    const doc = new Y.Doc();
    apply(doc, events());
    const once = Y.encodeStateVector(doc);
    const graph = JSON.stringify(readGraph(doc));
    apply(doc, events());
    expect(Y.encodeStateVector(doc)).toEqual(once);
    const snapshot = opsForSnapshot({
      threads: [thread("t1")],
      approvals: [approval({ status: "approved", resolvedBy: ada, resolvedAt: 1200 })],
      jobs: [job()],
      toolMessages: [toolMessage("t1", "run1", 1050)],
    });
    doc.transact(() => applyDomainOps(doc, snapshot));
    doc.transact(() => applyDomainOps(doc, snapshot));
    expect(Y.encodeStateVector(doc)).toEqual(once);
    expect(JSON.stringify(readGraph(doc))).toBe(graph);
  });

  it("an older report of an item never replaces a newer one", () => {
    const doc = new Y.Doc();
    apply(doc, [
      event("thread.created", { thread: thread("t1") }),
      event("job.finished", { job: job({ status: "succeeded", progress: 100, updatedAt: 2000 }) }),
    ]);
    apply(doc, [event("job.progressed", { job: job({ updatedAt: 1500 }) })]);
    expect(activityOf(doc, "thread:t1")!.entries[0]).toMatchObject({ status: "succeeded", progress: 100 });
  });

  it("keeps at most ACTIVITY_PER_SUBJECT entries, dropping settled ones before what still wants a person, and says more went", () => {
    const doc = new Y.Doc();
    const list = [
      event("thread.created", { thread: thread("t1") }),
      event("approval.requested", { approval: approval({ requestedAt: 1 }) }),
    ];
    for (let i = 0; i < ACTIVITY_PER_SUBJECT + 10; i++)
      list.push(
        event("job.finished", {
          job: job({ id: `job_${i}`, status: i === 0 ? "failed" : "succeeded", updatedAt: 100 + i }),
        }),
      );
    apply(doc, list);
    const activity = activityOf(doc, "thread:t1")!;
    expect(activity.entries).toHaveLength(ACTIVITY_PER_SUBJECT);
    expect(activity.more).toBe(true);
    // The pending approval is the oldest entry and stays; the oldest settled jobs went (the failed one with them).
    expect(activity.entries.at(-1)!.ref).toBe("approval:apr_1");
    expect(activity.entries[0]!.ref).toBe(`job:job_${ACTIVITY_PER_SUBJECT + 9}`);
    expect(activity.attention).toEqual({ approvals: 1, running: 0, failed: 0 });
    expect(activity.counts).toEqual({ tool: 0, approval: 1, job: ACTIVITY_PER_SUBJECT - 1 });
    expect(DOMAIN_DATA.thread.safeParse(readGraph(doc).nodes[0]!.data).success).toBe(true);
    // Bounded whatever comes: the schema refuses one entry too many.
    const over = foldActivity(
      { entries: activity.entries, more: true },
      activity.entries[0]!,
      ACTIVITY_PER_SUBJECT + 1,
    );
    const extra: ActivityEntry = { ...activity.entries[0]!, ref: "job:extra", at: 1 };
    expect(
      DOMAIN_DATA.thread.safeParse({ activity: foldActivity(over, extra, ACTIVITY_PER_SUBJECT + 1) }).success,
    ).toBe(false);
  });

  it("an approval outside any thread folds into the instance it concerns, even when the instance comes later in the batch; without a subject on the canvas it is dropped", () => {
    const doc = new Y.Doc();
    const instance = {
      id: "lab",
      name: "Lab",
      status: "running",
      phase: "running",
      progress: 100,
      error: null,
      threadIds: [],
    } as unknown as Instance;
    const backup = approval({
      id: "apr_2",
      threadId: null,
      action: { kind: "instance", operation: "backup", instanceId: "lab" },
    });
    const orphan = approval({ id: "apr_3", threadId: null });
    doc.transact(() =>
      applyDomainOps(doc, [
        ...opsForEvent(event("approval.requested", { approval: backup })),
        ...opsForEvent(event("approval.requested", { approval: orphan })),
        ...opsForEvent(event("instance.updated", { instance })),
      ]),
    );
    expect(readGraph(doc).nodes.map((n) => n.id)).toEqual(["instance:lab"]);
    expect(activityOf(doc, "instance:lab")!.entries.map((e) => e.ref)).toEqual(["approval:apr_2"]);
    // An instance update keeps the activity beside its own fields.
    apply(doc, [event("instance.updated", { instance: { ...instance, phase: "backing up" } })]);
    expect(activityOf(doc, "instance:lab")!.attention.approvals).toBe(1);
  });

  it("a document written the old way loses its tool, job and approval nodes and their edges; everything else stays", () => {
    const doc = new Y.Doc();
    const box = { x: 0, y: 0, w: 200, h: 80, placed: "auto" as const, parent: null };
    doc.transact(() => {
      writeNode(doc, { id: "thread:t1", kind: "thread", ref: "t1", ...box, data: { title: "T" } });
      writeNode(doc, { id: "note:n1", kind: "note", ref: null, ...box, data: { text: "mine" } });
      for (const kind of ["approval", "job", "tool"]) {
        writeNode(doc, { id: `${kind}:x`, kind: kind as string as NodeKind, ref: "x", ...box, data: {} });
        edgesMap(doc).set(`${kind}:x->thread:t1`, {
          id: `${kind}:x->thread:t1`,
          source: `${kind}:x`,
          target: "thread:t1",
          kind: "domain",
        });
      }
      edgesMap(doc).set("note:n1->thread:t1", {
        id: "note:n1->thread:t1",
        source: "note:n1",
        target: "thread:t1",
        kind: "person",
      });
    });
    let removed: string[] = [];
    doc.transact(() => {
      removed = removeFoldedNodes(doc);
    });
    expect(removed.sort()).toEqual(["approval:x", "job:x", "tool:x"]);
    const { nodes, edges } = readGraph(doc);
    expect(nodes.map((n) => n.id).sort()).toEqual(["note:n1", "thread:t1"]);
    expect(edges.map((e) => e.id)).toEqual(["note:n1->thread:t1"]);
    expect(removeFoldedNodes(doc)).toEqual([]);
  });
});

describe("a thread's preview", () => {
  it("is the newest message's text, or what a message of files alone carries", () => {
    const base = {
      id: "m1",
      n: 1,
      threadId: "t1",
      author: { id: "u1", kind: "user" as const, name: "Ada" },
      createdAt: 1000,
    };
    const preview = (message: Message) => {
      const patch = opsForEvent({
        type: "event",
        event: "message.created",
        payload: { message },
        seq: 1,
      } as DurableEvent).find((op) => op.op === "patch");
      return (patch?.op === "patch" ? (patch.data.lastMessage as { text: string }) : null)?.text;
    };
    expect(preview({ ...base, text: "Ship it" })).toBe("Ship it");
    expect(
      preview({
        ...base,
        text: "",
        attachments: [
          { id: "f1", name: "plan.pdf", type: "application/pdf", size: 10 },
          { id: "f2", name: "x.png", type: "image/png", size: 4 },
        ],
      }),
    ).toBe("📎 plan.pdf 📎 x.png");
  });
});
