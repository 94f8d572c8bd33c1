// instances.startChat (protocol 7): one approval from a first message to a running chat.
// The room's path over real sockets (no runtime here, so an approved start fails the way a
// failed provision does), and the ready path through the domain functions on the room's
// own SQLite: the attach on ready and the first message queued exactly once.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Instance } from "../../../../../shared/protocol/instances";
import type { Message, Thread } from "../../../../../shared/protocol/threads";
import { settleApproval, getApproval } from "../approvals/approvals";
import { advanceChatStarts, hasOpenChatStarts } from "./chat-starts-store";
import { createOpContext } from "../../kernel/commit";
import { queuedFor } from "../instance-store/gateway-outbox";
import { getInstance, putInstance } from "../instance-store/instances";
import { sqlFromStorage } from "../../../../domain/sql";
import { getThread } from "../threads/threads";
import type { Autopilot } from "../../room";
import { decisionOn, idem, openTeam, type RawSocket } from "../../../../test/harness";

const testEnv = env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> };
const autopilot = (ws: string) => testEnv.Autopilot.get(testEnv.Autopilot.idFromName(ws));

type ThreadFrame = { payload: { thread: Thread } };
type MessageFrame = { payload: { message: Message } };

/** Olga (owner) asks; Pavel (member) decides; an agent key can ask but never decide. */
async function team() {
  const { ws, ownerSocket: a, secondSocket: b, agentSocket: g } = await openTeam("member");
  return { ws, a, b, g };
}

/** A start the room refuses as a conflict: its thread or its instance has one already. */
const expectStartRefused = async (sock: RawSocket, params: { instanceId: string; threadId?: string; text: string }) =>
  expect(await sock.call("instances.startChat", { ...params, idempotencyKey: idem() })).toMatchObject({
    ok: false,
    error: { code: "conflict" },
  });

describe("instances.startChat over the socket", () => {
  it("posts the first message and files one provision approval for the thread; the asker cannot approve it; a denial says so in the thread and sends nothing", async () => {
    const { ws, a, b, g } = await team();
    const { thread } = await a.ok("threads.create", { title: "Plans", idempotencyKey: idem() });
    const started = await a.ok("instances.startChat", {
      instanceId: "claw",
      name: "Claw",
      threadId: thread.id,
      text: "SAY: hello",
      idempotencyKey: idem(),
    });
    expect(started.approval).toMatchObject({
      status: "pending",
      threadId: thread.id,
      action: { kind: "instance", operation: "provision", instanceId: "claw", name: "Claw" },
      details: expect.stringContaining('answers in the thread "Plans"'),
    });
    expect(started.message).toMatchObject({ threadId: thread.id, text: "SAY: hello", author: { kind: "user" } });
    expect(started.thread.chatStart).toEqual({
      instanceId: "claw",
      approvalId: started.approval.id,
      messageId: started.message.id,
      state: "waiting",
      error: null,
    });
    // Everyone sees the thread waiting.
    await b.waitFor<ThreadFrame>(
      (f) =>
        f.event === "thread.updated" && (f.payload as ThreadFrame["payload"]).thread.chatStart?.state === "waiting",
    );

    // One start per thread; the asker never decides it; nor does an agent.
    await expectStartRefused(a, { instanceId: "claw-2", threadId: thread.id, text: "again" });
    expect(await a.call("approvals.resolve", decisionOn(started.approval.id, "approve"))).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await g.call("approvals.resolve", decisionOn(started.approval.id, "approve"))).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });

    await b.ok("approvals.resolve", decisionOn(started.approval.id, "deny", { note: "not today" }));
    const failed = await a.waitFor<ThreadFrame>(
      (f) => f.event === "thread.updated" && (f.payload as ThreadFrame["payload"]).thread.chatStart?.state === "failed",
    );
    expect(failed.payload.thread.chatStart?.error).toMatch(/OpenClaw was not started: .* denied it \(“not today”\)\./);
    expect(failed.payload.thread.gateway ?? null).toBeNull();
    const { messages } = await a.ok("messages.list", { threadId: thread.id });
    expect(messages[1]?.author).toEqual({ id: "instance:claw", kind: "agent", name: "Claw" });
    expect(messages.map((m) => [m.kind ?? "text", m.text])).toEqual([
      ["text", "SAY: hello"],
      ["error", expect.stringMatching(/^OpenClaw was not started: .* denied it .* Your message was not sent\.$/)],
    ]);
    expect((await a.ok("instances.list", {})).instances).toEqual([]);
    await runInDurableObject(autopilot(ws), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      expect(hasOpenChatStarts(sql)).toBe(false);
      expect(sql.all(`select * from gateway_outbox`)).toEqual([]);
    });
    // A failed start may be tried again in the same thread.
    const again = await a.ok("instances.startChat", {
      instanceId: "claw",
      threadId: thread.id,
      text: "SAY: hello again",
      idempotencyKey: idem(),
    });
    expect(again.thread.chatStart).toMatchObject({ state: "waiting", approvalId: again.approval.id });
    for (const s of [a, b, g]) s.close();
  });

  it("without a thread it starts a new one; an approved start whose provision fails says why, and the message stays unsent", async () => {
    const { a, b, g } = await team();
    const started = await g.ok("instances.startChat", { instanceId: "first", text: "SAY: hi", idempotencyKey: idem() });
    expect(started.thread).toMatchObject({ title: "Chat with OpenClaw", chatStart: { state: "waiting" } });
    expect(started.approval.requestedBy.kind).toBe("agent");
    await b.ok("approvals.resolve", decisionOn(started.approval.id, "approve"));
    // No runtime in these tests: the provision fails, and the thread says so plainly.
    const failed = await a.waitFor<ThreadFrame>(
      (f) => f.event === "thread.updated" && (f.payload as ThreadFrame["payload"]).thread.chatStart?.state === "failed",
      10_000,
    );
    expect(failed.payload.thread.chatStart?.error).toMatch(/OpenClaw did not start: no OpenClaw runtime is configured/);
    const error = await a.waitFor<MessageFrame>(
      (f) => f.event === "message.created" && (f.payload as MessageFrame["payload"]).message.kind === "error",
    );
    expect(error.payload.message).toMatchObject({
      threadId: started.thread.id,
      text: expect.stringMatching(/Your message was not sent\.$/),
    });

    // The instance now exists (in error): a start for the same id is refused before anything is written.
    const before = (await a.ok("threads.list", {})).threads.length;
    await expectStartRefused(a, { instanceId: "first", text: "SAY: hi" });
    expect((await a.ok("threads.list", {})).threads.length).toBe(before);
    // A thread attached to an instance already is not started again.
    const { thread } = await a.ok("threads.create", { title: "attached", idempotencyKey: idem() });
    await a.ok("instances.attach", { instanceId: "first", threadId: thread.id, idempotencyKey: idem() });
    await expectStartRefused(a, { instanceId: "other", threadId: thread.id, text: "x" });
    for (const s of [a, b, g]) s.close();
  });
});

describe("a start moving along (domain functions on the room's SQLite)", () => {
  it("approved → starting; ready → the thread is attached and the first message queued once; a second pass changes nothing", async () => {
    const { ws, a, b } = await team();
    const started = await a.ok("instances.startChat", {
      instanceId: "ready-one",
      text: "SAY: first",
      idempotencyKey: idem(),
    });
    await runInDurableObject(autopilot(ws), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const at = (now: number) => createOpContext(sql, null, now).ctx;
      // Still pending: nothing moves.
      expect(advanceChatStarts(at(Date.now()))).toEqual([]);
      expect(getThread(sql, started.thread.id)?.chatStart?.state).toBe("waiting");
      // Approved, the instance not there yet (the operation starts after the decision).
      settleApproval(at(Date.now()), getApproval(sql, started.approval.id)!, "approved", null);
      expect(advanceChatStarts(at(Date.now()))).toEqual([]);
      expect(getThread(sql, started.thread.id)?.chatStart?.state).toBe("starting");
      const base: Instance = {
        id: "ready-one",
        name: "ready-one",
        status: "starting",
        phase: "waiting for gateway handshake",
        progress: 60,
        error: null,
        threadIds: [],
        jobId: null,
        createdBy: started.approval.requestedBy,
        createdAt: Date.now(),
        updatedAt: Date.now(),
      };
      putInstance(at(Date.now()), base);
      expect(advanceChatStarts(at(Date.now()))).toEqual([]);
      expect(queuedFor(sql, "ready-one")).toEqual([]);

      putInstance(at(Date.now()), { ...base, status: "ready", phase: "ready", progress: 100 });
      expect(advanceChatStarts(at(Date.now()))).toEqual(["ready-one"]);
      const thread = getThread(sql, started.thread.id)!;
      expect(thread.gateway).toEqual({ instanceId: "ready-one", sessionKey: expect.stringMatching(/^autopilot-/) });
      expect(thread.responder.kind).toBe("openclaw");
      expect(thread.chatStart).toMatchObject({ state: "ready", error: null, messageId: started.message.id });
      expect(getInstance(sql, "ready-one")?.threadIds).toEqual([started.thread.id]);
      expect(queuedFor(sql, "ready-one")).toEqual([
        // Its author rides along: the outbox sends it only while they may still post.
        {
          messageId: started.message.id,
          threadId: started.thread.id,
          instanceId: "ready-one",
          sessionKey: thread.gateway!.sessionKey,
          text: "SAY: first",
          fileIds: [],
          author: started.message.author,
        },
      ]);

      // Once only: later passes (any later event) find no open start and queue nothing.
      expect(hasOpenChatStarts(sql)).toBe(false);
      expect(advanceChatStarts(at(Date.now()))).toEqual([]);
      expect(sql.all(`select message_id from gateway_outbox`)).toHaveLength(1);
    });
    for (const s of [a, b]) s.close();
  });

  it("an expired approval, an instance deleted before it was ready, or a thread attached elsewhere meanwhile fails the start with the reason", async () => {
    const { ws, a } = await team();
    const one = await a.ok("instances.startChat", { instanceId: "gone", text: "SAY: one", idempotencyKey: idem() });
    const two = await a.ok("instances.startChat", { instanceId: "late", text: "SAY: two", idempotencyKey: idem() });
    const three = await a.ok("instances.startChat", { instanceId: "slow", text: "SAY: three", idempotencyKey: idem() });
    await runInDurableObject(autopilot(ws), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const ctx = () => createOpContext(sql, null, Date.now()).ctx;
      for (const s of [one, two]) settleApproval(ctx(), getApproval(sql, s.approval.id)!, "approved", null);
      settleApproval(ctx(), getApproval(sql, three.approval.id)!, "expired", null);
      const instance = (id: string, status: Instance["status"]): Instance => ({
        id,
        name: id,
        status,
        phase: status,
        progress: 0,
        error: null,
        threadIds: [],
        jobId: null,
        createdBy: one.approval.requestedBy,
        createdAt: Date.now(),
        updatedAt: Date.now(),
      });
      putInstance(ctx(), instance("gone", "stopped"));
      putInstance(ctx(), instance("late", "ready"));
      putInstance(ctx(), instance("other", "ready"));
      // Someone attached the second thread to another instance while it was starting.
      sql.run(
        `update threads set doc = json_set(doc, '$.gateway', json_object('instanceId', 'other', 'sessionKey', 'x')) where id = ?`,
        two.thread.id,
      );
      expect(advanceChatStarts(ctx())).toEqual([]);
      expect(getThread(sql, one.thread.id)?.chatStart).toMatchObject({
        state: "failed",
        error: "OpenClaw instance gone was deleted before it was ready.",
      });
      expect(getThread(sql, two.thread.id)?.chatStart).toMatchObject({
        state: "failed",
        error: expect.stringMatching(/attached to OpenClaw instance other meanwhile/),
      });
      expect(getThread(sql, three.thread.id)?.chatStart).toMatchObject({
        state: "failed",
        error: "OpenClaw was not started: nobody approved it in time.",
      });
      expect(sql.all(`select * from gateway_outbox`)).toEqual([]);
      expect(hasOpenChatStarts(sql)).toBe(false);
    });
    a.close();
  });
});
