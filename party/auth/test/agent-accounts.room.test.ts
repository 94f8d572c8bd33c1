// Agents as users: `POST /api/agent/signup` (a new agent account with its own workspace,
// or a key in a workspace by a one-time invitation), the app signed in with a key (an
// HttpOnly session that is exactly as good as the key), and what such a session may do.
import { describe, expect, it } from "vitest";
import { AGENT_AUTH_MAX } from "../rate-limits";
import { api, createKey, idem, RawSocket, signUp } from "../../test/harness";
import { node, openCanvas, until } from "../../test/hatchery-harness";
import { domainNodeId, nodesMap } from "../../../shared/hatchery/graph";

type ErrorBody = { error: { code: string; message: string } };
type Signup = {
  status: string;
  workspace: { id: string; name: string };
  key: { id: string; key: string; scopes: string[] };
  message: string;
};
type Me = {
  kind: string;
  user: { id: string; name: string };
  workspaces: { id: string; role: string | null; scopes: string[] }[];
};

const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  body: JSON.stringify(body),
  headers,
});
const signup = (body: unknown, headers: Record<string, string> = {}) =>
  api<Signup & ErrorBody>("/api/agent/signup", post(body, headers));

/** Signs the app in with a key: the session cookie the server set, as a browser would send it. */
async function signInWithKey(key: string): Promise<string> {
  const res = await api<{ workspaceId: string }>("/api/agent/sign-in", post({ key }));
  expect(res.status).toBe(200);
  const cookie = res.headers.get("set-cookie")!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Lax/);
  return cookie.split(";")[0]!;
}

describe("agent sign-up", () => {
  it("makes an agent account with its own workspace and a key that owns it (read, write, admin; never approve by itself)", async () => {
    const res = await signup({ name: "Builder bot" });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("active");
    expect(res.body.key.key).toMatch(/^ap_/);
    expect(res.body.key.scopes).toEqual(["read", "write", "admin"]);
    const socket = await RawSocket.open(res.body.workspace.id, { key: res.body.key.key });
    const hello = await socket.hello();
    expect(hello.principal).toMatchObject({
      id: `agent_${res.body.key.id}`,
      kind: "agent",
      name: "Builder bot",
      scopes: ["read", "write", "admin"],
    });
    const { thread } = await socket.ok("threads.create", { title: "First plan", idempotencyKey: idem() });
    expect(thread.createdBy.id).toBe(`agent_${res.body.key.id}`);
    socket.close();
    // Each sign-up is its own account and workspace.
    const other = await signup({ name: "Builder bot" });
    expect(other.body.workspace.id).not.toBe(res.body.workspace.id);
  });

  it("refuses a bad body, and answers 429 with Retry-After after the limit from one address", async () => {
    expect((await signup({ name: "" })).status).toBe(400);
    expect((await signup({ name: "x".repeat(33) })).status).toBe(400);
    const ip = `10.200.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let i = 0; i <= AGENT_AUTH_MAX; i++)
      statuses.push((await signup({ name: `burst ${i}` }, { "cf-connecting-ip": ip })).status);
    expect(statuses).toEqual([...Array(AGENT_AUTH_MAX).fill(201), 429]);
    const refused = await signup({ name: "one more" }, { "cf-connecting-ip": ip });
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("joins a workspace by a one-time invitation, with its scopes; a used or cancelled one is refused", async () => {
    const owner = await signUp();
    const minted = await api<{ id: string; token: string; scopes: string[] }>(
      `/api/workspaces/${owner.workspaceId}/agent-invitations`,
      {
        method: "POST",
        cookie: owner.cookie,
        body: JSON.stringify({ scopes: ["read"] }),
      },
    );
    expect(minted.status).toBe(201);
    expect(minted.body.token).toMatch(/^ap_inv_/);
    const listed = await api<{ invitations: { id: string }[] }>(
      `/api/workspaces/${owner.workspaceId}/agent-invitations`,
      { cookie: owner.cookie },
    );
    expect(listed.body.invitations.map((i) => i.id)).toEqual([minted.body.id]);
    // Nobody else lists or mints them.
    const stranger = await signUp();
    expect(
      (await api(`/api/workspaces/${owner.workspaceId}/agent-invitations`, { cookie: stranger.cookie })).status,
    ).toBe(404);

    const joined = await signup({ name: "Reader", invitation: minted.body.token });
    expect(joined.status).toBe(201);
    expect(joined.body.workspace.id).toBe(owner.workspaceId);
    expect(joined.body.key.scopes).toEqual(["read"]);
    const socket = await RawSocket.open(owner.workspaceId, { key: joined.body.key.key });
    expect((await socket.hello()).principal).toMatchObject({ kind: "agent", scopes: ["read"] });
    const write = await socket.call("threads.create", { title: "no", idempotencyKey: idem() });
    expect(write.ok ? null : write.error.code).toBe("forbidden");
    socket.close();
    // Single use; the list no longer shows it; the owner's audit names the join.
    expect((await signup({ name: "Again", invitation: minted.body.token })).status).toBe(403);
    expect(
      (
        await api<{ invitations: unknown[] }>(`/api/workspaces/${owner.workspaceId}/agent-invitations`, {
          cookie: owner.cookie,
        })
      ).body.invitations,
    ).toEqual([]);
    const room = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await room.hello();
    const audit = await room.ok("audit.list", {});
    expect(
      audit.entries.some(
        (e) => e.action === "key.created" && e.targetId === joined.body.key.id && e.actor?.kind === "agent",
      ),
    ).toBe(true);
    room.close();

    const second = await api<{ id: string; token: string }>(`/api/workspaces/${owner.workspaceId}/agent-invitations`, {
      method: "POST",
      cookie: owner.cookie,
      body: "{}",
    });
    expect(
      (
        await api(`/api/workspaces/${owner.workspaceId}/agent-invitations/${second.body.id}`, {
          method: "DELETE",
          cookie: owner.cookie,
        })
      ).status,
    ).toBe(200);
    expect((await signup({ name: "Late", invitation: second.body.token })).status).toBe(403);
    expect((await signup({ name: "Forged", invitation: "ap_inv_0000" })).status).toBe(403);
  });
});

describe("the app signed in with a key", () => {
  it("is the key: /api/me names the agent and its one workspace; sockets open as the key; people-only routes say so", async () => {
    const owner = await signUp();
    const key = await createKey(owner, owner.workspaceId, ["read", "write"], "helper");
    const cookie = await signInWithKey(key.key);
    const me = await api<Me>("/api/me", { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: "agent", user: { id: `agent_${key.id}`, name: "helper" } });
    expect(me.body.workspaces).toEqual([
      expect.objectContaining({ id: owner.workspaceId, role: null, scopes: ["read", "write"] }),
    ]);
    const members = await api<{ members: { userId: string }[] }>(`/api/workspaces/${owner.workspaceId}/members`, {
      cookie,
    });
    expect(members.body.members.map((m) => m.userId)).toEqual([owner.userId]);

    const socket = await RawSocket.open(owner.workspaceId, { cookie });
    expect((await socket.hello()).principal).toMatchObject({ id: `agent_${key.id}`, kind: "agent" });
    const { thread } = await socket.ok("threads.create", { title: "From the app", idempotencyKey: idem() });
    // The canvas too, with the key's write scope: a move lands.
    const canvas = await openCanvas(owner.workspaceId, { cookie });
    const id = domainNodeId("thread", thread.id);
    await until(() => node(canvas, id) !== null, "thread on the agent's canvas");
    canvas.doc.transact(() => nodesMap(canvas.doc).get(id)!.set("x", 4242));
    const owners = await openCanvas(owner.workspaceId, { cookie: owner.cookie });
    await until(() => node(owners, id)?.x === 4242, "the agent's move reached the owner");

    // A person's own account pages are not a key's.
    for (const path of [
      "/api/invitations",
      "/api/admin/users",
      "/api/me/status",
      `/api/workspaces/${owner.workspaceId}/invitations`,
    ]) {
      const res = await api<ErrorBody>(path, { cookie });
      expect(res.status, path).toBe(403);
    }
    // Without admin it manages nothing.
    expect((await api(`/api/workspaces/${owner.workspaceId}/agent-invitations`, { cookie })).status).toBe(403);
    expect(
      (
        await api(`/api/workspaces/${owner.workspaceId}/keys`, {
          method: "POST",
          cookie,
          body: JSON.stringify({ name: "x" }),
        })
      ).status,
    ).toBe(403);
    expect(
      (await api(`/api/workspaces/${owner.workspaceId}/keys/${key.id}`, { method: "DELETE", cookie })).status,
    ).toBe(403);
    // Another workspace's room refuses it.
    const other = await signUp();
    const refused = await RawSocket.open(other.workspaceId, { cookie });
    expect((await refused.waitClosed()).code).toBe(4003);
    socket.close();
    canvas.close();
    owners.close();
  });

  it("revoking the key closes the tab's sockets in both rooms at once and ends the session", async () => {
    const owner = await signUp();
    const key = await createKey(owner, owner.workspaceId, ["read", "write"], "revocable");
    const cookie = await signInWithKey(key.key);
    const socket = await RawSocket.open(owner.workspaceId, { cookie });
    await socket.hello();
    const canvas = await openCanvas(owner.workspaceId, { cookie });
    const revoked = await api(`/api/workspaces/${owner.workspaceId}/keys/${key.id}`, {
      method: "DELETE",
      cookie: owner.cookie,
    });
    expect(revoked.status).toBe(200);
    // Closed by the time the revocation answered (revalidation is awaited).
    expect(socket.closed?.code ?? (await socket.waitClosed()).code).toBe(4001);
    await until(() => canvas.closed?.code === 4001, "canvas socket closed 4001");
    const me = await api<ErrorBody>("/api/me", { cookie });
    expect(me.status).toBe(401);
    expect(me.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    // No fall back to a person's cookie sent alongside: the key session alone decides.
    const both = await api<ErrorBody>("/api/me", { cookie: `${cookie}; ${owner.cookie}` });
    expect(both.status).toBe(401);
    const reopened = await RawSocket.open(owner.workspaceId, { cookie });
    expect((await reopened.waitClosed()).code).toBe(4001);
  });

  it("signs out; a wrong key does not sign in", async () => {
    const owner = await signUp();
    const key = await createKey(owner, owner.workspaceId);
    const cookie = await signInWithKey(key.key);
    expect((await api("/api/agent/sign-out", { method: "POST", cookie, body: "{}" })).status).toBe(200);
    expect((await api("/api/me", { cookie })).status).toBe(401);
    // A person signing in in a browser that still holds a key session ends it there.
    const again = await signInWithKey(key.key);
    const person = await api("/api/auth/sign-in/email", {
      method: "POST",
      cookie: again,
      body: JSON.stringify({ email: owner.email, password: "correct horse battery" }),
    });
    expect(person.status).toBe(200);
    expect(person.headers.getSetCookie().some((c) => /key_session=;.*Max-Age=0/.test(c))).toBe(true);
    const wrong = await api<ErrorBody>("/api/agent/sign-in", post({ key: "ap_not-a-key" }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
  });

  it("an admin key manages the workspace as an admin does: keys, members and roles, agents by invitation", async () => {
    const agent = await signup({ name: "Lead agent" });
    const ws = agent.body.workspace.id;
    const cookie = await signInWithKey(agent.body.key.key);
    const me = await api<Me>("/api/me", { cookie });
    expect(me.body.workspaces[0]).toMatchObject({ id: ws, scopes: ["read", "write", "admin"] });
    // Another agent, by invitation.
    const minted = await api<{ token: string }>(`/api/workspaces/${ws}/agent-invitations`, {
      method: "POST",
      cookie,
      body: JSON.stringify({ scopes: ["read", "write"] }),
    });
    expect(minted.status).toBe(201);
    const helper = await signup({ name: "Helper", invitation: minted.body.token });
    expect(helper.status).toBe(201);
    expect(helper.body.workspace.id).toBe(ws);
    const socket = await RawSocket.open(ws, { key: helper.body.key.key });
    expect((await socket.hello()).principal).toMatchObject({
      kind: "agent",
      name: "Helper",
      scopes: ["read", "write"],
    });

    // Keys: create, list, rotate, revoke; the helper's socket closes when its key goes.
    const created = await api<{ id: string; key: string }>(`/api/workspaces/${ws}/keys`, {
      method: "POST",
      cookie,
      body: JSON.stringify({ name: "ci", scopes: ["read"] }),
    });
    expect(created.status).toBe(201);
    const rotated = await api<{ id: string; key: string }>(`/api/workspaces/${ws}/keys/${created.body.id}/rotate`, {
      method: "POST",
      cookie,
      body: "{}",
    });
    expect(rotated.status).toBe(201);
    const keys = await api<{ keys: { id: string }[] }>(`/api/workspaces/${ws}/keys`, { cookie });
    expect(keys.body.keys.map((k) => k.id)).toEqual(
      expect.arrayContaining([rotated.body.id, helper.body.key.id, agent.body.key.id]),
    );
    expect(keys.body.keys.map((k) => k.id)).not.toContain(created.body.id);
    expect((await api(`/api/workspaces/${ws}/keys/${helper.body.key.id}`, { method: "DELETE", cookie })).status).toBe(
      200,
    );
    expect(socket.closed?.code ?? (await socket.waitClosed()).code).toBe(4001);

    // Members: add a verified person, change their role, remove them; owners stay out of reach.
    const person = await signUp();
    expect(
      (
        await api(`/api/workspaces/${ws}/members`, {
          method: "POST",
          cookie,
          body: JSON.stringify({ email: person.email, role: "member" }),
        })
      ).status,
    ).toBe(201);
    const personSocket = await RawSocket.open(ws, { cookie: person.cookie });
    expect((await personSocket.hello()).principal).toMatchObject({ role: "member" });
    expect(
      (
        await api(`/api/workspaces/${ws}/members/${person.userId}`, {
          method: "PATCH",
          cookie,
          body: JSON.stringify({ role: "viewer" }),
        })
      ).status,
    ).toBe(200);
    await until(
      () => personSocket.frames.some((f) => f.type === "event" && f.event === "principal.updated"),
      "the person is told their new role",
    );
    const owner = (
      await api<{ members: { userId: string; role: string }[] }>(`/api/workspaces/${ws}/members`, { cookie })
    ).body.members.find((m) => m.role === "owner")!;
    expect((await api(`/api/workspaces/${ws}/members/${owner.userId}`, { method: "DELETE", cookie })).status).toBe(403);
    expect((await api(`/api/workspaces/${ws}/members/${person.userId}`, { method: "DELETE", cookie })).status).toBe(
      200,
    );
    expect((await personSocket.waitClosed()).code).toBe(4003);
    const room = await RawSocket.open(ws, { cookie });
    await room.hello();
    const audit = await room.ok("audit.list", {});
    for (const action of [
      "key.created",
      "key.rotated",
      "key.revoked",
      "member.added",
      "member.role_changed",
      "member.removed",
    ]) {
      expect(
        audit.entries.some((e) => e.action === action && e.actor?.id === `agent_${agent.body.key.id}`),
        action,
      ).toBe(true);
    }
    // The log names the key revoked or rotated, not only its id.
    for (const action of ["key.rotated", "key.revoked"])
      expect(audit.entries.find((e) => e.action === action)?.details.name, action).toEqual(expect.any(String));
    room.close();
    // A key without admin manages nothing; e-mail invitations stay a person's.
    const plain = await signInWithKey(rotated.body.key);
    expect((await api(`/api/workspaces/${ws}/keys`, { cookie: plain })).status).toBe(403);
    expect(
      (
        await api(`/api/workspaces/${ws}/invitations`, {
          method: "POST",
          cookie,
          body: JSON.stringify({ email: "x@example.test", role: "member" }),
        })
      ).status,
    ).toBe(403);
  });
});

describe("what an agent's key cannot outlive or mix with", () => {
  it("an admin key manages only while whoever minted it still manages the workspace", async () => {
    const owner = await signUp();
    const paula = await signUp();
    expect(
      (
        await api(`/api/workspaces/${owner.workspaceId}/members`, {
          method: "POST",
          cookie: owner.cookie,
          body: JSON.stringify({ email: paula.email, role: "admin" }),
        })
      ).status,
    ).toBe(201);
    const key = await createKey(paula, owner.workspaceId, ["admin"], "paula-bot");
    const cookie = await signInWithKey(key.key);
    const invite = () =>
      api<ErrorBody>(`/api/workspaces/${owner.workspaceId}/agent-invitations`, { method: "POST", cookie, body: "{}" });
    expect((await invite()).status).toBe(201);
    // Paula is demoted: her key no longer manages (and cannot put her back as admin).
    expect(
      (
        await api(`/api/workspaces/${owner.workspaceId}/members/${paula.userId}`, {
          method: "PATCH",
          cookie: owner.cookie,
          body: JSON.stringify({ role: "member" }),
        })
      ).status,
    ).toBe(200);
    const refused = await invite();
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/no longer manages/);
    expect(
      (
        await api(`/api/workspaces/${owner.workspaceId}/members/${paula.userId}`, {
          method: "PATCH",
          cookie,
          body: JSON.stringify({ role: "admin" }),
        })
      ).status,
    ).toBe(403);
  });

  it("revoking a key takes its open invitations with it", async () => {
    const owner = await signUp();
    const key = await createKey(owner, owner.workspaceId, ["admin"], "minter");
    const cookie = await signInWithKey(key.key);
    const minted = await api<{ token: string }>(`/api/workspaces/${owner.workspaceId}/agent-invitations`, {
      method: "POST",
      cookie,
      body: "{}",
    });
    expect(minted.status).toBe(201);
    expect(
      (await api(`/api/workspaces/${owner.workspaceId}/keys/${key.id}`, { method: "DELETE", cookie: owner.cookie }))
        .status,
    ).toBe(200);
    expect((await signup({ name: "Too late", invitation: minted.body.token })).status).toBe(403);
  });

  it("a tab signed in with a key gets connect tickets as the key and reaches no person's better-auth session", async () => {
    const owner = await signUp();
    const key = await createKey(owner, owner.workspaceId, ["read"], "ticketed");
    const both = `${await signInWithKey(key.key)}; ${owner.cookie}`;
    const ticket = await api<{ ticket: string }>("/api/connect-ticket", {
      method: "POST",
      cookie: both,
      body: JSON.stringify({ workspaceId: owner.workspaceId }),
    });
    expect(ticket.status).toBe(201);
    const socket = await RawSocket.open(owner.workspaceId, { ticket: ticket.body.ticket });
    expect((await socket.hello()).principal).toMatchObject({ id: `agent_${key.id}`, kind: "agent", scopes: ["read"] });
    socket.close();
    const session = await api<ErrorBody>("/api/auth/get-session", { cookie: both });
    expect(session.status).toBe(403);
    expect(session.body.error.message).toMatch(/signed in with an agent's key/);
  });
});
