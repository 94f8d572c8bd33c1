// Waitlist and operators, in a Worker configured with SIGNUP_MODE=waitlist and
// ADMIN_EMAILS (the "waitlist" project of vitest.worker.config.ts): a waitlisted person
// can sign in and nothing else, an operator approves, disables and re-enables accounts
// through /api/admin, and each decision reaches sign-in, the API and both rooms' gates.
import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { accountStatus } from "../../account-status";
import { STATUS_WATCH_MAX_MS, waitForStatusChange } from "../../status-watch";
import type { Env } from "../../../env";
import { newUserFields, signupPolicy } from "../../signup-policy";
import { addMember, api, followMailLink, ORIGIN, RawSocket, uniq, untilReal } from "../../../test/harness";

const OPERATOR_EMAIL = "operator@ops.test";
const workerEnv = env as unknown as Env;
const PASSWORD = "correct horse battery";

type ErrorBody = { error: { code: string; message: string } };
type Me = {
  user: { id: string };
  workspaces: { id: string; role: string }[];
  account: { status: string; operator: boolean };
};
type AdminUser = { id: string; email: string; status: string; operator: boolean; emailVerified: boolean };
interface Account {
  cookie: string;
  userId: string;
  email: string;
}

const json = (cookie: string | undefined, body: unknown) => ({
  method: "POST",
  ...(cookie ? { cookie } : {}),
  body: JSON.stringify(body),
});

async function signUpAs(email: string): Promise<Account> {
  const res = await api<{ user: { id: string } }>(
    "/api/auth/sign-up/email",
    json(undefined, { email, password: PASSWORD, name: email.split("@")[0] }),
  );
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { cookie: res.headers.get("set-cookie")!.split(";")[0]!, userId: res.body.user.id, email };
}

const signIn = (email: string) =>
  api<{ message?: string; code?: string }>("/api/auth/sign-in/email", json(undefined, { email, password: PASSWORD }));
const me = (a: Account) => api<Me>("/api/me", { cookie: a.cookie });
const act = (operator: Account, userId: string, action: "approve" | "disable" | "enable") =>
  api<{ user: AdminUser } & ErrorBody>(`/api/admin/users/${userId}/${action}`, json(operator.cookie, {}));

async function openHatchery(workspaceId: string, cookie: string): Promise<{ code: number; reason: string } | "open"> {
  const res = await SELF.fetch(`${ORIGIN}/parties/hatchery/${workspaceId}`, {
    headers: { upgrade: "websocket", cookie },
  });
  const ws = res.webSocket!;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })),
  );
  // Once the Hatchery has accepted a socket it speaks first (its sync step 1, binary); a
  // refusal is a close, with at most a text frame before it.
  const opened = new Promise<"open">((resolve) =>
    ws.addEventListener("message", (e) => typeof e.data !== "string" && resolve("open")),
  );
  ws.accept();
  const outcome = await Promise.race([closed, opened]);
  if (outcome === "open") ws.close(1000, "bye");
  return outcome;
}

let operator: Account;
let operatorWorkspace: string;

/** The operator's account: made here, or signed in to when another file of this project (one D1) made it first. */
async function operatorAccount(): Promise<Account> {
  const up = await api<{ user: { id: string } }>(
    "/api/auth/sign-up/email",
    json(undefined, { email: OPERATOR_EMAIL, password: PASSWORD, name: "operator" }),
  );
  const res =
    up.status === 200
      ? up
      : await api<{ user: { id: string } }>(
          "/api/auth/sign-in/email",
          json(undefined, { email: OPERATOR_EMAIL, password: PASSWORD }),
        );
  if (res.status !== 200) throw new Error(`operator sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { cookie: res.headers.get("set-cookie")!.split(";")[0]!, userId: res.body.user.id, email: OPERATOR_EMAIL };
}

beforeAll(async () => {
  operator = await operatorAccount();
  operatorWorkspace = (await me(operator)).body.workspaces[0]!.id;
});

describe("signup policy (plain functions)", () => {
  it("reads the mode and the operators, failing closed on an unknown mode", () => {
    expect(signupPolicy({}).mode).toBe("open");
    expect(signupPolicy({ SIGNUP_MODE: " Waitlist " }).mode).toBe("waitlist");
    expect(signupPolicy({ SIGNUP_MODE: "opne" }).mode).toBe("waitlist");
    const policy = signupPolicy({ SIGNUP_MODE: "waitlist", ADMIN_EMAILS: " Ops@Example.test, ,b@x.test" });
    expect([...policy.operatorEmails]).toEqual(["ops@example.test", "b@x.test"]);
    expect(newUserFields(policy, "OPS@example.test ")).toEqual({ waitlisted: false, role: "admin" });
    expect(newUserFields(policy, "someone@example.test")).toEqual({ waitlisted: true });
    expect(newUserFields(signupPolicy({ SIGNUP_MODE: "open" }), "someone@example.test")).toEqual({ waitlisted: false });
  });

  it("derives the status: disabled wins, an expired ban does not count", () => {
    const now = Date.parse("2026-11-23T00:00:00Z");
    expect(accountStatus({}, now)).toBe("active");
    expect(accountStatus({ waitlisted: 1 }, now)).toBe("waitlisted");
    expect(accountStatus({ waitlisted: true, banned: true }, now)).toBe("disabled");
    expect(accountStatus({ banned: 1, banExpires: "2026-11-22T00:00:00Z" }, now)).toBe("active");
    expect(accountStatus({ banned: 1, banExpires: now + 1000 }, now)).toBe("disabled");
  });
});

describe("waitlist", () => {
  it("an operator (ADMIN_EMAILS) is active at once, owns a personal workspace and sees /admin", async () => {
    const { body } = await me(operator);
    expect(body.account).toEqual({ status: "active", operator: true });
    expect(body.workspaces).toEqual([expect.objectContaining({ role: "owner" })]);
    const users = await api<{ users: AdminUser[] }>("/api/admin/users", { cookie: operator.cookie });
    expect(users.status).toBe(200);
    expect(users.body.users.find((u) => u.email === OPERATOR_EMAIL)).toMatchObject({
      status: "active",
      operator: true,
      emailVerified: false,
    });
  });

  it("a waitlisted person can sign in, but no API route, better-auth endpoint or room lets them in", async () => {
    const waiting = await signUpAs(`${uniq("wait")}@example.test`);
    // Verifying their address stays open to them while they wait (adding a member needs it).
    expect((await followMailLink(waiting.cookie, /^Verify your e-mail/)).status).toBe(302);
    const { body } = await me(waiting);
    expect(body.account).toEqual({ status: "waitlisted", operator: false });
    expect(body.workspaces).toEqual([]); // no personal workspace until approved
    const again = await signIn(waiting.email);
    expect(again.status).toBe(200);

    const refusal = "this account is on the waitlist: an operator has not approved it yet";
    // Even as a member of someone's workspace, they reach nothing in it.
    expect((await addMember(operator, operatorWorkspace, waiting, "member")).status).toBe(201);
    for (const [path, init] of [
      [`/api/workspaces/${operatorWorkspace}/members`, { cookie: waiting.cookie }],
      [`/api/workspaces/${operatorWorkspace}/keys`, json(waiting.cookie, { name: "sneaky" })],
      ["/api/admin/users", { cookie: waiting.cookie }],
    ] as const) {
      const res = await api<ErrorBody>(path, init);
      expect(res.status, path).toBe(403);
      expect(res.body).toEqual({ error: { code: "forbidden", message: refusal } });
    }
    const ticket = await api<ErrorBody>(
      "/api/connect-ticket",
      json(waiting.cookie, { workspaceId: operatorWorkspace }),
    );
    expect(ticket.status).toBe(403);
    expect(ticket.body.error.message).toBe(refusal);
    for (const [path, body] of [
      ["/api/auth/organization/create", { name: "Mine", slug: uniq("mine") }],
      // (api-key/create is closed to everyone: party/access/auth-endpoints.ts)
      [
        "/api/auth/organization/invite-member",
        { email: "someone@example.test", role: "member", organizationId: operatorWorkspace },
      ],
      ["/api/auth/organization/set-active", { organizationId: operatorWorkspace }],
    ] as const) {
      const res = await api<{ code: string; message: string }>(path, json(waiting.cookie, body));
      expect(res.status, path).toBe(403);
      expect(res.body).toMatchObject({ code: "WAITLISTED", message: refusal });
    }

    const room = await RawSocket.open(operatorWorkspace, { cookie: waiting.cookie });
    expect(await room.waitClosed()).toEqual({ code: 4003, reason: refusal });
    expect(room.frames).toEqual([]);
    expect(await openHatchery(operatorWorkspace, waiting.cookie)).toEqual({ code: 4003, reason: refusal });
  });

  it("only operators reach /api/admin; better-auth's own admin endpoints are closed to everyone", async () => {
    const person = await signUpAs(`${uniq("plain")}@example.test`);
    expect((await act(operator, person.userId, "approve")).status).toBe(200);
    for (const path of ["/api/admin/users", "/api/admin/workspaces"]) {
      const res = await api<ErrorBody>(path, { cookie: person.cookie });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: { code: "forbidden", message: "only operators can do this" } });
    }
    for (const action of ["approve", "disable", "enable"] as const)
      expect((await act(person, operator.userId, action)).status).toBe(403);
    for (const who of [operator, person]) {
      expect((await api<ErrorBody>("/api/auth/admin/list-users", { cookie: who.cookie })).status).toBe(404);
      expect(
        (await api<ErrorBody>("/api/auth/admin/set-role", json(who.cookie, { userId: person.userId, role: "admin" })))
          .status,
      ).toBe(404);
      expect(
        (await api<ErrorBody>("/api/auth/admin/impersonate-user", json(who.cookie, { userId: operator.userId })))
          .status,
      ).toBe(404);
    }
    expect((await me(person)).body.account.operator).toBe(false);
    expect((await act(operator, "no-such-user", "approve")).status).toBe(404);
  });

  it("approval answers the waiting long poll, gives a personal workspace and opens the rooms", async () => {
    const waiting = await signUpAs(`${uniq("approve")}@example.test`);
    expect((await api<ErrorBody>("/api/me/status?while=bogus", { cookie: waiting.cookie })).status).toBe(400);
    expect((await api<{ status: string }>("/api/me/status", { cookie: waiting.cookie })).body).toEqual({
      status: "waitlisted",
    });

    // The route answers the change (the long poll itself is pinned on a fake clock below:
    // whether this request was already waiting when the approval landed, it must say active).
    const watch = api<{ status: string }>("/api/me/status?while=waitlisted", { cookie: waiting.cookie });
    const approved = await act(operator, waiting.userId, "approve");
    expect(approved.status).toBe(200);
    expect(approved.body.user).toMatchObject({ id: waiting.userId, status: "active", operator: false });
    const answer = await watch;
    expect(answer.body).toEqual({ status: "active" });

    const { body } = await me(waiting);
    expect(body.account.status).toBe("active");
    expect(body.workspaces).toEqual([expect.objectContaining({ role: "owner" })]);
    const personal = body.workspaces[0]!.id;
    const room = await RawSocket.open(personal, { cookie: waiting.cookie });
    expect((await room.hello()).principal.id).toBe(waiting.userId);
    room.close();
    expect(await openHatchery(personal, waiting.cookie)).toBe("open");

    // Approving again changes nothing and makes no second workspace.
    expect((await act(operator, waiting.userId, "approve")).body.user.status).toBe("active");
    expect((await me(waiting)).body.workspaces).toHaveLength(1);
    const workspaces = await api<{ workspaces: { id: string; members: number }[] }>("/api/admin/workspaces", {
      cookie: operator.cookie,
    });
    expect(workspaces.body.workspaces.find((w) => w.id === personal)).toMatchObject({ members: 1 });
    expect(workspaces.body.workspaces.find((w) => w.id === operatorWorkspace)!.members).toBeGreaterThanOrEqual(2);
  });

  it("the long poll answers on its first read after a change, well before its deadline; unchanged, at its deadline", async () => {
    const approvedLater = await signUpAs(`${uniq("poll")}@example.test`);
    const stillWaiting = await signUpAs(`${uniq("poll")}@example.test`);
    // Called here rather than through the route: a fake clock can drive timers this test
    // set, not a Worker request's (their I/O belongs to that request). Between reads the
    // poll is one pending timer, which is how the test knows it is waiting.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const started = Date.now();
      const watch = waitForStatusChange(workerEnv, approvedLater.userId, "waitlisted");
      await untilReal(() => expect(vi.getTimerCount()).toBe(1));
      expect((await act(operator, approvedLater.userId, "approve")).status).toBe(200);
      await vi.advanceTimersToNextTimerAsync();
      expect(await watch).toBe("active");
      expect(Date.now() - started).toBeLessThan(STATUS_WATCH_MAX_MS);

      const from = Date.now();
      let outcome: string | null | undefined;
      const unchanged = waitForStatusChange(workerEnv, stillWaiting.userId, "waitlisted").then(
        (status) => (outcome = status),
      );
      // Each read is real I/O: step the clock only while the poll waits on it.
      while (outcome === undefined) {
        await untilReal(() => expect(outcome !== undefined || vi.getTimerCount() === 1).toBe(true));
        if (outcome === undefined) await vi.advanceTimersToNextTimerAsync();
      }
      await unchanged;
      expect(outcome).toBe("waitlisted");
      expect(Date.now() - from).toBeGreaterThanOrEqual(STATUS_WATCH_MAX_MS);
    } finally {
      vi.useRealTimers();
    }
  });

  it("disabling closes the person's open sockets at once, and the workspace's audit log names the operator", async () => {
    const person = await signUpAs(`${uniq("open")}@example.test`);
    await act(operator, person.userId, "approve");
    expect((await followMailLink(person.cookie, /^Verify your e-mail/)).status).toBe(302);
    expect((await addMember(operator, operatorWorkspace, person, "member")).status).toBe(201);
    const room = await RawSocket.open(operatorWorkspace, { cookie: person.cookie });
    await room.hello();
    expect((await act(operator, person.userId, "disable")).status).toBe(200);
    expect(await room.waitClosed()).toEqual({ code: 4003, reason: "this account is disabled" });
    const watcher = await RawSocket.open(operatorWorkspace, { cookie: operator.cookie });
    await watcher.hello();
    const { entries } = await watcher.ok("audit.list", {});
    expect(entries.find((e) => e.action === "account.disabled")).toMatchObject({
      targetId: person.userId,
      actor: { id: operator.userId, kind: "user" },
    });
    watcher.close();
  });

  it("disabling refuses sign-in, the API, tickets and both rooms; enabling lets the person back", async () => {
    const person = await signUpAs(`${uniq("ban")}@example.test`);
    await act(operator, person.userId, "approve");
    const workspace = (await me(person)).body.workspaces[0]!.id;
    const ticket = await api<{ ticket: string }>(
      "/api/connect-ticket",
      json(person.cookie, { workspaceId: workspace }),
    );
    expect(ticket.status).toBe(201);

    const self = await act(operator, operator.userId, "disable");
    expect(self.status).toBe(400);
    expect(self.body.error.message).toBe("operators cannot disable their own account");

    const disabled = await act(operator, person.userId, "disable");
    expect(disabled.status).toBe(200);
    expect(disabled.body.user.status).toBe("disabled");
    expect((await me(person)).status).toBe(401); // disabling deleted their sessions
    const signInAgain = await signIn(person.email);
    expect(signInAgain.status).toBe(403);
    expect(signInAgain.body).toMatchObject({ code: "BANNED_USER", message: "this account is disabled" });
    const byTicket = await RawSocket.open(workspace, { ticket: ticket.body.ticket });
    expect(await byTicket.waitClosed()).toEqual({ code: 4003, reason: "this account is disabled" });
    expect((await (await RawSocket.open(workspace, { cookie: person.cookie })).waitClosed()).code).toBe(4001);
    expect((await openHatchery(workspace, person.cookie)) as { code: number }).toMatchObject({ code: 4001 });
    const listed = await api<{ users: AdminUser[] }>("/api/admin/users", { cookie: operator.cookie });
    expect(listed.body.users.find((u) => u.id === person.userId)!.status).toBe("disabled");

    const enabled = await act(operator, person.userId, "enable");
    expect(enabled.body.user.status).toBe("active");
    const back = await signIn(person.email);
    expect(back.status).toBe(200);
    const cookie = back.headers.get("set-cookie")!.split(";")[0]!;
    const room = await RawSocket.open(workspace, { cookie });
    expect((await room.hello()).principal.id).toBe(person.userId);
    room.close();
  });
});
