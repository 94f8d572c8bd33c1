import { describe, expect, it } from "vitest";
import type { EventName, EventPayload } from "../../shared/protocol/events";
import type { Project } from "../../shared/protocol/projects";
import type { KnownEvent } from "../src/frames";
import {
  applyEvent,
  applyHello,
  applyPage,
  emptyState,
  RETAINED_FINISHED,
  unreadIn,
  withPresence,
  withViewed,
} from "../src/state";
import {
  applied,
  approval,
  fromSnapshot,
  hello,
  job,
  message,
  noMore,
  person,
  presence,
  snapshot,
  thread,
} from "./fixtures";

describe("applyHello", () => {
  it("builds the state from a snapshot", () => {
    const { state, outcome } = applyHello(
      emptyState,
      hello({
        seq: 7,
        epoch: "e1",
        snapshot: snapshot({
          threads: [thread("t1")],
          approvals: [approval("a1")],
          jobs: [job("j1")],
        }),
        presence: { people: 1, connections: 2, shown: [person("ann", { devices: 2 })], own: 0 },
      }),
    );
    expect(outcome).toBe("snapshot");
    expect(state.lastSeq).toBe(7);
    expect(state.epoch).toBe("e1");
    expect([...state.threads.keys()]).toEqual(["t1"]);
    expect([...state.approvals.keys()]).toEqual(["a1"]);
    expect([...state.jobs.keys()]).toEqual(["j1"]);
    expect([...state.presence.keys()]).toEqual(["ann"]);
    expect(state.online).toEqual({ people: 1, connections: 2, own: 0 });
  });

  it("replaces everything on a reset snapshot", () => {
    const before = fromSnapshot({ threads: [thread("old")] }, 3);
    const { state, outcome } = applyHello(
      before,
      hello({ seq: 900, reset: true, snapshot: snapshot({ threads: [thread("new")] }) }),
    );
    expect(outcome).toBe("snapshot");
    expect([...state.threads.keys()]).toEqual(["new"]);
    expect(state.lastSeq).toBe(900);
  });

  it("keeps state and lastSeq when resuming: the missed events follow", () => {
    const before = fromSnapshot({ threads: [thread("t1")] }, 3);
    const { state, outcome } = applyHello(before, hello({ seq: 6, snapshot: null, resumedFrom: 3 }));
    expect(outcome).toBe("resume");
    expect(state).toBe(before);
    expect(state.lastSeq).toBe(3);
  });

  it("asks for a resync when the epoch changed without a snapshot", () => {
    const before = fromSnapshot({}, 3);
    const { state, outcome } = applyHello(before, hello({ epoch: "other", seq: 6, snapshot: null }));
    expect(outcome).toBe("resync");
    expect(state.lastSeq).toBeNull();
    expect(state.epoch).toBeNull();
  });

  it("asks for a resync when the room is behind us", () => {
    const before = fromSnapshot({}, 10);
    expect(applyHello(before, hello({ seq: 4, snapshot: null })).outcome).toBe("resync");
  });
});

/** `state` after the next durable event, numbered on from its lastSeq as the room numbers them. */
const appliedNext = <E extends EventName>(state: typeof emptyState, event: E, payload: EventPayload<E>) =>
  applied(state, { known: true, event, payload, seq: (state.lastSeq ?? 0) + 1 } as KnownEvent);

describe("applyEvent", () => {
  it("applies durable events in order and tracks lastSeq", () => {
    let state = fromSnapshot({}, 5);
    state = appliedNext(state, "thread.created", { thread: thread("t1") });
    state = appliedNext(state, "thread.renamed", { thread: thread("t1", { title: "Renamed" }) });
    expect(state.lastSeq).toBe(7);
    expect(state.threads.get("t1")?.title).toBe("Renamed");
  });

  it("drops events at or below lastSeq", () => {
    const state = applied(fromSnapshot({}, 5), {
      known: true,
      event: "thread.created",
      payload: { thread: thread("t1") },
      seq: 6,
    });
    expect(
      applyEvent(state, { known: true, event: "thread.created", payload: { thread: thread("t2") }, seq: 6 }),
    ).toEqual({ kind: "duplicate" });
    expect(
      applyEvent(state, { known: true, event: "thread.created", payload: { thread: thread("t2") }, seq: 2 }),
    ).toEqual({ kind: "duplicate" });
  });

  it("reports a gap instead of applying", () => {
    const state = fromSnapshot({}, 5);
    expect(
      applyEvent(state, { known: true, event: "thread.created", payload: { thread: thread("t1") }, seq: 8 }),
    ).toEqual({
      kind: "gap",
      expected: 6,
      received: 8,
    });
  });

  it("advances lastSeq for durable events it does not understand", () => {
    const state = applied(fromSnapshot({}, 5), { known: false, event: "instance.created", payload: {}, seq: 6 });
    expect(state.lastSeq).toBe(6);
    expect(state.threads.size).toBe(0);
  });

  it("leaves lastSeq alone for ephemeral events", () => {
    const state = applied(fromSnapshot({}, 5), {
      known: true,
      event: "presence.summary",
      payload: { people: 1, connections: 1, shown: [person("cat")] },
    });
    expect(state.lastSeq).toBe(5);
    expect(state.presence.has("cat")).toBe(true);
  });

  it("counts messages on their thread and moves its updatedAt, as the room does", () => {
    let state = fromSnapshot({ threads: [thread("t1", { updatedAt: 100 })] }, 1);
    state = appliedNext(state, "message.created", { message: message("m1", "t1", 1, { createdAt: 500 }) });
    expect(state.threads.get("t1")).toMatchObject({ messageCount: 1, lastMessageAt: 500, updatedAt: 500 });
    // A message for a thread we never saw still moves the seq.
    state = appliedNext(state, "message.created", { message: message("m2", "zz", 2) });
    expect(state.lastSeq).toBe(3);
  });

  it("tracks approvals and jobs through their lifecycle", () => {
    let state = fromSnapshot({}, 0);
    state = appliedNext(state, "approval.requested", { approval: approval("a1") });
    state = appliedNext(state, "approval.resolved", {
      approval: approval("a1", { status: "approved", resolvedAt: 20 }),
    });
    state = appliedNext(state, "job.started", { job: job("j1") });
    state = appliedNext(state, "job.cancel_requested", {
      job: job("j1", { status: "cancel_requested" }),
      reason: "stop",
    });
    state = appliedNext(state, "job.finished", { job: job("j1", { status: "cancelled", finishedAt: 30 }) });
    expect(state.approvals.get("a1")?.status).toBe("approved");
    expect(state.jobs.get("j1")?.status).toBe("cancelled");
  });

  it("never mutates the previous state", () => {
    const before = fromSnapshot({ threads: [thread("t1")] }, 1);
    const threads = before.threads;
    const after = applied(before, { known: true, event: "thread.created", payload: { thread: thread("t2") }, seq: 2 });
    expect(before.threads).toBe(threads);
    expect(before.threads.size).toBe(1);
    expect(after.threads.size).toBe(2);
    expect(after.approvals).toBe(before.approvals);
  });

  it("keeps every pending approval but only the most recent resolved ones", () => {
    let state = fromSnapshot({ approvals: [approval("pending-one")] }, 0);
    for (let i = 1; i <= RETAINED_FINISHED + 5; i++) {
      state = applied(state, {
        known: true,
        event: "approval.resolved",
        payload: { approval: approval(`a${i}`, { status: "denied", resolvedAt: i }) },
        seq: i,
      });
    }
    expect(state.approvals.size).toBe(RETAINED_FINISHED + 1);
    expect(state.approvals.has("pending-one")).toBe(true);
    expect(state.approvals.has("a1")).toBe(false);
    expect(state.approvals.has(`a${RETAINED_FINISHED + 5}`)).toBe(true);
  });
});

describe("presence that does not grow (protocol 17)", () => {
  it("a summary replaces the people shown and the counts; the own count is its own event's", () => {
    let state = fromSnapshot({});
    state = applyHello(
      state,
      hello({ seq: 5, snapshot: null, presence: { people: 3, connections: 4, shown: [person("ann")], own: 2 } }),
    ).state;
    expect(state.online).toEqual({ people: 3, connections: 4, own: 2 });
    state = applied(state, {
      known: true,
      event: "presence.summary",
      payload: { people: 40, connections: 90, shown: [person("bob", { status: "busy" }), person("ann")] },
    });
    expect([...state.presence.keys()]).toEqual(["bob", "ann"]);
    expect(state.presence.get("bob")!.status).toBe("busy");
    expect(state.online).toEqual({ people: 40, connections: 90, own: 2 });
    state = applied(state, { known: true, event: "presence.own", payload: { own: 3 } });
    expect(state.online.own).toBe(3);
    // Only the counts moved: the people shown stay.
    state = applied(state, { known: true, event: "presence.summary", payload: { people: 41, connections: 91 } });
    expect([...state.presence.keys()]).toEqual(["bob", "ann"]);
    expect(state.online).toEqual({ people: 41, connections: 91, own: 3 });
  });

  it("a resume's hello carries presence current: nothing is asked for afterwards", () => {
    const before = fromSnapshot({}, 5);
    const { state, outcome } = applyHello(
      before,
      hello({
        seq: 5,
        snapshot: null,
        presence: { people: 2, connections: 2, shown: [person("ann"), person("bob")], own: 1 },
      }),
    );
    expect(outcome).toBe("resume");
    expect([...state.presence.keys()]).toEqual(["ann", "bob"]);
  });

  it("what only clients of 16 get changes nothing here", () => {
    const before = fromSnapshot({}, 5);
    const after = applied(before, {
      known: true,
      event: "presence.diff",
      payload: { upserted: [presence("c3")], left: [] },
    });
    expect(after).toBe(before);
  });
});

describe("a bounded hello and the rest loaded later (protocol 7)", () => {
  const cursor = { at: 10, id: "a10" };
  const bounded = () =>
    fromSnapshot({
      approvals: [approval("a11"), approval("a12")],
      more: { ...noMore, approvals: { left: 3, next: cursor } },
    });

  it("keeps what was left out, merges pages, and ends with nothing left", () => {
    let state = bounded();
    expect(state.more.approvals).toEqual({ left: 3, next: cursor });
    state = applyPage(state, "approvals", [approval("a10"), approval("a9")], { at: 9, id: "a9" });
    expect(state.more.approvals).toEqual({ left: 1, next: { at: 9, id: "a9" } });
    state = applyPage(state, "approvals", [approval("a8")], null);
    expect(state.more.approvals).toEqual({ left: 0, next: null });
    expect([...state.approvals.keys()].sort()).toEqual(["a10", "a11", "a12", "a8", "a9"]);
  });

  it("an event about a left-out item counts it as loaded; a page does not overwrite the newer event", () => {
    let state = bounded();
    const decided = approval("a9", { status: "approved", resolvedAt: 20 });
    state = applied(state, { known: true, event: "approval.resolved", payload: { approval: decided }, seq: 6 });
    expect(state.more.approvals.left).toBe(2);
    // A new request is not one of those left out.
    state = applied(state, {
      known: true,
      event: "approval.requested",
      payload: { approval: approval("a13") },
      seq: 7,
    });
    expect(state.more.approvals.left).toBe(2);
    state = applyPage(state, "approvals", [approval("a10"), approval("a9"), approval("a8")], null);
    expect(state.approvals.get("a9")).toEqual(decided);
    expect(state.more.approvals.left).toBe(0);
  });

  it("a left-out job that progresses or a left-out thread that changes is counted too", () => {
    let state = fromSnapshot({
      more: {
        ...noMore,
        jobs: { left: 2, next: { at: 1, id: "j1" } },
        threads: { left: 1, next: { at: 1, id: "t1" } },
      },
    });
    state = applied(state, { known: true, event: "job.progressed", payload: { job: job("j0") }, seq: 6 });
    state = applied(state, { known: true, event: "job.started", payload: { job: job("j9") }, seq: 7 });
    state = applied(state, { known: true, event: "thread.renamed", payload: { thread: thread("t0") }, seq: 8 });
    expect(state.more.jobs.left).toBe(1);
    expect(state.more.threads.left).toBe(0);
  });
});

describe("projects (protocol 9)", () => {
  const project = (id: string, over: Partial<Project> = {}): Project => ({
    id,
    name: `Project ${id}`,
    brief: "",
    links: [],
    threadIds: [],
    instanceIds: [],
    files: [],
    archived: false,
    createdBy: { id: "u1", kind: "user", name: "Alice" },
    createdAt: 1,
    updatedAt: 1,
    ...over,
  });

  it("come from the hello and follow project.changed; one the hello left out counts as loaded", () => {
    let state = fromSnapshot({
      projects: [project("p1")],
      more: { ...noMore, projects: { left: 1, next: { at: 1, id: "p1" } } },
    });
    expect([...state.projects.keys()]).toEqual(["p1"]);
    const renamed = project("p1", { name: "Launch", threadIds: ["t1"], updatedAt: 2 });
    state = applied(state, { known: true, event: "project.changed", payload: { project: renamed }, seq: 6 });
    expect(state.projects.get("p1")).toEqual(renamed);
    expect(state.more.projects.left).toBe(1);
    // A change to the project the hello left out: it is known now, none is left.
    state = applied(state, { known: true, event: "project.changed", payload: { project: project("p0") }, seq: 7 });
    expect(state.more.projects.left).toBe(0);
    state = applyPage(state, "projects", [project("p0", { name: "older page" })], null);
    expect(state.projects.get("p0")!.name).toBe("Project p0");
  });
});

describe("withPresence", () => {
  it("replaces the people shown and the counts", () => {
    const first = withPresence(fromSnapshot({}), { people: 1, connections: 1, shown: [person("ann")], own: 1 });
    const state = withPresence(first, { people: 1, connections: 2, shown: [person("bob", { devices: 2 })], own: 0 });
    expect([...state.presence.keys()]).toEqual(["bob"]);
    expect(state.online).toEqual({ people: 1, connections: 2, own: 0 });
  });
});

describe("read markers (protocol 10)", () => {
  it("come with every hello, resumes included, and count a thread's unread messages", () => {
    const first = applyHello(
      emptyState,
      hello({ seq: 3, snapshot: snapshot({ threads: [thread("t1", { messageCount: 5 })] }), reads: {} }),
    ).state;
    expect(unreadIn(first, first.threads.get("t1")!)).toBe(5);
    // Another device read three of them while this one was away: the resume's hello says so.
    const resumed = applyHello(first, hello({ seq: 3, snapshot: null, reads: { t1: { n: 40, count: 3 } } }));
    expect(resumed.outcome).toBe("resume");
    expect(unreadIn(resumed.state, resumed.state.threads.get("t1")!)).toBe(2);
    // The same markers again keep the state as it is.
    expect(applyHello(resumed.state, hello({ seq: 3, snapshot: null, reads: { t1: { n: 40, count: 3 } } })).state).toBe(
      resumed.state,
    );
  });

  it("move forward with thread.read and never back", () => {
    let state = applyHello(
      emptyState,
      hello({ seq: 1, snapshot: snapshot({ threads: [thread("t1", { messageCount: 4 })] }), reads: {} }),
    ).state;
    state = applied(state, {
      known: true,
      event: "thread.read",
      payload: { threadId: "t1", read: { n: 9, count: 4 } },
    });
    expect(unreadIn(state, state.threads.get("t1")!)).toBe(0);
    const older = applied(state, {
      known: true,
      event: "thread.read",
      payload: { threadId: "t1", read: { n: 7, count: 3 } },
    });
    expect(older).toBe(state);
  });

  it("count the reader's own message with a thread.read that stays at its message", () => {
    let state = applyHello(
      emptyState,
      hello({
        seq: 1,
        snapshot: snapshot({ threads: [thread("t1", { messageCount: 3 })] }),
        reads: { t1: { n: 9, count: 2 } },
      }),
    ).state;
    // Their own message after one from someone else they have not read: the marker stays, its count grows.
    state = applied(state, {
      known: true,
      event: "message.created",
      payload: { message: message("m4", "t1", 12) },
      seq: 2,
    });
    state = applied(state, {
      known: true,
      event: "thread.read",
      payload: { threadId: "t1", read: { n: 9, count: 3 } },
    });
    expect(unreadIn(state, state.threads.get("t1")!)).toBe(1);
    expect(
      applied(state, { known: true, event: "thread.read", payload: { threadId: "t1", read: { n: 9, count: 2 } } }),
    ).toBe(state);
  });
});

describe("delivery by interest (protocol 18)", () => {
  const stream = (runId: string, threadId: string, text: string) => ({
    runId,
    threadId,
    instanceId: null,
    text,
    startedAt: 1,
  });

  it("a socket that views some threads takes a jump in seqs (the others' messages), still no repeat", () => {
    const state = fromSnapshot({ threads: [thread("t1")] }, 5);
    const event = { known: true, event: "message.created", payload: { message: message("m1", "t1", 9) }, seq: 9 };
    expect(applyEvent(state, event as KnownEvent).kind).toBe("gap");
    const outcome = applyEvent(state, event as KnownEvent, ["t1"]);
    expect(outcome.kind).toBe("applied");
    const after = (outcome as { state: typeof state }).state;
    expect(after.lastSeq).toBe(9);
    expect(applyEvent(after, event as KnownEvent, ["t1"]).kind).toBe("duplicate");
  });

  it("a bump sets a thread's counts and which replies run there, without their text", () => {
    let state = fromSnapshot({ threads: [thread("t1", { messageCount: 1, updatedAt: 50 }), thread("t2")] }, 5);
    state = applied(state, { known: true, event: "chat.delta", payload: { ...stream("r2", "t2", "kept"), offset: 0 } });
    const bump = (streams: { runId: string; instanceId: null; startedAt: number }[]) =>
      applied(state, {
        known: true,
        event: "thread.bump",
        payload: {
          threads: [{ threadId: "t1", messageCount: 4, lastMessageAt: 40, updatedAt: 40, lastN: 12, streams }],
        },
      });
    state = bump([{ runId: "r1", instanceId: null, startedAt: 3 }]);
    expect(state.threads.get("t1")).toMatchObject({ messageCount: 4, lastMessageAt: 40, updatedAt: 50 });
    expect(unreadIn(state, state.threads.get("t1")!)).toBe(4);
    expect(state.streams.get("r1")).toEqual({ runId: "r1", threadId: "t1", instanceId: null, text: "", startedAt: 3 });
    // The same streams again keep the map; none ends the one there, and another thread's stays.
    expect(bump([{ runId: "r1", instanceId: null, startedAt: 3 }]).streams).toBe(state.streams);
    state = bump([]);
    expect([...state.streams.keys()]).toEqual(["r2"]);
    expect(state.streams.get("r2")?.text).toBe("kept");
  });

  it("a bump for a thread the socket views changes nothing there: it has the messages and streams themselves", () => {
    let state = fromSnapshot({ threads: [thread("t1", { messageCount: 2 })] }, 5);
    state = applied(state, { known: true, event: "chat.delta", payload: { ...stream("r1", "t1", "live"), offset: 0 } });
    const bump = {
      known: true,
      event: "thread.bump",
      payload: {
        threads: [{ threadId: "t1", messageCount: 1, lastMessageAt: 1, updatedAt: 1, lastN: 1, streams: [] }],
      },
    } as KnownEvent;
    const outcome = applyEvent(state, bump, ["t1"]);
    expect(outcome).toEqual({ kind: "applied", state });
    const elsewhere = applyEvent(state, bump, ["t2"]) as { state: typeof state };
    expect(elsewhere.state.threads.get("t1")?.messageCount).toBe(1);
    expect(elsewhere.state.streams.size).toBe(0);
  });

  it("viewing threads takes their streams as the room says them, text included", () => {
    let state = fromSnapshot({ threads: [thread("t1"), thread("t2")] }, 5);
    state = applied(state, {
      known: true,
      event: "thread.bump",
      payload: {
        threads: [
          {
            threadId: "t1",
            messageCount: 0,
            lastMessageAt: null,
            updatedAt: 1,
            lastN: null,
            streams: [{ runId: "r1", instanceId: null, startedAt: 1 }],
          },
        ],
      },
    });
    const viewed = withViewed(state, ["t1"], [stream("r1", "t1", "so far")]);
    expect(viewed.streams.get("r1")?.text).toBe("so far");
    expect(withViewed(viewed, ["t1"], []).streams.size).toBe(0);
  });
});
