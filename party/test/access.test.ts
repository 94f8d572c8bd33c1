// Access that holds live (issue 10): every way access is taken away reaches the sockets
// already open, in both rooms, also after the room hibernated; people decide risky
// actions; cookie requests only from the app's own origin.
import { evictDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { nodesMap, writeNode } from "../../shared/hatchery/graph";
import type { AuditEntry } from "../../shared/protocol/audit";
import type { Principal } from "../../shared/protocol/principal";
import type { YSyncClient } from "../dev/ysync.mjs";
import {
  addMember,
  api,
  connected,
  createKey,
  decisionOn,
  idem,
  keyTicket,
  ORIGIN,
  type Person,
  RawSocket,
  signUp,
} from "./harness";
import { openCanvas, until } from "./hatchery-harness";
import { noteNode } from "../../shared/test/canvas-nodes";

type Env = { DB: D1Database; Autopilot: DurableObjectNamespace; Hatchery: DurableObjectNamespace };
const testEnv = env as unknown as Env;

const post = (cookie: string, body: unknown) => ({ method: "POST", cookie, body: JSON.stringify(body) });

async function memberId(workspaceId: string, userId: string): Promise<string> {
  const row = await testEnv.DB.prepare(`select "id" from "member" where "organizationId" = ? and "userId" = ?`)
    .bind(workspaceId, userId)
    .first<{ id: string }>();
  return row!.id;
}

/** An Autopilot socket and a canvas socket of the same credentials, both open and synced. */
async function bothRooms(
  ws: string,
  creds: { cookie: string } | { key: string },
): Promise<{ room: RawSocket; canvas: YSyncClient }> {
  const room = await RawSocket.open(ws, creds);
  await room.hello();
  const canvas = await openCanvas(ws, creds);
  await until(() => canvas.synced, "canvas synced");
  return { room, canvas };
}

async function expectClosed(room: RawSocket, canvas: YSyncClient, code: number) {
  expect((await room.waitClosed(1000)).code).toBe(code);
  await until(() => canvas.closed !== null, "canvas socket closed", 1000);
  expect(canvas.closed!.code).toBe(code);
  // Our side of the close too: a test's half-closed sockets count against workerd's
  // limit of open connections per request, and later fetches would queue behind them.
  room.close();
  canvas.close();
}

async function auditOf(owner: Person): Promise<AuditEntry[]> {
  const s = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
  await s.hello();
  const { entries } = await s.ok("audit.list", { limit: 100 });
  s.close();
  return entries;
}

describe("revoking access reaches open sockets in both rooms", () => {
  it("a key deleted through better-auth's /api-key/delete closes its Autopilot and Hatchery sockets", async () => {
    const owner = await signUp();
    const agent = await createKey(owner, owner.workspaceId);
    const { room, canvas } = await bothRooms(owner.workspaceId, { key: agent.key });
    await room.ok("threads.create", { title: "before", idempotencyKey: idem() });
    const res = await api("/api/auth/api-key/delete", post(owner.cookie, { keyId: agent.id }));
    expect(res.status).toBe(200);
    await expectClosed(room, canvas, 4001);
    expect(room.closed!.reason).toBe("API key revoked");
    const entry = (await auditOf(owner)).find((e) => e.action === "key.revoked");
    expect(entry).toMatchObject({ targetId: agent.id, actor: { id: owner.userId, kind: "user" } });
  });

  it("a key disabled through /api-key/update {enabled:false} closes its sockets, also after the rooms hibernated", async () => {
    const owner = await signUp();
    const agent = await createKey(owner, owner.workspaceId);
    const { room, canvas } = await bothRooms(owner.workspaceId, { key: agent.key });
    // Evicted: the object is gone from memory, the sockets and their state survive.
    for (const rooms of [testEnv.Autopilot, testEnv.Hatchery])
      await evictDurableObject(rooms.get(rooms.idFromName(owner.workspaceId)));
    const res = await api("/api/auth/api-key/update", post(owner.cookie, { keyId: agent.id, enabled: false }));
    expect(res.status).toBe(200);
    await expectClosed(room, canvas, 4001);
    expect(room.closed!.reason).toBe("API key disabled");
    expect((await auditOf(owner)).find((e) => e.action === "key.updated")).toMatchObject({
      targetId: agent.id,
      details: { enabled: false },
    });
  });

  it("the app's own revoke closes the Hatchery socket too, and is audited", async () => {
    const owner = await signUp();
    const agent = await createKey(owner, owner.workspaceId);
    const { room, canvas } = await bothRooms(owner.workspaceId, { key: agent.key });
    expect(
      (await api(`/api/workspaces/${owner.workspaceId}/keys/${agent.id}`, { method: "DELETE", cookie: owner.cookie }))
        .status,
    ).toBe(200);
    await expectClosed(room, canvas, 4001);
    const actions = (await auditOf(owner)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["key.created", "key.revoked"]));
  });

  it("a member removed through /organization/remove-member loses their sockets in both rooms (4003)", async () => {
    const owner = await signUp();
    const bob = await signUp();
    // The owner's open socket hears that its member list is stale (protocol 12), each time.
    const watcher = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await watcher.hello();
    await addMember(owner, owner.workspaceId, bob, "member");
    await watcher.waitFor((f) => f.type === "event" && f.event === "access.changed");
    const { room, canvas } = await bothRooms(owner.workspaceId, { cookie: bob.cookie });
    const res = await api(
      "/api/auth/organization/remove-member",
      post(owner.cookie, { memberIdOrEmail: bob.email, organizationId: owner.workspaceId }),
    );
    expect(res.status).toBe(200);
    await expectClosed(room, canvas, 4003);
    expect(room.closed!.reason).toMatch(/no longer have access/);
    await watcher.waitFor(() => watcher.events("access.changed").length === 2);
    expect(watcher.events("access.changed").map((e) => (e.payload as { reason: string }).reason)).toEqual([
      "member added",
      expect.any(String),
    ]);
    watcher.close();
    const entries = await auditOf(owner);
    expect(entries.find((e) => e.action === "member.removed")).toMatchObject({
      targetId: bob.userId,
      actor: { id: owner.userId },
    });
    expect(entries.find((e) => e.action === "member.added")).toMatchObject({
      targetId: bob.userId,
      details: { role: "member" },
    });
  });

  it("a member downgraded to viewer keeps the socket but is re-scoped: writes refused, the canvas read-only", async () => {
    const owner = await signUp();
    const bob = await signUp();
    await addMember(owner, owner.workspaceId, bob, "member");
    const { room, canvas } = await bothRooms(owner.workspaceId, { cookie: bob.cookie });
    await room.ok("threads.create", { title: "as member", idempotencyKey: idem() });
    const res = await api(
      "/api/auth/organization/update-member-role",
      post(owner.cookie, {
        memberId: await memberId(owner.workspaceId, bob.userId),
        role: "viewer",
        organizationId: owner.workspaceId,
      }),
    );
    expect(res.status).toBe(200);
    const updated = await room.waitFor<{ payload: { principal: Principal } }>(
      (f) => f.event === "principal.updated",
      1000,
    );
    expect(updated.payload.principal).toMatchObject({ id: bob.userId, role: "viewer", scopes: ["read"] });
    expect(await room.call("threads.create", { title: "as viewer", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(room.closed).toBeNull();
    // The canvas: bob's note never reaches anyone; the owner's marker proves the room read past it.
    const owners = await openCanvas(owner.workspaceId, { cookie: owner.cookie });
    await until(() => owners.synced, "owner synced");
    const note = (id: string) => noteNode(id, id);
    canvas.doc.transact(() => writeNode(canvas.doc, note("note:bob")));
    owners.doc.transact(() => writeNode(owners.doc, note("note:owner")));
    const fresh = await openCanvas(owner.workspaceId, { cookie: owner.cookie });
    await until(() => nodesMap(fresh.doc).has("note:owner"), "owner's write arrived");
    expect(nodesMap(fresh.doc).has("note:bob")).toBe(false);
    expect(canvas.closed).toBeNull();
    expect((await auditOf(owner)).find((e) => e.action === "member.role_changed")).toMatchObject({
      targetId: bob.userId,
      details: { role: "viewer" },
    });
    for (const c of [canvas, owners, fresh]) c.close();
    room.close();
  });

  it("a connect ticket minted before its key was revoked opens nothing", async () => {
    const owner = await signUp();
    const agent = await createKey(owner, owner.workspaceId);
    const minted = await keyTicket(agent.key, owner.workspaceId);
    expect(minted.status).toBe(201);
    await api(`/api/workspaces/${owner.workspaceId}/keys/${agent.id}`, { method: "DELETE", cookie: owner.cookie });
    const s = await RawSocket.open(owner.workspaceId, { ticket: minted.body.ticket });
    expect((await s.waitClosed()).code).toBe(4001);
    expect(s.events("hello")).toHaveLength(0);
    s.close();
  });

  it("keeps better-auth's key creation closed: keys are made through the workspace's route", async () => {
    const owner = await signUp();
    const res = await api<{ error: { code: string } }>(
      "/api/auth/api-key/create",
      post(owner.cookie, { name: "x", organizationId: owner.workspaceId }),
    );
    expect(res.status).toBe(404);
  });
});

describe("people decide risky actions", () => {
  it("an agent key with approve cannot approve its own instances.provision; a person can", async () => {
    const owner = await signUp();
    const agent = await createKey(owner, owner.workspaceId, ["read", "write", "approve"]);
    const [g, o] = await connected(owner.workspaceId, { key: agent.key }, { cookie: owner.cookie });
    const { approval } = await g.ok("instances.provision", { instanceId: "work", idempotencyKey: idem() });
    const own = await g.call("approvals.resolve", decisionOn(approval.id, "approve"));
    expect(own).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringMatching(/only a person/) },
    });
    expect((await o.ok("approvals.get", { approvalId: approval.id })).approval.status).toBe("pending");
    // Nor can the person who asked for an operation wave it through alone.
    const mine = await o.ok("instances.provision", { instanceId: "mine", idempotencyKey: idem() });
    expect(await o.call("approvals.resolve", decisionOn(mine.approval.id, "approve"))).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    // A plain request from an agent to humans: another agent with approve may decide it, the asker may not.
    const plain = await g.ok("approvals.request", { title: "ship?", idempotencyKey: idem() });
    expect(await g.call("approvals.resolve", decisionOn(plain.approval.id, "approve"))).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    const other = await createKey(owner, owner.workspaceId, ["read", "approve"], "reviewer");
    const r = await RawSocket.open(owner.workspaceId, { key: other.key });
    await r.hello();
    expect((await r.ok("approvals.resolve", decisionOn(plain.approval.id, "approve"))).approval.status).toBe(
      "approved",
    );
    // The person decides the agent's provision.
    expect((await o.ok("approvals.resolve", decisionOn(approval.id, "approve"))).approval.status).toBe("approved");
    for (const s of [g, o, r]) s.close();
  });
});

describe("cookie requests only from the app's own origin", () => {
  it("refuses a cookie WebSocket upgrade from a foreign Origin in both rooms; the app's origin and key sockets pass", async () => {
    const owner = await signUp();
    const foreign = await RawSocket.open(
      owner.workspaceId,
      { cookie: owner.cookie },
      {},
      { origin: "https://evil.example" },
    );
    expect((await foreign.waitClosed()).code).toBe(4003);
    foreign.close();
    const canvas = await openCanvas(owner.workspaceId, { cookie: owner.cookie }, { origin: "https://evil.example" });
    await until(() => canvas.closed !== null, "foreign canvas refused");
    expect(canvas.closed!.code).toBe(4003);
    canvas.close();
    const own = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, {}, { origin: ORIGIN });
    await own.hello();
    own.close();
    const agent = await createKey(owner, owner.workspaceId);
    const byKey = await RawSocket.open(owner.workspaceId, { key: agent.key }, {}, { origin: "https://evil.example" });
    await byKey.hello();
    byKey.close();
  });

  it("refuses cookie writes from a foreign Origin or with a non-JSON body; key requests are unaffected", async () => {
    const owner = await signUp();
    const path = `/api/workspaces/${owner.workspaceId}/keys`;
    const foreign = await api<{ error: { code: string; message: string } }>(path, {
      ...post(owner.cookie, { name: "x" }),
      headers: { origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toMatch(/origin/);
    // A form-like text/plain body from the app's own origin: still refused (no JSON, no write).
    const res = await postText(path, owner.cookie, JSON.stringify({ name: "x" }));
    expect(res.status).toBe(403);
    const keys = await api<{ keys: unknown[] }>(path, { cookie: owner.cookie });
    expect(keys.body.keys).toEqual([]);
    const agent = await createKey(owner, owner.workspaceId);
    const ticket = await api("/api/connect-ticket", {
      method: "POST",
      headers: { "x-api-key": agent.key, origin: "https://evil.example" },
      body: JSON.stringify({ workspaceId: owner.workspaceId }),
    });
    expect(ticket.status).toBe(201);
  });
});

/** A POST whose content type is text/plain (the harness always sends JSON). */
function postText(path: string, cookie: string, body: string): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { cookie, origin: ORIGIN, "content-type": "text/plain" },
    body,
  });
}
