// The auth HTTP API's contract: routes, status codes, error bodies and the checks in
// front of each route. Written against the hand-written router and kept for the Hono one.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, api, createKey, type Person, signUp, uniq } from "../test/harness";

type ErrorBody = { error: { code: string; message: string } };

const post = (cookie: string | undefined, body: unknown) => ({
  method: "POST",
  ...(cookie ? { cookie } : {}),
  body: JSON.stringify(body),
});

async function team() {
  const owner = await signUp();
  const admin = await signUp();
  const member = await signUp();
  const ws = owner.workspaceId;
  expect((await addMember(owner, ws, admin, "admin")).status).toBe(201);
  expect((await addMember(owner, ws, member, "member")).status).toBe(201);
  return { owner, admin, member, ws };
}

describe("auth HTTP API", () => {
  it("answers health without a session and refuses everything else without one", async () => {
    const health = await api<{ ok: boolean }>("/api/health");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true });
    expect(health.headers.get("cache-control")).toBe("no-store");
    for (const path of ["/api/me", "/api/workspaces/x/keys", "/api/no-such-route"]) {
      const res = await api<ErrorBody>(path);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: "unauthenticated", message: "sign in first" } });
    }
  });

  it("answers an unknown route with a session as not_found naming method and path", async () => {
    const alice = await signUp();
    const unknown = await api<ErrorBody>("/api/no-such-route", { cookie: alice.cookie });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: "not_found", message: "no route for GET /api/no-such-route" } });
    const wrongMethod = await api<ErrorBody>(`/api/workspaces/${alice.workspaceId}/keys`, {
      method: "PUT",
      cookie: alice.cookie,
      body: "{}",
    });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.body.error.message).toBe(`no route for PUT /api/workspaces/${alice.workspaceId}/keys`);
    const ticketByGet = await api<ErrorBody>("/api/connect-ticket", { cookie: alice.cookie });
    expect(ticketByGet.status).toBe(404);
  });

  it("describes who is signed in and their workspaces", async () => {
    const alice = await signUp();
    const me = await api<{
      user: { id: string; name: string; email: string; emailVerified: boolean };
      workspaces: { id: string; name: string; slug: string; role: string }[];
    }>("/api/me", {
      cookie: alice.cookie,
    });
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ id: alice.userId, name: alice.name, email: alice.email, emailVerified: true });
    expect(me.body.workspaces).toHaveLength(1);
    expect(me.body.workspaces[0]).toMatchObject({ id: alice.workspaceId, role: "owner" });
    expect(typeof me.body.workspaces[0]!.slug).toBe("string");
  });

  it("issues connect tickets only to a member or a key of the workspace", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const bad = await api<ErrorBody>("/api/connect-ticket", post(alice.cookie, { workspace: alice.workspaceId }));
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: { code: "bad_request", message: "expected {workspaceId}" } });
    const anonymous = await api<ErrorBody>("/api/connect-ticket", post(undefined, { workspaceId: alice.workspaceId }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthenticated");
    const foreign = await api<ErrorBody>("/api/connect-ticket", post(bob.cookie, { workspaceId: alice.workspaceId }));
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({ error: { code: "forbidden", message: "not a member of this workspace" } });
    const badKey = await api<ErrorBody>("/api/connect-ticket", {
      ...post(undefined, { workspaceId: alice.workspaceId }),
      headers: { "x-api-key": "ap_nope" },
    });
    expect(badKey.status).toBe(401);
    expect(badKey.body.error.message).toBe("invalid or revoked API key");
    const issued = await api<{ ticket: string; expiresAt: number }>(
      "/api/connect-ticket",
      post(alice.cookie, { workspaceId: alice.workspaceId }),
    );
    expect(issued.status).toBe(201);
    expect(issued.body.ticket).toMatch(/^tk_[0-9a-f]{64}$/);
    expect(issued.body.expiresAt).toBeGreaterThan(Date.now());
  });

  it("lists and adds members with the role rules", async () => {
    const { owner, admin, member, ws } = await team();
    const outsider = await signUp();
    expect((await api<ErrorBody>(`/api/workspaces/${ws}/members`, { cookie: outsider.cookie })).status).toBe(404);
    const listed = await api<{ members: { userId: string; name: string; email: string; role: string }[] }>(
      `/api/workspaces/${ws}/members`,
      { cookie: member.cookie },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.members.map((m) => [m.userId, m.role])).toEqual([
      [owner.userId, "owner"],
      [admin.userId, "admin"],
      [member.userId, "member"],
    ]);

    const newcomer = await signUp();
    const byMember = await addMember(member, ws, newcomer, "viewer");
    expect(byMember.status).toBe(403);
    expect(byMember.body).toEqual({ error: { code: "forbidden", message: "only owners and admins can do this" } });
    const byOutsider = await addMember(outsider, ws, newcomer, "viewer");
    expect(byOutsider.status).toBe(404);
    expect(byOutsider.body).toEqual({ error: { code: "not_found", message: "no such workspace" } });
    const ownerByAdmin = await addMember(admin, ws, newcomer, "owner");
    expect(ownerByAdmin.status).toBe(403);
    expect(ownerByAdmin.body).toEqual({ error: { code: "forbidden", message: "only owners can add owners" } });
    const badRole = await api<ErrorBody>(
      `/api/workspaces/${ws}/members`,
      post(owner.cookie, { email: newcomer.email, role: "king" }),
    );
    expect(badRole.status).toBe(400);
    expect(badRole.body).toEqual({
      error: { code: "bad_request", message: "expected {email, role: owner|admin|member|viewer}" },
    });
    const nobody = await api<ErrorBody>(
      `/api/workspaces/${ws}/members`,
      post(owner.cookie, { email: `${uniq("nobody")}@example.test` }),
    );
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.message).toBe("no account with that email: ask them to sign up first");

    // The role defaults to member; the email matches case-insensitively.
    const added = await api<{ member: { userId: string; email: string; role: string } }>(
      `/api/workspaces/${ws}/members`,
      post(admin.cookie, { email: newcomer.email.toUpperCase() }),
    );
    expect(added.status).toBe(201);
    expect(added.body.member).toEqual({ userId: newcomer.userId, email: newcomer.email.toUpperCase(), role: "member" });
    const again = await addMember(owner, ws, newcomer, "viewer");
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: { code: "conflict", message: "already a member of this workspace" } });
  });

  it("creates, lists and revokes keys for owners and admins only", async () => {
    const { owner, admin, member, ws } = await team();
    const other: Person = await signUp();
    expect((await api<ErrorBody>(`/api/workspaces/${ws}/keys`, { cookie: member.cookie })).status).toBe(403);
    expect((await api<ErrorBody>(`/api/workspaces/${ws}/keys`, { cookie: other.cookie })).status).toBe(404);

    for (const body of [
      { name: "" },
      { name: "x".repeat(33) },
      { name: "ok", scopes: [] },
      { name: "ok", scopes: ["root"] },
    ]) {
      const res = await api<ErrorBody>(`/api/workspaces/${ws}/keys`, post(admin.cookie, body));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: { code: "bad_request", message: "expected {name (1-32 chars), scopes?: (read|write|approve|admin)[]}" },
      });
    }
    const notJson = await api<ErrorBody>(`/api/workspaces/${ws}/keys`, {
      method: "POST",
      cookie: admin.cookie,
      body: "{name",
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("bad_request");

    const created = await api<{ id: string; key: string; name: string; start: string; scopes: string[] }>(
      `/api/workspaces/${ws}/keys`,
      post(admin.cookie, { name: "  ci-bot  " }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "ci-bot", scopes: ["read", "write"] });
    expect(created.body.key.startsWith(created.body.start)).toBe(true);
    const approver = await createKey(owner, ws, ["read", "approve"], "approver");

    const listed = await api<{
      keys: { id: string; name: string; start: string; scopes: string[]; createdAt: string }[];
    }>(`/api/workspaces/${ws}/keys`, { cookie: owner.cookie });
    expect(listed.status).toBe(200);
    expect(listed.body.keys.map((k) => [k.id, k.name, k.scopes])).toEqual([
      [approver.id, "approver", ["read", "approve"]],
      [created.body.id, "ci-bot", ["read", "write"]],
    ]);
    // Never the secret: its first characters, and when it was made and last used (not yet: null).
    expect(Object.keys(listed.body.keys[0]!).sort()).toEqual([
      "createdAt",
      "id",
      "lastUsedAt",
      "name",
      "scopes",
      "start",
    ]);
    expect(listed.body.keys.map((k) => (k as { lastUsedAt?: unknown }).lastUsedAt)).toEqual([null, null]);

    const foreignKey = await createKey(other, other.workspaceId);
    const wrongWorkspace = await api<ErrorBody>(`/api/workspaces/${ws}/keys/${foreignKey.id}`, {
      method: "DELETE",
      cookie: owner.cookie,
    });
    expect(wrongWorkspace.status).toBe(404);
    expect(wrongWorkspace.body).toEqual({ error: { code: "not_found", message: "no such key in this workspace" } });
    expect(
      (
        await api<ErrorBody>(`/api/workspaces/${ws}/keys/${created.body.id}`, {
          method: "DELETE",
          cookie: member.cookie,
        })
      ).status,
    ).toBe(403);
    const revoked = await api<{ revoked: string }>(`/api/workspaces/${ws}/keys/${created.body.id}`, {
      method: "DELETE",
      cookie: admin.cookie,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ revoked: created.body.id });
    const after = await api<{ keys: { id: string }[] }>(`/api/workspaces/${ws}/keys`, { cookie: owner.cookie });
    expect(after.body.keys.map((k) => k.id)).toEqual([approver.id]);
  });

  it("lists are whole past better-auth's default page of 100 rows, and a workspace past its default 100 members takes one more", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const db = (env as unknown as { DB: D1Database }).DB;
    const now = new Date().toISOString();
    const n = 130;
    const ids = Array.from({ length: n }, (_, i) => `${ws}-many-${i}`);
    await db.batch(
      ids.flatMap((id, i) => [
        db
          .prepare(
            `insert into "user" ("id", "name", "email", "emailVerified", "createdAt", "updatedAt") values (?, ?, ?, 1, ?, ?)`,
          )
          .bind(id, `many ${i}`, `${id}@example.test`, now, now),
        db
          .prepare(
            `insert into "member" ("id", "organizationId", "userId", "role", "createdAt") values (?, ?, ?, 'viewer', ?)`,
          )
          .bind(`m-${id}`, ws, id, now),
        db
          .prepare(
            `insert into "apikey" ("id", "configId", "name", "referenceId", "key", "enabled", "createdAt", "updatedAt", "metadata") values (?, 'default', ?, ?, ?, 1, ?, ?, null)`,
          )
          .bind(`k-${id}`, `key ${i}`, ws, `hash-${id}`, now, now),
      ]),
    );
    const members = await api<{ members: { userId: string }[] }>(`/api/workspaces/${ws}/members`, {
      cookie: owner.cookie,
    });
    expect(members.body.members).toHaveLength(n + 1);
    const keys = await api<{ keys: { id: string }[] }>(`/api/workspaces/${ws}/keys`, { cookie: owner.cookie });
    expect(keys.body.keys).toHaveLength(n);
    // Seats are the plan's (this project's default has no limit): better-auth's own cap of 100
    // members, agents' accounts included, is not a second, hidden one.
    const newcomer = await signUp();
    expect((await addMember(owner, ws, newcomer, "member")).status).toBe(201);
  });
});
