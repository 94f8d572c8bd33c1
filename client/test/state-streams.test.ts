// The client state's gateway streams and sessions (state.test.ts has the rest of the state).
import { describe, expect, it } from "vitest";
import type { ReceivedEvent } from "../src/frames";
import type { ChatStream, GatewaySession } from "../../shared/protocol/gateway";
import { applyHello, diffStreams, emptyState, threadStreams } from "../src/state";
import { applied, fromSnapshot, hello, instance, message, snapshot, thread } from "./fixtures";

const delta = (runId: string, offset: number, text: string, threadId = "t1"): ReceivedEvent => ({
  known: true,
  event: "chat.delta",
  payload: { threadId, instanceId: "work", runId, offset, text },
});
const stream = (runId: string, text: string, over: Partial<ChatStream> = {}): ChatStream => ({
  threadId: "t1",
  instanceId: "work",
  runId,
  text,
  startedAt: 50,
  ...over,
});
const session = (key: string, over: Partial<GatewaySession> = {}): GatewaySession => ({
  key,
  label: key,
  preview: null,
  status: null,
  running: false,
  updatedAt: null,
  threadId: null,
  ...over,
});

describe("gateway streams and sessions", () => {
  it("starts a stream on offset 0 and appends deltas", () => {
    let state = fromSnapshot({ threads: [thread("t1")] }, 1);
    state = applied(state, delta("run1", 0, ""));
    expect(state.streams.get("run1")).toMatchObject({ threadId: "t1", instanceId: "work", runId: "run1", text: "" });
    state = applied(state, delta("run1", 0, "Hel"));
    state = applied(state, delta("run1", 3, "lo"));
    expect(state.streams.get("run1")?.text).toBe("Hello");
    expect(state.lastSeq).toBe(1);
    expect(threadStreams(state, "t1").map((s) => s.runId)).toEqual(["run1"]);
    expect(threadStreams(state, "t2")).toEqual([]);
  });

  it("replaces the text from an offset inside it", () => {
    let state = applied(fromSnapshot({}, 1), delta("run1", 0, "Hello wrld"));
    state = applied(state, delta("run1", 6, "world!"));
    expect(state.streams.get("run1")?.text).toBe("Hello world!");
    state = applied(state, delta("run1", 0, "Bye"));
    expect(state.streams.get("run1")?.text).toBe("Bye");
  });

  it("ignores a delta beyond the text it has (a gap) and keeps what it has", () => {
    const before = applied(fromSnapshot({}, 1), delta("run1", 0, "Hi"));
    const after = applied(before, delta("run1", 10, "later"));
    expect(after).toBe(before);
    expect(after.streams.get("run1")?.text).toBe("Hi");
    // A run first heard of mid-way is not invented either.
    expect(applied(before, delta("run2", 4, "tail")).streams.has("run2")).toBe(false);
  });

  it("ends the stream when the durable reply with the same runId arrives", () => {
    let state = fromSnapshot({ threads: [thread("t1")] }, 1);
    state = applied(state, delta("run1", 0, "partial"));
    state = applied(state, delta("run2", 0, "other"));
    const reply = message("m1", "t1", 1, {
      author: { id: "instance:work", kind: "agent", name: "work" },
      text: "partial and final",
      runId: "run1",
    });
    const after = applied(state, { known: true, event: "message.created", payload: { message: reply }, seq: 2 });
    expect([...after.streams.keys()]).toEqual(["run2"]);
    expect(after.threads.get("t1")?.messageCount).toBe(1);
    expect(diffStreams(state, after, reply)).toEqual([
      { kind: "ended", stream: state.streams.get("run1"), message: reply },
    ]);
    // Even for a thread this client never saw.
    const orphan = applied(after, {
      known: true,
      event: "message.created",
      payload: { message: message("m2", "zz", 1, { runId: "run2" }) },
      seq: 3,
    });
    expect(orphan.streams.size).toBe(0);
  });

  it("ends the stream on chat.final", () => {
    const state = applied(fromSnapshot({}, 1), delta("run1", 0, "x"));
    expect(
      applied(state, {
        known: true,
        event: "chat.final",
        payload: { threadId: "t1", runId: "run1", messageId: null, aborted: false },
      }).streams.size,
    ).toBe(0);
  });

  it("replaces an instance's sessions and forgets them with the instance", () => {
    let state = fromSnapshot({}, 1);
    state = applied(state, {
      known: true,
      event: "sessions.changed",
      payload: { instanceId: "work", sessions: [session("a"), session("b")] },
    });
    state = applied(state, {
      known: true,
      event: "sessions.changed",
      payload: { instanceId: "home", sessions: [session("c")] },
    });
    state = applied(state, {
      known: true,
      event: "sessions.changed",
      payload: { instanceId: "work", sessions: [session("b", { running: true })] },
    });
    expect(state.sessions.get("work")).toEqual([session("b", { running: true })]);
    expect(state.sessions.get("home")?.map((s) => s.key)).toEqual(["c"]);
    state = applied(state, { known: true, event: "instance.deleted", payload: { instanceId: "home" }, seq: 2 });
    expect([...state.sessions.keys()]).toEqual(["work"]);
    // What a delete sends: the instance, stopped. Its sessions are gone with it; the instance stays known.
    const stopped = { ...instance("work"), status: "stopped" as const, phase: "stopped", progress: 0, threadIds: [] };
    state = applied(state, { known: true, event: "instance.updated", payload: { instance: stopped }, seq: 3 });
    expect(state.sessions.size).toBe(0);
    expect(state.instances.get("work")?.status).toBe("stopped");
  });

  it("replaces streams and sessions with hello.live, on resume too", () => {
    let state = fromSnapshot({}, 3);
    state = applied(state, delta("old", 0, "stale"));
    state = applied(state, {
      known: true,
      event: "sessions.changed",
      payload: { instanceId: "gone", sessions: [session("x")] },
    });
    const live = {
      streams: [stream("run9", "so far")],
      sessions: [{ instanceId: "work", sessions: [session("main", { running: true })] }],
    };
    const resumed = applyHello(state, hello({ seq: 6, snapshot: null, resumedFrom: 3, live }));
    expect(resumed.outcome).toBe("resume");
    expect([...resumed.state.streams.values()]).toEqual([stream("run9", "so far")]);
    expect([...resumed.state.sessions.keys()]).toEqual(["work"]);
    // Deltas continue from the text the hello carried.
    expect(applied(resumed.state, delta("run9", 6, "!")).streams.get("run9")?.text).toBe("so far!");
    const fresh = applyHello(emptyState, hello({ seq: 1, snapshot: snapshot(), live }));
    expect(fresh.state.streams.get("run9")?.text).toBe("so far");
    expect(fresh.state.sessions.get("work")?.[0]?.key).toBe("main");
  });

  it("leaves out a task step's stream with no text yet (tool.steps: a step that only calls tools never ends one)", () => {
    const step = stream("task_0a1b2c.3", "", { instanceId: null });
    const reply = stream("run7", "", { instanceId: null });
    const live = { streams: [step, reply, stream("task_0a1b2c.2", "Done", { instanceId: null })], sessions: [] };
    const greeted = applyHello(emptyState, hello({ seq: 1, snapshot: snapshot(), live })).state;
    expect([...greeted.streams.keys()].sort()).toEqual(["run7", "task_0a1b2c.2"]);
    // Its first text opens it.
    const opened = applied(greeted, delta("task_0a1b2c.3", 0, "Looking"));
    expect(opened.streams.get("task_0a1b2c.3")?.text).toBe("Looking");
  });

  it("drops streams on a hello without live (nothing would end them) and keeps identity when nothing changes", () => {
    const before = fromSnapshot({}, 3);
    expect(applyHello(before, hello({ seq: 3, snapshot: null })).state).toBe(before);
    expect(applyHello(before, hello({ seq: 3, snapshot: null, live: { streams: [], sessions: [] } })).state).toBe(
      before,
    );
    const streaming = applied(before, delta("run1", 0, "x"));
    expect(applyHello(streaming, hello({ seq: 3, snapshot: null })).state.streams.size).toBe(0);
  });

  it("reports started, updated and ended streams", () => {
    const a = fromSnapshot({}, 1);
    const b = applied(a, delta("run1", 0, ""));
    const c = applied(b, delta("run1", 0, "Hi"));
    expect(diffStreams(a, b)).toEqual([{ kind: "started", stream: b.streams.get("run1") }]);
    expect(diffStreams(b, c)).toEqual([{ kind: "updated", stream: c.streams.get("run1") }]);
    expect(diffStreams(c, c)).toEqual([]);
    expect(diffStreams(c, a)).toEqual([{ kind: "ended", stream: c.streams.get("run1") }]);
  });

  it("applies thread.updated (a thread bound to a gateway session)", () => {
    const state = applied(fromSnapshot({ threads: [thread("t1")] }, 1), {
      known: true,
      event: "thread.updated",
      payload: { thread: thread("t1", { gateway: { instanceId: "work", sessionKey: "agent:main:x" } }) },
      seq: 2,
    });
    expect(state.threads.get("t1")?.gateway).toEqual({ instanceId: "work", sessionKey: "agent:main:x" });
  });
});
