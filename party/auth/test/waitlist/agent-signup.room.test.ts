// Agent sign-up when sign-up is a waitlist (the "waitlist" project): a new agent account
// waits like a person's, its key opens nothing until an operator approves it in /admin,
// and an invitation from an active workspace's manager skips the wait.
import { describe, expect, it } from "vitest";
import { api, RawSocket } from "../../../test/harness";

const OPERATOR_EMAIL = "operator@ops.test";
const PASSWORD = "correct horse battery";
type ErrorBody = { error: { code: string; message: string } };
type Signup = { status: string; workspace: { id: string }; key: { id: string; key: string } };

const post = (body: unknown, cookie?: string) => ({
  method: "POST",
  body: JSON.stringify(body),
  ...(cookie ? { cookie } : {}),
});

async function operatorCookie(): Promise<string> {
  // The operator may exist already (the other file of this project signs them up).
  const up = await api(
    "/api/auth/sign-up/email",
    post({ email: OPERATOR_EMAIL, password: PASSWORD, name: "operator" }),
  );
  const res =
    up.status === 200 ? up : await api("/api/auth/sign-in/email", post({ email: OPERATOR_EMAIL, password: PASSWORD }));
  expect(res.status).toBe(200);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

describe("agent sign-up on a waitlist", () => {
  it("waits for an operator: until approved its key opens no room and signs in to nothing", async () => {
    const res = await api<Signup>("/api/agent/signup", post({ name: "Patient bot" }));
    expect(res.status).toBe(202);
    expect(res.body.status).toBe("waitlisted");
    const refusal = "this account is on the waitlist: an operator has not approved it yet";
    const socket = await RawSocket.open(res.body.workspace.id, { key: res.body.key.key });
    expect(await socket.waitClosed()).toEqual({ code: 4003, reason: refusal });
    const signIn = await api<ErrorBody>("/api/agent/sign-in", post({ key: res.body.key.key }));
    expect(signIn.status).toBe(403);
    expect(signIn.body.error.message).toBe(refusal);

    const operator = await operatorCookie();
    const users = await api<{ users: { id: string; name: string; status: string }[] }>("/api/admin/users", {
      cookie: operator,
    });
    const account = users.body.users.find((u) => u.name === "Patient bot" && u.status === "waitlisted");
    expect(account).toBeDefined();
    expect((await api(`/api/admin/users/${account!.id}/approve`, post({}, operator))).status).toBe(200);

    const after = await RawSocket.open(res.body.workspace.id, { key: res.body.key.key });
    expect((await after.hello()).principal).toMatchObject({ kind: "agent", name: "Patient bot" });
    after.close();
    // Approving gave it no second workspace: it owns the one it signed up with.
    const cookie = (await api("/api/agent/sign-in", post({ key: res.body.key.key }))).headers
      .get("set-cookie")!
      .split(";")[0]!;
    const me = await api<{ workspaces: { id: string }[] }>("/api/me", { cookie });
    expect(me.body.workspaces.map((w) => w.id)).toEqual([res.body.workspace.id]);
  });

  it("an invitation from an active workspace skips the wait", async () => {
    const operator = await operatorCookie();
    const ws = (await api<{ workspaces: { id: string }[] }>("/api/me", { cookie: operator })).body.workspaces[0]!.id;
    const minted = await api<{ token: string }>(`/api/workspaces/${ws}/agent-invitations`, post({}, operator));
    expect(minted.status).toBe(201);
    const res = await api<Signup>("/api/agent/signup", post({ name: "Invited bot", invitation: minted.body.token }));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("active");
    const socket = await RawSocket.open(ws, { key: res.body.key.key });
    expect((await socket.hello()).principal).toMatchObject({
      kind: "agent",
      name: "Invited bot",
      scopes: ["read", "write"],
    });
    socket.close();
  });

  it("disabling an agent's account stops every key it made, not only the one it signed up with", async () => {
    const operator = await operatorCookie();
    const res = await api<Signup>("/api/agent/signup", post({ name: "Prolific bot" }));
    const users = await api<{ users: { id: string; name: string; status: string }[] }>("/api/admin/users", {
      cookie: operator,
    });
    const account = users.body.users.find((u) => u.name === "Prolific bot" && u.status === "waitlisted")!;
    expect((await api(`/api/admin/users/${account.id}/approve`, post({}, operator))).status).toBe(200);
    const cookie = (await api("/api/agent/sign-in", post({ key: res.body.key.key }))).headers
      .get("set-cookie")!
      .split(";")[0]!;
    const made = await api<{ id: string; key: string }>(
      `/api/workspaces/${res.body.workspace.id}/keys`,
      post({ name: "second", scopes: ["read", "write"] }, cookie),
    );
    expect(made.status).toBe(201);
    const rotated = await api<{ key: string }>(
      `/api/workspaces/${res.body.workspace.id}/keys/${made.body.id}/rotate`,
      post({}, cookie),
    );
    expect(rotated.status).toBe(201);
    const minted = await api<{ token: string }>(
      `/api/workspaces/${res.body.workspace.id}/agent-invitations`,
      post({}, cookie),
    );
    const joined = await api<Signup>("/api/agent/signup", post({ name: "Its helper", invitation: minted.body.token }));
    expect(joined.status).toBe(201);
    const open = await RawSocket.open(res.body.workspace.id, { key: rotated.body.key });
    await open.hello();

    expect((await api(`/api/admin/users/${account.id}/disable`, post({}, operator))).status).toBe(200);
    expect((await open.waitClosed()).code).toBe(4003);
    for (const key of [res.body.key.key, rotated.body.key, joined.body.key.key]) {
      const socket = await RawSocket.open(res.body.workspace.id, { key });
      expect(await socket.waitClosed()).toEqual({ code: 4003, reason: "this account is disabled" });
    }
  });
});
