// Work that waits for a decision acts for whoever asked, and only while they still may
// (party/rooms/autopilot/features/approvals/index.ts): a chat start of a key that is revoked fails, its
// approval withdrawn for everyone; an instance operation of a member the room was not told
// is gone is refused when a person decides it, and nothing is created.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../shared/protocol/frames";
import type { Thread } from "../../shared/protocol/threads";
import { api, approvalResolved, createKey, decisionOn, idem, openTeam, RawSocket } from "./harness";

const testEnv = env as unknown as { DB: D1Database };

const withdrawn = (sock: RawSocket, approvalId: string) => approvalResolved(sock, approvalId);

describe("deferred work stops with its requester's access", () => {
  it("a chat start of a key that is revoked: its approval leaves the queue and the thread says the message was not sent", async () => {
    const { ws, owner, ownerSocket: a, secondSocket: b } = await openTeam("member");
    const key = await createKey(owner, ws, ["read", "write"], "starter");
    const g = await RawSocket.open(ws, { key: key.key });
    await g.hello();
    const started = await g.ok("instances.startChat", {
      instanceId: "claw",
      name: "Claw",
      text: "SAY: hello",
      idempotencyKey: idem(),
    });

    const revoked = await api("/api/auth/api-key/delete", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ keyId: key.id }),
    });
    expect(revoked.status).toBe(200);
    const approval = await withdrawn(b, started.approval.id);
    expect(approval).toMatchObject({
      status: "expired",
      note: "withdrawn: starter no longer has access (API key revoked)",
    });
    const failed = await a.waitFor<EventFrame>(
      (f) => f.event === "thread.updated" && (f.payload as { thread: Thread }).thread.chatStart?.state === "failed",
    );
    expect((failed.payload as { thread: Thread }).thread.chatStart?.error).toBe(
      "OpenClaw was not started: withdrawn: starter no longer has access (API key revoked).",
    );
    expect(await b.call("approvals.resolve", decisionOn(started.approval.id, "approve"))).toMatchObject({
      ok: false,
      error: { code: "already_resolved" },
    });
    expect((await a.ok("instances.list", {})).instances).toEqual([]);
    for (const s of [a, b, g]) s.close();
  });

  it("an instance operation of a member removed without the room being told is refused when decided, and nothing is created", async () => {
    const { ws, owner, ownerSocket: a, secondSocket: b } = await openTeam("member");
    const { approval } = await b.ok("instances.provision", {
      instanceId: "gone",
      name: "Gone",
      idempotencyKey: idem(),
    });
    b.close();
    const second = (await testEnv.DB.prepare(
      `select "userId" from "member" where "organizationId" = ? and "userId" != ?`,
    )
      .bind(ws, owner.userId)
      .first<{ userId: string }>())!;
    await testEnv.DB.prepare(`delete from "member" where "organizationId" = ? and "userId" = ?`)
      .bind(ws, second.userId)
      .run();

    const decided = await a.call("approvals.resolve", decisionOn(approval.id, "approve"));
    expect(decided).toMatchObject({ ok: false, error: { code: "already_resolved" } });
    expect(await withdrawn(a, approval.id)).toMatchObject({
      status: "expired",
      note: expect.stringMatching(
        /^withdrawn: .* no longer has access \(you no longer have access to this workspace\)$/,
      ),
    });
    expect((await a.ok("instances.list", {})).instances).toEqual([]);
    a.close();
  });
});
