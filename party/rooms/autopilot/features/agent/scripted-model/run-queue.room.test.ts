import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ThreadWaiting } from "../../../../../../shared/protocol/agent";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { Message, Thread } from "../../../../../../shared/protocol/threads";
import { addMember, createKey, idem, RawSocket, signUp } from "../../../../../test/harness";
import {
  agentRoom,
  approvalEvent,
  autopilotMessages,
  autopilotSays,
  requestMark,
  requestsFor,
  say,
} from "./test/harness";

// A run waiting for an approval holds its thread: what is posted meanwhile is queued behind
// it, the thread says so (`waiting`), and anyone who may write can let the run go ahead
// without the approval.

/** The thread as the room last announced it, once `pick` accepts it. */
const threadWhen = (sock: RawSocket, threadId: string, pick: (t: Thread) => boolean) =>
  sock
    .waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        String(f.event).startsWith("thread.") &&
        // thread.read (the reader's own marker, moved by their own message too) carries no thread.
        (f.payload as { thread?: Thread }).thread?.id === threadId &&
        pick((f.payload as { thread: Thread }).thread),
      20_000,
    )
    .then((f) => (f.payload as { thread: Thread }).thread);

const roomStub = (workspaceId: string) => {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
  return rooms.get(rooms.idFromName(workspaceId));
};

const runOf = (approval: Approval) => (approval.action as { runId: string }).runId;

/** A thread whose run waits on an archive approval, with one follow-up queued behind it. */
async function pausedWithFollowUp(marker: string) {
  const room = await agentRoom();
  const { sock, thread } = room;
  const { thread: target } = await sock.ok("threads.create", { title: `Keep ${marker}`, idempotencyKey: idem() });
  const { message: trigger } = await say(
    sock,
    thread.id,
    `${marker} STEPS: threads_archive {"threadId":"${target.id}"}`,
  );
  const pending = await approvalEvent(sock, "pending");
  const { message: followUp } = await say(sock, thread.id, `SAY: ${marker} follow-up answered`);
  const shown = await threadWhen(sock, thread.id, (t) => t.waiting?.queuedThroughN === followUp.n);
  return { ...room, target, trigger, pending, followUp, shown };
}

const expectedWaiting = (pending: Approval, trigger: Message, followUp: Message): ThreadWaiting => ({
  runId: runOf(pending),
  approvals: [{ id: pending.id, title: pending.title }],
  afterN: trigger.n,
  queuedThroughN: followUp.n,
});

/** The Autopilot's messages in the thread, by their text, in the order they were posted. */
const texts = (sock: RawSocket, threadId: string) =>
  autopilotMessages(sock, threadId).map((m) => (m.tool ? `tool ${m.tool.name} ${m.tool.status}` : m.text));

/**
 * The thread after its run went on: the gated archive's outcome, the model seeing the tool's
 * result, then the follow-up answered; and the thread waits for nothing any more.
 */
async function expectFollowedUp(sock: RawSocket, threadId: string, outcome: string, answer: string) {
  expect(texts(sock, threadId)).toEqual([
    `tool threads_archive ${outcome}`,
    expect.stringMatching(/^TOOL RESULT SEEN/),
    answer,
  ]);
  expect((await sock.ok("threads.list", {})).threads.find((t) => t.id === threadId)?.waiting).toBeUndefined();
}

describe("a run waiting for an approval does not hold its thread hostage", () => {
  it("a follow-up is shown queued behind the approval, and is answered after the decision", async () => {
    const { sock, thread, trigger, pending, followUp, shown } = await pausedWithFollowUp("QUEUECASE");
    expect(shown.waiting).toEqual(expectedWaiting(pending, trigger, followUp));
    // Agents read it through the protocol too.
    const listed = (await sock.ok("threads.list", {})).threads.find((t) => t.id === thread.id);
    expect(listed?.waiting).toEqual(expectedWaiting(pending, trigger, followUp));

    await sock.ok("approvals.resolve", {
      approvalId: pending.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    await threadWhen(sock, thread.id, (t) => t.waiting === undefined);
    await autopilotSays(sock, thread.id, (m) => m.text === "QUEUECASE follow-up answered");
    await expectFollowedUp(sock, thread.id, "ok", "QUEUECASE follow-up answered");
    sock.close();
  });

  it("going ahead without it withdraws the approval, the tool never runs, the run ends, then the follow-up is answered", async () => {
    const mark = await requestMark();
    const { owner, sock, thread, target, pending } = await pausedWithFollowUp("GOAHEADCASE");
    // Someone who may write but did not ask goes ahead: an agent key with write only.
    const key = await createKey(owner, owner.workspaceId, ["read", "write"], "ci");
    const agent = await RawSocket.open(owner.workspaceId, { key: key.key });
    const { principal } = await agent.hello();
    const went = await agent.ok("chat.goAhead", { runId: runOf(pending), idempotencyKey: idem() });
    const note = `${principal.name} went ahead without it`;
    expect(went).toEqual({
      runId: runOf(pending),
      withdrawn: [expect.objectContaining({ id: pending.id, status: "expired", note, resolvedBy: null })],
    });
    expect((await sock.ok("approvals.get", { approvalId: pending.id })).approval).toMatchObject({
      status: "expired",
      note,
    });

    const tool = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "threads_archive");
    expect(tool.tool).toMatchObject({ status: "expired", approvalId: pending.id, result: `expired: ${note}` });
    await autopilotSays(sock, thread.id, (m) => m.text === "GOAHEADCASE follow-up answered");
    expect(texts(sock, thread.id)).toEqual([
      "tool threads_archive expired",
      expect.stringMatching(/^TOOL RESULT SEEN/),
      "GOAHEADCASE follow-up answered",
    ]);
    expect(sock.events("thread.archived")).toHaveLength(0);
    expect((await sock.ok("threads.list", {})).threads.find((t) => t.id === target.id)?.archived).toBe(false);
    expect(
      await sock.call("approvals.resolve", { approvalId: pending.id, decision: "approve", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "already_resolved" } });
    const { entries } = await sock.ok("audit.list", {});
    expect(entries.find((e) => e.action === "run.went_ahead")).toMatchObject({
      targetId: runOf(pending),
      details: { threadId: thread.id, withdrawn: [pending.id] },
    });
    // The model is never offered the method: it could skip approvals that way.
    const requests = await requestsFor(mark, "GOAHEADCASE STEPS");
    // The resumed run's model is told why the call did not run.
    expect(requests.filter((r) => r.messages?.at(-1)?.role === "tool").map((r) => JSON.stringify(r.messages))).toEqual([
      expect.stringContaining(`expired: ${note}`),
    ]);
    const offered = requests.flatMap((r) => (r.tools ?? []).map((t) => t.function.name));
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.filter((name) => /goahead/i.test(name))).toEqual([]);
    for (const s of [sock, agent]) s.close();
  });

  it("a run waiting on two calls shows both, and going ahead withdraws both: neither runs", async () => {
    const { sock, thread } = await agentRoom();
    const targets = await Promise.all(
      ["One", "Two"].map((title) => sock.ok("threads.create", { title, idempotencyKey: idem() }).then((r) => r.thread)),
    );
    await say(sock, thread.id, `TOOLS: ${targets.map((t) => `threads_archive {"threadId":"${t.id}"}`).join(" | ")}`);
    const shown = await threadWhen(sock, thread.id, (t) => t.waiting?.approvals.length === 2);
    expect(shown.waiting?.queuedThroughN).toBeNull();
    const went = await sock.ok("chat.goAhead", { runId: shown.waiting!.runId, idempotencyKey: idem() });
    expect(went.withdrawn.map((a) => a.id).sort()).toEqual(shown.waiting!.approvals.map((a) => a.id).sort());
    expect(went.withdrawn.map((a) => a.status)).toEqual(["expired", "expired"]);
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));
    expect(texts(sock, thread.id).filter((t) => t.startsWith("tool "))).toEqual([
      "tool threads_archive expired",
      "tool threads_archive expired",
    ]);
    expect(sock.events("thread.archived")).toHaveLength(0);
    sock.close();
  });

  it("the queued state is there after a restart, and going ahead afterwards still answers the follow-up", async () => {
    const { owner, sock, thread, trigger, pending, followUp } = await pausedWithFollowUp("RESTARTCASE");
    // As a room that ran before threads had `waiting` would have stored it: the restart recomputes it from the runs.
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => {
      state.storage.sql.exec(`update threads set doc = json_remove(doc, '$.waiting') where id = ?`, thread.id);
    });
    // A crash or deploy, not a graceful eviction.
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => state.abort("restart")).catch(() => {});
    sock.close();
    const watcher = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    const hello = await watcher.hello();
    expect(hello.snapshot?.threads.find((t) => t.id === thread.id)?.waiting).toEqual(
      expectedWaiting(pending, trigger, followUp),
    );
    await watcher.ok("chat.goAhead", { runId: runOf(pending), idempotencyKey: idem() });
    await autopilotSays(watcher, thread.id, (m) => m.text === "RESTARTCASE follow-up answered", 30_000);
    await expectFollowedUp(watcher, thread.id, "expired", "RESTARTCASE follow-up answered");
    watcher.close();
  });
});

describe("chat.goAhead refuses what it cannot do, with typed errors", () => {
  it("an unknown run, a run not waiting, a caller without write, and malformed params", async () => {
    const { owner, sock, thread } = await agentRoom();
    expect(await sock.call("chat.goAhead", { runId: "run_nosuchrun", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "not_found", details: { runId: "run_nosuchrun" } },
    });
    expect(await sock.call("chat.goAhead", { idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });

    await say(sock, thread.id, "SAY: done at once");
    const reply = await autopilotSays(sock, thread.id, (m) => m.text === "done at once");
    const finished = reply.runId!.split(".")[0]!;
    expect(await sock.call("chat.goAhead", { runId: finished, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "conflict", details: { runId: finished, status: "finished" } },
    });

    const { thread: target } = await sock.ok("threads.create", {
      title: "Viewers cannot skip",
      idempotencyKey: idem(),
    });
    await say(sock, thread.id, `STEPS: threads_archive {"threadId":"${target.id}"}`);
    const pending = await approvalEvent(sock, "pending");
    const viewer = await signUp();
    await addMember(owner, owner.workspaceId, viewer, "viewer");
    const reader = await RawSocket.open(owner.workspaceId, { cookie: viewer.cookie });
    await reader.hello();
    expect(await reader.call("chat.goAhead", { runId: runOf(pending), idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect((await sock.ok("approvals.get", { approvalId: pending.id })).approval.status).toBe("pending");

    // Once it went ahead, the run no longer waits: a second call is refused, not repeated.
    await sock.ok("chat.goAhead", { runId: runOf(pending), idempotencyKey: idem() });
    const again = await sock.call("chat.goAhead", { runId: runOf(pending), idempotencyKey: idem() });
    expect(again).toMatchObject({ ok: false, error: { code: "conflict", details: { runId: runOf(pending) } } });
    for (const s of [sock, reader]) s.close();
  });
});
