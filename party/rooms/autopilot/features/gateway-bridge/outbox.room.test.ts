// The bridge's outbox against a scripted gateway: queued room messages go out in order
// after the catch-up, keyed by their message id; a busy gateway means "later", a refusal
// is shown in the thread; a thread whose history could not be read waits.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { CurrentAccess } from "../../kernel/services";
import { agentPrincipalId, recheckPrincipal } from "../../../../auth/current-access";
import { createOpContext } from "../../kernel/commit";
import { postRefusal } from "../approvals/withdrawals";
import { api, createKey, signUp } from "../../../../test/harness";
import { queuedFor, sendChat } from "../instance-store/gateway-outbox";
import { listMessages } from "../threads/threads";
import { asPerson, connectTo, inRoom, ok, refuse, threadBridge } from "../../../../test/bridge-peer";

describe("bridge outbox", () => {
  it("sends a queued message only while its author may still post: a key revoked meanwhile gets it refused in the thread, not sent", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const live = await createKey(owner, ws, ["read", "write"], "live-bot");
    const gone = await createKey(owner, ws, ["read", "write"], "gone-bot");
    await inRoom(async (sql) => {
      // The room's own reader of D1, as the Autopilot's kernel makes it (kernel/host.ts).
      const db = (env as unknown as { DB: D1Database }).DB;
      const currentAccess: CurrentAccess = (principal) => recheckPrincipal(db, ws, principal);
      const {
        thread,
        link,
        outbox: box,
        gw,
      } = threadBridge(sql, {
        mayNoLongerPost: (author) => postRefusal(currentAccess, author),
      });
      gw.on("chat.send", (params) => ok({ runId: params.idempotencyKey }));
      link.connection = await connectTo(gw);
      const sendAs = (key: { id: string }, name: string, text: string) => {
        const { ctx } = createOpContext(
          sql,
          { id: agentPrincipalId(key.id), kind: "agent", name, scopes: ["read", "write"] },
          Date.now(),
        );
        return sql.transaction(() => sendChat(ctx, { threadId: thread.id, text, idempotencyKey: `k-${text}` })).message;
      };
      // Both queued while the gateway is away (not caught up yet).
      sendAs(gone, "gone-bot", "from the revoked key");
      const kept = sendAs(live, "live-bot", "from the live key");
      const revoked = await api("/api/auth/api-key/delete", {
        method: "POST",
        cookie: owner.cookie,
        body: JSON.stringify({ keyId: gone.id }),
      });
      expect(revoked.status).toBe(200);

      link.caughtUp = true;
      await box.flush();
      expect(gw.requests("chat.send").map((f) => f.params)).toEqual([
        { sessionKey: "main", message: "from the live key", idempotencyKey: kept.id },
      ]);
      expect(queuedFor(sql, "inst")).toEqual([]);
      const last = listMessages(sql, { threadId: thread.id, limit: 10 }).messages.filter((m) => m.kind === "error");
      expect(last.map((m) => m.text)).toEqual([
        "Not sent to OpenClaw: gone-bot no longer has access (API key revoked).",
      ]);
      box.stop();
    });
  });

  it("sends queued messages in order once caught up; retries a busy gateway; shows a refusal", async () => {
    await inRoom(async (sql) => {
      const { thread, link, outbox: box, gw } = threadBridge(sql);
      link.connection = await connectTo(gw);
      const send = (text: string) =>
        asPerson(sql, (ctx) => sendChat(ctx, { threadId: thread.id, text, idempotencyKey: `k-${text}` })).message;
      const first = send("one");
      const second = send("two");
      let busy = true;
      gw.on("chat.send", (params) => {
        if (params.message !== "two" || !busy) return ok({ runId: params.idempotencyKey });
        busy = false;
        return refuse("UNAVAILABLE", "gateway busy");
      });

      await box.flush();
      expect(gw.requests("chat.send")).toEqual([]);
      link.caughtUp = true;
      await box.flush();
      expect(gw.requests("chat.send").map((f) => f.params)).toEqual([
        { sessionKey: "main", message: "one", idempotencyKey: first.id },
        { sessionKey: "main", message: "two", idempotencyKey: second.id },
      ]);
      expect(queuedFor(sql, "inst").map((o) => o.messageId)).toEqual([second.id]);
      // Tried again on its own, with the same key.
      await vi.waitFor(() => expect(queuedFor(sql, "inst"), "the outbox after its retry").toEqual([]), {
        timeout: 5000,
        interval: 50,
      });
      expect(gw.requests("chat.send").at(-1)!.params).toMatchObject({ idempotencyKey: second.id });

      gw.on("chat.send", () => refuse("INVALID_REQUEST", "message too long"));
      send("three");
      await box.flush();
      expect(queuedFor(sql, "inst")).toEqual([]);
      expect(listMessages(sql, { threadId: thread.id, limit: 10 }).messages.at(-1)).toMatchObject({
        kind: "error",
        text: expect.stringMatching(/did not accept this message: .*message too long/),
      });
      box.stop();
    });
  });

  it("holds a thread's messages while its history is unread after a connect", async () => {
    await inRoom(async (sql) => {
      const { thread, link, catchUp, outbox: box, gw } = threadBridge(sql);
      for (const m of ["sessions.subscribe", "device.pair.list", "node.pair.list", "channels.pairing.list"])
        gw.on(m, () => ok({}));
      gw.on("exec.approval.list", () => ok([]));
      gw.on("sessions.list", () => ok({ sessions: [] }));
      gw.on("chat.history", () => refuse("UNAVAILABLE", "busy"));
      gw.on("chat.send", () => ok({}));
      link.connection = await connectTo(gw);
      asPerson(sql, (ctx) => sendChat(ctx, { threadId: thread.id, text: "wait", idempotencyKey: "k-wait" }));
      await catchUp.run(link.connection);
      link.caughtUp = true;
      await box.flush();
      expect(gw.requests("chat.send")).toEqual([]);
      expect(queuedFor(sql, "inst")).toHaveLength(1);
    });
  });
});
