import { describe, expect, it } from "vitest";
import type { Approval } from "../../shared/protocol/approvals";
import type { HelloPayload } from "../../shared/protocol/hello";
import type { PresencePerson } from "../../shared/protocol/presence";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import {
  addMember,
  api,
  connected,
  createKey,
  decisionOn,
  type Frame,
  frameViolations,
  idem,
  keyTicket,
  type Person,
  RawSocket,
  signUp,
} from "./harness";

async function workspaceWithTeam() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const member = await signUp();
  const viewer = await signUp();
  expect((await addMember(owner, ws, member, "member")).status).toBe(201);
  expect((await addMember(owner, ws, viewer, "viewer")).status).toBe(201);
  const agent = await createKey(owner, ws); // default scopes: read + write
  return { owner, member, viewer, agent, ws };
}

describe("authentication before the room", () => {
  it("refuses anonymous sockets with 4001 and foreign workspaces with 4003", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const anon = await RawSocket.open(alice.workspaceId, {});
    expect((await anon.waitClosed()).code).toBe(4001);
    expect(anon.frames).toEqual([]); // the room never saw it: no hello

    const intruder = await RawSocket.open(alice.workspaceId, { cookie: bob.cookie });
    expect((await intruder.waitClosed()).code).toBe(4003);
    expect(intruder.frames).toEqual([]);

    const bobKey = await createKey(bob, bob.workspaceId);
    const foreignKey = await RawSocket.open(alice.workspaceId, { key: bobKey.key });
    expect((await foreignKey.waitClosed()).code).toBe(4003);

    const badKey = await RawSocket.open(alice.workspaceId, { key: "ap_not-a-real-key" });
    expect((await badKey.waitClosed()).code).toBe(4001);
  });

  it("rejects a forged principal header: identity comes only from the Worker", async () => {
    const alice = await signUp();
    const forged = encodeURIComponent(JSON.stringify({ id: "x", kind: "user", name: "Mallory", scopes: ["admin"] }));
    const { SELF } = await import("cloudflare:test");
    const res = await SELF.fetch(
      `http://autopilot.test/agents/autopilot/${alice.workspaceId}?protocol=${PROTOCOL_VERSION}`,
      {
        headers: { upgrade: "websocket", "x-autopilot-principal": forged },
      },
    );
    res.webSocket!.accept();
    const closed = await new Promise<number>((r) => res.webSocket!.addEventListener("close", (e) => r(e.code)));
    expect(closed).toBe(4001);
  });

  it("connect tickets are single use and never carry the key in a URL", async () => {
    const alice = await signUp();
    const key = await createKey(alice, alice.workspaceId);
    const issued = await keyTicket(key.key, alice.workspaceId);
    expect(issued.status).toBe(201);
    expect(issued.body.ticket).not.toContain(key.key);
    const first = await RawSocket.open(alice.workspaceId, { ticket: issued.body.ticket });
    const hello = await first.hello();
    expect(hello.principal.kind).toBe("agent");
    const replay = await RawSocket.open(alice.workspaceId, { ticket: issued.body.ticket });
    expect((await replay.waitClosed()).code).toBe(4001);
    first.close();
  });

  it("revoking a key closes its live sockets and refuses new ones", async () => {
    const alice = await signUp();
    const key = await createKey(alice, alice.workspaceId);
    const sock = await RawSocket.open(alice.workspaceId, { key: key.key });
    await sock.hello();
    const revoked = await api(`/api/workspaces/${alice.workspaceId}/keys/${key.id}`, {
      method: "DELETE",
      cookie: alice.cookie,
    });
    expect(revoked.status).toBe(200);
    expect((await sock.waitClosed()).code).toBe(4001);
    const again = await RawSocket.open(alice.workspaceId, { key: key.key });
    expect((await again.waitClosed()).code).toBe(4001);
  });

  it("only owners and admins manage keys; raw keys are stored hashed and listed without the secret", async () => {
    const { owner, member, ws, agent } = await workspaceWithTeam();
    const denied = await api(`/api/workspaces/${ws}/keys`, {
      method: "POST",
      cookie: member.cookie,
      body: JSON.stringify({ name: "x" }),
    });
    expect(denied.status).toBe(403);
    const listed = await api<{ keys: unknown[] }>(`/api/workspaces/${ws}/keys`, { cookie: owner.cookie });
    expect(JSON.stringify(listed.body)).not.toContain(agent.key);
    const { env } = await import("cloudflare:workers");
    const row = await (env as unknown as { DB: D1Database }).DB.prepare(`select "key" from "apikey" where "id" = ?`)
      .bind(agent.id)
      .first<{ key: string }>();
    expect(row!.key).not.toBe(agent.key);
    expect(row!.key).not.toContain(agent.key.slice(3, 20));
  });
});

describe("the harness checks every frame against the protocol", () => {
  const thread = {
    id: "thr_1",
    title: "t",
    archived: false,
    createdBy: { id: "u", kind: "user", name: "U" },
    createdAt: 1,
    updatedAt: 1,
    lastMessageAt: null,
    messageCount: 0,
    responder: { kind: "none", reply: "every", agents: false },
  };
  const event = (e: string, payload: unknown, seq?: number) =>
    JSON.stringify({ type: "event", event: e, payload, ...(seq ? { seq } : {}) });

  it("passes frames that match and names what does not", () => {
    expect(frameViolations(event("thread.created", { thread }, 1), undefined)).toEqual([]);
    expect(
      frameViolations(JSON.stringify({ type: "res", id: "r1", ok: true, payload: { thread } }), "threads.create"),
    ).toEqual([]);
    expect(
      frameViolations(
        JSON.stringify({
          type: "res",
          id: "r1",
          ok: false,
          error: { code: "not_found", message: "x", retryable: false },
        }),
        "threads.create",
      ),
    ).toEqual([]);

    expect(frameViolations(event("thread.created", { thread: { ...thread, title: 5 } }, 1), undefined)[0]).toMatch(
      /event thread.created: thread.title/,
    );
    expect(frameViolations(event("thread.created", { thread: { ...thread, secret: "x" } }, 1), undefined)).toEqual([
      "event thread.created: field thread.secret is not in the schema",
    ]);
    expect(frameViolations(event("thread.created", { thread }), undefined)).toEqual([
      "event thread.created: durable event without a seq",
    ]);
    expect(frameViolations(event("presence.left", { connectionId: "c", principalId: "p" }, 3), undefined)).toEqual([
      "event presence.left: ephemeral event with a seq",
    ]);
    expect(frameViolations(event("thread.exploded", {}), undefined)).toEqual(["unknown event thread.exploded"]);
    expect(
      frameViolations(
        JSON.stringify({ type: "res", id: "r1", ok: true, payload: { threads: [] } }),
        "threads.create",
      )[0],
    ).toMatch(/result of threads.create: thread/);
    expect(frameViolations(JSON.stringify({ type: "rpc", id: "1", success: false }), undefined)[0]).toMatch(/^frame:/);
    expect(frameViolations("not json", undefined)[0]).toMatch(/^not JSON/);
  });
});

describe("hello and the snapshot", () => {
  it("greets with protocol, principal, scopes, seq and a snapshot; never a secret", async () => {
    const { owner, viewer, agent, ws } = await workspaceWithTeam();
    const a = await RawSocket.open(ws, { cookie: owner.cookie });
    const hello = await a.hello();
    expect(hello).toMatchObject({
      protocol: PROTOCOL_VERSION,
      workspaceId: ws,
      reset: false,
      resumedFrom: null,
      seq: 0,
    });
    expect(hello.principal).toMatchObject({
      id: owner.userId,
      kind: "user",
      role: "owner",
      scopes: ["read", "write", "approve", "admin"],
    });
    expect(hello.snapshot).toMatchObject({ threads: [], approvals: [], jobs: [] });

    const v = await RawSocket.open(ws, { cookie: viewer.cookie });
    expect((await v.hello()).principal.scopes).toEqual(["read"]);
    const g = await RawSocket.open(ws, { key: agent.key });
    const agentHello = await g.hello();
    expect(agentHello.principal).toMatchObject({ kind: "agent", scopes: ["read", "write"] });
    // Secrets: the raw key, the auth secret and session tokens appear in no frame.
    const everything = JSON.stringify([...a.frames, ...v.frames, ...g.frames]);
    expect(everything).not.toContain(agent.key);
    expect(everything).not.toContain("test-secret-for-workerd-tests-only");
    expect(everything).not.toContain(owner.cookie.split("=")[1]!.split(".")[0]!);
    for (const s of [a, v, g]) s.close();
  });
});

describe("domain round trips", () => {
  it("threads and messages: create, rename, archive, restore, post, page", async () => {
    const { owner, member, agent, ws } = await workspaceWithTeam();
    const [a, b, g] = await connected(ws, { cookie: owner.cookie }, { cookie: member.cookie }, { key: agent.key });

    const { thread } = await a.ok("threads.create", { title: "Launch plan", idempotencyKey: idem() });
    const created = await b.waitFor((f) => f.type === "event" && f.event === "thread.created");
    expect(created).toMatchObject({ seq: 1, payload: { thread: { id: thread.id, title: "Launch plan" } } });

    await b.ok("threads.rename", { threadId: thread.id, title: "Launch plan v2", idempotencyKey: idem() });
    await g.waitFor((f) => f.event === "thread.renamed");

    for (let i = 0; i < 7; i++) {
      const who = i % 2 === 0 ? g : b;
      await who.ok("chat.send", { threadId: thread.id, text: `message ${i}`, idempotencyKey: idem() });
    }
    const agentMsg = await a.waitFor<{ payload: { message: { author: { kind: string } } } }>(
      (f) => f.event === "message.created" && (f.payload as { message: { text: string } }).message.text === "message 6",
    );
    expect(agentMsg.payload.message.author.kind).toBe("agent");

    const page1 = await a.ok("messages.list", { threadId: thread.id, limit: 3 });
    expect(page1.messages.map((m) => m.text)).toEqual(["message 4", "message 5", "message 6"]);
    expect(page1.hasMore).toBe(true);
    const page2 = await a.ok("messages.list", { threadId: thread.id, limit: 3, before: page1.messages[0]!.n });
    expect(page2.messages.map((m) => m.text)).toEqual(["message 1", "message 2", "message 3"]);
    const page3 = await a.ok("messages.list", { threadId: thread.id, limit: 3, before: page2.messages[0]!.n });
    expect(page3).toMatchObject({ hasMore: false, messages: [{ text: "message 0" }] });

    await a.ok("threads.archive", { threadId: thread.id, idempotencyKey: idem() });
    const posting = await g.call("chat.send", { threadId: thread.id, text: "late", idempotencyKey: idem() });
    expect(posting).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect((await a.ok("threads.list", {})).threads).toEqual([]);
    expect((await a.ok("threads.list", { includeArchived: true })).threads[0]).toMatchObject({
      archived: true,
      messageCount: 7,
    });
    await a.ok("threads.archive", { threadId: thread.id, archived: false, idempotencyKey: idem() });
    await b.waitFor((f) => f.event === "thread.restored");

    // seq is contiguous across everything every client saw.
    const seqs = b
      .events()
      .filter((e) => e.seq)
      .map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    for (const s of [a, b, g]) s.close();
  });

  it("approvals: agents request, only `approve` resolves, first decision wins, audit records it", async () => {
    const { owner, member, viewer, agent, ws } = await workspaceWithTeam();
    const [a, m, v, g] = await connected(
      ws,
      { cookie: owner.cookie },
      { cookie: member.cookie },
      { cookie: viewer.cookie },
      { key: agent.key },
    );

    const { approval } = await g.ok("approvals.request", {
      title: "Deploy to prod",
      details: "v1.2.3",
      risk: "high",
      idempotencyKey: idem(),
    });
    expect(approval).toMatchObject({ status: "pending", requestedBy: { kind: "agent" }, risk: "high" });
    await v.waitFor((f) => f.event === "approval.requested");

    const byAgent = await g.call("approvals.resolve", decisionOn(approval.id, "approve"));
    expect(byAgent).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const byViewer = await v.call("approvals.resolve", decisionOn(approval.id, "approve"));
    expect(byViewer).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const byViewerRequest = await v.call("approvals.request", { title: "nope", idempotencyKey: idem() });
    expect(byViewerRequest).toMatchObject({ ok: false, error: { code: "forbidden" } });

    const decided = await m.ok("approvals.resolve", decisionOn(approval.id, "approve", { note: "ship it" }));
    expect(decided.approval).toMatchObject({
      status: "approved",
      resolvedBy: { id: member.userId, name: member.name },
      note: "ship it",
    });
    const seen = await g.waitFor<{ payload: { approval: Approval } }>((f) => f.event === "approval.resolved");
    expect(seen.payload.approval.resolvedBy?.id).toBe(member.userId);

    const late = await a.call("approvals.resolve", decisionOn(approval.id, "deny"));
    expect(late).toMatchObject({ ok: false, error: { code: "already_resolved", details: { status: "approved" } } });

    const audit = await a.ok("audit.list", {});
    // (Adding the member and the key were audited too: access changes, issue 10.)
    expect(audit.entries.map((e) => e.action).filter((a) => a.startsWith("approval."))).toEqual([
      "approval.approved",
      "approval.requested",
    ]);
    expect(audit.entries[0]!.actor?.id).toBe(member.userId);
    expect((await g.ok("approvals.get", { approvalId: approval.id })).approval.status).toBe("approved");
    for (const s of [a, m, v, g]) s.close();
  });

  it("approvals expire and resolve as expired", async () => {
    const { owner, agent, ws } = await workspaceWithTeam();
    const [g, a] = await connected(ws, { key: agent.key }, { cookie: owner.cookie });
    const { approval } = await g.ok("approvals.request", {
      title: "Short-lived",
      expiresInMs: 1000,
      idempotencyKey: idem(),
    });
    // The room schedules an alarm for the expiry; wait for its broadcast.
    const expired = await a.waitFor<{ payload: { approval: Approval } }>(
      (f) => f.event === "approval.resolved",
      10_000,
    );
    expect(expired.payload.approval).toMatchObject({ id: approval.id, status: "expired", resolvedBy: null });
    const late = await a.call("approvals.resolve", decisionOn(approval.id, "approve"));
    expect(late).toMatchObject({ ok: false, error: { code: "already_resolved", details: { status: "expired" } } });
    expect((await a.ok("audit.list", {})).entries[0]).toMatchObject({ action: "approval.expired", actor: null });
    g.close();
    a.close();
  });

  it("jobs: owner reports progress, a person requests cancel, the owner hears it and finishes", async () => {
    const { owner, member, agent, ws } = await workspaceWithTeam();
    const [g, m, a] = await connected(ws, { key: agent.key }, { cookie: member.cookie }, { cookie: owner.cookie });
    const { job } = await g.ok("jobs.start", { title: "Index repo", idempotencyKey: idem() });
    await g.ok("jobs.update", { jobId: job.id, progress: 40, message: "parsing", idempotencyKey: idem() });
    const progressed = await m.waitFor<{ payload: { job: { progress: number; message: string } } }>(
      (f) => f.event === "job.progressed",
    );
    expect(progressed.payload.job).toMatchObject({ progress: 40, message: "parsing" });

    const notOwner = await m.call("jobs.update", { jobId: job.id, progress: 90, idempotencyKey: idem() });
    expect(notOwner).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const outOfRange = await g.call("jobs.update", { jobId: job.id, progress: 140, idempotencyKey: idem() });
    expect(outOfRange).toMatchObject({ ok: false, error: { code: "bad_request" } });

    await m.ok("jobs.cancel", { jobId: job.id, reason: "wrong repo", idempotencyKey: idem() });
    const cancel = await g.waitFor<{
      payload: { job: { status: string; cancelRequestedBy: { id: string } }; reason: string };
    }>((f) => f.event === "job.cancel_requested");
    expect(cancel.payload).toMatchObject({
      reason: "wrong repo",
      job: { status: "cancel_requested", cancelRequestedBy: { id: member.userId } },
    });
    const done = await g.ok("jobs.finish", { jobId: job.id, cancelled: true, idempotencyKey: idem() });
    expect(done.job.status).toBe("cancelled");
    const again = await g.call("jobs.fail", { jobId: job.id, error: "x", idempotencyKey: idem() });
    expect(again).toMatchObject({ ok: false, error: { code: "conflict" } });

    const { job: second } = await g.ok("jobs.start", { title: "Build", idempotencyKey: idem() });
    await g.ok("jobs.fail", { jobId: second.id, error: "compiler crashed", idempotencyKey: idem() });
    const jobs = await a.ok("jobs.list", {});
    expect(jobs.jobs.map((j) => [j.title, j.status])).toEqual([
      ["Build", "failed"],
      ["Index repo", "cancelled"],
    ]);
    for (const s of [g, m, a]) s.close();
  });

  // Protocol 17: one entry per person in a bounded summary, on every hello and in coalesced presence.summary frames.
  it("presence: people with their devices counted, live joins, status changes and leaves", async () => {
    const { owner, agent, ws } = await workspaceWithTeam();
    const laptop = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "laptop" });
    await laptop.hello();
    const phone = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "phone" });
    const phoneHello = await phone.hello();
    // The hello counts every socket, this one included, and shows the person once.
    expect(phoneHello.presence).toMatchObject({ people: 1, connections: 2, own: 2 });
    expect(phoneHello.presence.shown).toEqual([
      expect.objectContaining({ principalId: owner.userId, devices: 2, device: "phone" }),
    ]);
    type Summary = { payload: { people: number; connections: number; shown?: PresencePerson[] } };
    const summary = (pick: (s: Summary["payload"]) => boolean) => (f: Frame) =>
      f.event === "presence.summary" && pick((f as unknown as Summary).payload);
    await laptop.waitFor(summary((s) => s.connections === 2 && s.shown?.[0]?.devices === 2));
    // Their own count goes to their own sockets.
    await laptop.waitFor((f) => f.event === "presence.own" && (f.payload as { own: number }).own === 2);

    const bot = await RawSocket.open(ws, { key: agent.key }, { device: "ci-runner" });
    await bot.hello();
    await bot.ok("presence.update", { status: "indexing" });
    await laptop.waitFor(summary((s) => s.people === 2 && (s.shown ?? []).some((p) => p.status === "indexing")));
    // Presence is told as people, never as every socket: 17 gets no presence.diff.
    expect(laptop.events("presence.diff")).toEqual([]);
    const list = await phone.ok("presence.list", {});
    expect(list.presence.map((p) => `${p.kind}:${p.device}:${p.status ?? ""}`).sort()).toEqual([
      "agent:ci-runner:indexing",
      "user:laptop:",
      "user:phone:",
    ]);

    bot.close();
    await laptop.waitFor(summary((s) => s.people === 1 && s.connections === 2));
    // The room keeps who is here in memory (presence-index.ts): it follows the close too.
    expect((await phone.ok("presence.list", {})).presence.map((p) => p.device).sort()).toEqual(["laptop", "phone"]);
    laptop.close();
    phone.close();
  });

  it("idempotency: a repeated key returns the first result and changes nothing; reuse for another method is refused", async () => {
    const { owner, ws } = await workspaceWithTeam();
    const a = await RawSocket.open(ws, { cookie: owner.cookie });
    const hello: HelloPayload = await a.hello();
    const key = idem();
    const first = await a.ok("threads.create", { title: "Once", idempotencyKey: key });
    const second = await a.ok("threads.create", { title: "Once", idempotencyKey: key });
    expect(second).toEqual(first);
    expect((await a.ok("threads.list", {})).threads).toHaveLength(1);
    expect(a.events("thread.created")).toHaveLength(1);
    const misuse = await a.call("chat.send", { threadId: first.thread.id, text: "hi", idempotencyKey: key });
    expect(misuse).toMatchObject({ ok: false, error: { code: "idempotency_conflict" } });
    const missing = await a.call("threads.create", { title: "no key" });
    expect(missing).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(hello.seq).toBe(0);
    a.close();
  });

  it("scopes are checked on every method for every principal", async () => {
    const { viewer, ws, owner } = await workspaceWithTeam();
    const readOnlyKey = await createKey(owner, ws, ["read"], "reader");
    const [v, r] = await connected(ws, { cookie: viewer.cookie }, { key: readOnlyKey.key });
    const mutating = [
      ["threads.create", { title: "x", idempotencyKey: idem() }],
      ["threads.rename", { threadId: "t", title: "x", idempotencyKey: idem() }],
      ["threads.archive", { threadId: "t", idempotencyKey: idem() }],
      ["chat.send", { threadId: "t", text: "x", idempotencyKey: idem() }],
      ["approvals.request", { title: "x", idempotencyKey: idem() }],
      ["approvals.resolve", { approvalId: "a", decision: "approve", idempotencyKey: idem() }],
      ["jobs.start", { title: "x", idempotencyKey: idem() }],
      ["jobs.update", { jobId: "j", progress: 1, idempotencyKey: idem() }],
      ["jobs.finish", { jobId: "j", idempotencyKey: idem() }],
      ["jobs.fail", { jobId: "j", error: "x", idempotencyKey: idem() }],
      ["jobs.cancel", { jobId: "j", idempotencyKey: idem() }],
    ] as const;
    for (const sock of [v, r]) {
      for (const [method, params] of mutating) {
        const res = await sock.call(method, params);
        expect(res, method).toMatchObject({ ok: false, error: { code: "forbidden", retryable: false } });
      }
      // Reads work.
      expect((await sock.call("threads.list", {})).ok).toBe(true);
    }
    v.close();
    r.close();
  });
});

describe("people without a workspace", () => {
  it("every new person gets a personal workspace they own", async () => {
    const p: Person = await signUp();
    const me = await api<{ workspaces: { id: string; role: string }[] }>("/api/me", { cookie: p.cookie });
    expect(me.body.workspaces).toEqual([expect.objectContaining({ id: p.workspaceId, role: "owner" })]);
  });
});
