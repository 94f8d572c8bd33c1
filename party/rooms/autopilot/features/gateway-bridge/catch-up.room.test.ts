// The bridge's catch-up after a connect, against a scripted gateway: approvals that
// appeared or vanished while we were away, sessions, and thread histories (imported
// once; our own queued messages recognised as delivered).
import { describe, expect, it, vi } from "vitest";
import { approvalForRequest, listSessions } from "../instance-store/gateway";
import { bindingForThread } from "../instance-store/gateway-bindings";
import { queuedFor, sendChat } from "../instance-store/gateway-outbox";
import { listMessages } from "../threads/threads";
import { asPerson, connectTo, inRoom, ok, refuse, threadBridge } from "../../../../test/bridge-peer";

/** Runs `fn` with the clock a minute back (then the real clock again). */
function aMinuteAgo<T>(fn: () => T): T {
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() - 60_000 });
  try {
    return fn();
  } finally {
    vi.useRealTimers();
  }
}

describe("bridge catch-up", () => {
  it("reads approvals, sessions and histories; closes what vanished; imports each message once", async () => {
    await inRoom(async (sql) => {
      const { thread, broadcasts, decisions, catchUp, gw } = threadBridge(sql);
      // Known before the disconnect: an exec request and a device pairing, both still pending in the room.
      // Dated a minute back: catch-up closes only what was requested before it asked the
      // gateway (a request newer than its question may simply not be listed yet).
      const ours = aMinuteAgo(() => {
        decisions.recordExec({ id: "ex-old", request: { command: "ls" } });
        decisions.recordPairing("device", { requestId: "pr-old", deviceId: "dev-1" });
        return asPerson(sql, (ctx) => sendChat(ctx, { threadId: thread.id, text: "hello", idempotencyKey: "k-hello" }))
          .message;
      });

      gw.on("sessions.subscribe", () => ok({}));
      gw.on("exec.approval.list", () =>
        ok([{ id: "ex-new", request: { command: "make", sessionKey: "main" } }, { nonsense: true }]),
      );
      gw.on("device.pair.list", () => ok({ pending: [], paired: [{ deviceId: "dev-1" }] }));
      gw.on("node.pair.list", () => refuse("INVALID_REQUEST", "unknown method"));
      gw.on("channels.pairing.list", () =>
        ok({
          requests: [
            {
              requestId: "ch-1",
              channel: "telegram",
              channelLabel: "Telegram",
              accountId: "acc",
              senderId: "42",
              metadata: { username: "ada" },
            },
          ],
        }),
      );
      gw.on("sessions.list", () =>
        ok({ sessions: [{ key: "agent:main:main", displayName: "Main", hasActiveRun: true, updatedAt: 5 }] }),
      );
      gw.on("chat.history", () =>
        ok({
          messages: [
            { role: "user", content: "hello", idempotencyKey: `${ours.id}:user`, __openclaw: { id: "g1" } },
            {
              role: "assistant",
              content: [{ type: "text", text: "Hi there" }],
              __openclaw: { id: "g2", runId: ours.id },
            },
            { role: "user", content: "from the OpenClaw app", __openclaw: { id: "g3" } },
          ],
          deltaCursor: "c-3",
        }),
      );
      const connection = await connectTo(gw);
      await catchUp.run(connection);

      expect(approvalForRequest(sql, "inst", "ex-new")).toMatchObject({ status: "pending", threadId: thread.id });
      expect(approvalForRequest(sql, "inst", "ex-old")).toMatchObject({
        status: "expired",
        note: expect.stringMatching(/no longer has this request/),
      });
      expect(approvalForRequest(sql, "inst", "pr-old")).toMatchObject({
        status: "approved",
        note: "approved in OpenClaw",
      });
      expect(approvalForRequest(sql, "inst", "ch-1")).toMatchObject({
        status: "pending",
        risk: "medium",
        title: "Let @ada on Telegram talk to Work",
      });
      expect(listSessions(sql, "inst").sessions).toEqual([
        {
          key: "agent:main:main",
          label: "Main",
          preview: null,
          status: null,
          running: true,
          updatedAt: 5,
          threadId: thread.id,
        },
      ]);
      expect(broadcasts.find((b) => b.event === "sessions.changed")).toBeTruthy();
      const texts = () =>
        listMessages(sql, { threadId: thread.id, limit: 50 }).messages.map((m) => `${m.author.id}: ${m.text}`);
      expect(texts()).toEqual(["user_1: hello", "instance:inst: Hi there", "gateway-user:inst: from the OpenClaw app"]);
      // The gateway has our message: it is not sent again.
      expect(queuedFor(sql, "inst")).toEqual([]);
      expect(bindingForThread(sql, thread.id)!.cursor).toBe("c-3");
      expect(catchUp.unsynced(thread.id)).toBe(false);

      // A second catch-up over the same history adds nothing; the cursor is sent along.
      await catchUp.run(connection);
      expect(texts()).toHaveLength(3);
      expect(gw.requests("chat.history").at(-1)!.params).toMatchObject({ sessionKey: "main", cursor: "c-3" });
    });
  });

  it("holds back a thread whose history cannot be read, and fails when the approvals cannot be", async () => {
    await inRoom(async (sql) => {
      const { thread, catchUp, gw } = threadBridge(sql);
      for (const m of ["sessions.subscribe", "node.pair.list", "channels.pairing.list"]) gw.on(m, () => ok({}));
      gw.on("exec.approval.list", () => ok([]));
      gw.on("device.pair.list", () => ok({}));
      gw.on("sessions.list", () => ok({ sessions: [] }));
      gw.on("chat.history", () => refuse("UNAVAILABLE", "busy"));
      const connection = await connectTo(gw);
      await catchUp.run(connection);
      expect(catchUp.unsynced(thread.id)).toBe(true);

      gw.on("exec.approval.list", () => ok({ not: "a list" }));
      await expect(catchUp.run(connection)).rejects.toThrow(/did not answer with a list/);
    });
  });
});
