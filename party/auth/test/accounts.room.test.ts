// Accounts: rate limits on sign-in, sign-up and connect tickets, the password policy,
// e-mail verification before anyone can be added to a workspace, invitations, removing
// members and changing roles, and rotating agent keys — all through the real Worker.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { memberChangeRefusal } from "../membership-rules";
import { passwordProblem } from "../password-policy";
import { SIGN_IN_MAX, SIGN_UP_MAX, TICKET_MAX } from "../rate-limits";
import { addMember, api, createKey, followMailLink, type Person, RawSocket, signUp, uniq } from "../../test/harness";

const testEnv = env as unknown as { DB: D1Database };
type ErrorBody = { error: { code: string; message: string } };
type Me = { user: { emailVerified: boolean }; workspaces: { id: string; role: string }[] };
const WINDOW_S = 10; // AUTH_RATE_LIMIT_WINDOW_S in vitest.worker.config.ts
const PASSWORD = "correct horse battery";

const post = (cookie: string | undefined, body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  ...(cookie ? { cookie } : {}),
  headers,
  body: JSON.stringify(body),
});
const fromIp = (ip: string) => ({ "cf-connecting-ip": ip });
// Each call a client address no other call of this run had (the benchmarking range,
// 198.18.0.0/15): a test's "another address" must not be one a test already spent.
let nextAddress = Math.floor(Math.random() * 60_000);
const testIp = () => {
  const n = nextAddress++;
  return `198.18.${(n >> 8) & 255}.${n & 255}`;
};
const signIn = (email: string, password: string, ip: string) =>
  api<{ message?: string }>("/api/auth/sign-in/email", post(undefined, { email, password }, fromIp(ip)));
const invite = (by: Person, ws: string, email: string, role = "member") =>
  api<{ invitation: { id: string; email: string; role: string } } & ErrorBody>(
    `/api/workspaces/${ws}/invitations`,
    post(by.cookie, { email, role }),
  );
const workspacesOf = async (p: Person) =>
  (await api<Me>("/api/me", { cookie: p.cookie })).body.workspaces.map((w) => [w.id, w.role]);

describe("password policy", () => {
  it("refuses short, common and trivial passwords with a sentence, and accepts a phrase", () => {
    expect(passwordProblem("12345678")).toBe("Use at least 10 characters for your password.");
    for (const weak of [
      "1234567890",
      "Password123",
      "aaaaaaaaaaaa",
      "abcabcabcabc",
      "abcdefghijkl",
      "9876543210",
      "qwertyuiop",
    ]) {
      expect(passwordProblem(weak), weak).toMatch(/too easy to guess/);
    }
    expect(passwordProblem("alice.smith@example.test", "alice.smith@example.test")).toMatch(/too easy/);
    expect(passwordProblem("alicesmith2024", "alice.smith@example.test")).toMatch(/too easy/);
    expect(passwordProblem(PASSWORD, "alice@example.test")).toBeNull();
    expect(passwordProblem("1357924680", "5678@example.test")).toBeNull();
  });

  it("sign-up refuses 12345678 and a common password, saying why", async () => {
    for (const [password, message] of [
      ["12345678", "Use at least 10 characters for your password."],
      ["password123", "That password is too easy to guess: choose a longer phrase that is not a common password."],
    ] as const) {
      const res = await api<{ message: string; code: string }>(
        "/api/auth/sign-up/email",
        post(undefined, { email: `${uniq("weak")}@example.test`, password, name: "Weak" }),
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ message, code: "WEAK_PASSWORD" });
    }
  });

  it("change-password and reset-password refuse the account's own address, as sign-up does", async () => {
    const alice = await signUp();
    const nameAgain = `${alice.email.split("@")[0]!.replace(/[^a-z]/g, "")}2024`;
    for (const newPassword of [alice.email, alice.email.toUpperCase(), nameAgain]) {
      const res = await api<{ code: string }>(
        "/api/auth/change-password",
        post(alice.cookie, { currentPassword: PASSWORD, newPassword }),
      );
      expect(res.status, newPassword).toBe(400);
      expect(res.body.code).toBe("WEAK_PASSWORD");
    }
    expect(
      (
        await api(
          "/api/auth/change-password",
          post(alice.cookie, { currentPassword: PASSWORD, newPassword: "another horse battery" }),
        )
      ).status,
    ).toBe(200);

    // The app sends no reset mails yet; the token is stored as better-auth's request-password-reset stores it.
    const token = crypto.randomUUID();
    const now = new Date().toISOString();
    await testEnv.DB.prepare(
      `insert into "verification" ("id", "identifier", "value", "expiresAt", "createdAt", "updatedAt") values (?, ?, ?, ?, ?, ?)`,
    )
      .bind(
        crypto.randomUUID(),
        `reset-password:${token}`,
        alice.userId,
        new Date(Date.now() + 3_600_000).toISOString(),
        now,
        now,
      )
      .run();
    const reset = await api<{ code: string }>(
      "/api/auth/reset-password",
      post(undefined, { token, newPassword: alice.email }),
    );
    expect(reset.status).toBe(400);
    expect(reset.body.code).toBe("WEAK_PASSWORD");
    expect(
      (await api("/api/auth/reset-password", post(undefined, { token, newPassword: "a third horse battery" }))).status,
    ).toBe(200);
  });
});

describe("rate limits", () => {
  it(`answers 429 with Retry-After after ${SIGN_IN_MAX} sign-ins from one address — the right password too — until the window passes`, async () => {
    const alice = await signUp();
    const ip = testIp();
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof signIn>> | null = null;
    for (let i = 0; i < 40; i++) {
      const res = await signIn(alice.email, `wrong password ${i}`, ip);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    expect(statuses.slice(0, SIGN_IN_MAX)).toEqual(Array(SIGN_IN_MAX).fill(401));
    expect(statuses[SIGN_IN_MAX]).toBe(429);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const retryAfter = Number(limited!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
    expect(limited!.body.message).toMatch(/too many requests/i);

    const right = await signIn(alice.email, PASSWORD, ip);
    expect(right.status).toBe(429);
    // Another address is not affected.
    expect((await signIn(alice.email, PASSWORD, testIp())).status).toBe(200);

    // Once the window has passed, the same address signs in again. Asked until then: a refused
    // attempt does not move the window, and the clock the limiter reads is the Worker's.
    await vi.waitFor(
      async () =>
        expect((await signIn(alice.email, PASSWORD, ip)).status, "a sign-in once the window passed").toBe(200),
      { timeout: (Number(right.headers.get("retry-after")) + 5) * 1000, interval: 500 },
    );
  });

  it(`answers 429 after ${SIGN_UP_MAX} sign-ups from one address`, async () => {
    const ip = testIp();
    const statuses: number[] = [];
    for (let i = 0; i <= SIGN_UP_MAX; i++) {
      const res = await api(
        "/api/auth/sign-up/email",
        post(undefined, { email: `${uniq("burst")}@example.test`, password: PASSWORD, name: "Burst" }, fromIp(ip)),
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(SIGN_UP_MAX).fill(200), 429]);
  });

  it(`mints at most ${TICKET_MAX} connect tickets per key in a window, then 429 with Retry-After`, async () => {
    const alice = await signUp();
    const key = await createKey(alice, alice.workspaceId);
    const mint = () =>
      api<{ ticket: string } & ErrorBody>(
        "/api/connect-ticket",
        post(undefined, { workspaceId: alice.workspaceId }, { "x-api-key": key.key }),
      );
    const statuses: number[] = [];
    for (let i = 0; i < TICKET_MAX; i++) statuses.push((await mint()).status);
    expect(statuses).toEqual(Array(TICKET_MAX).fill(201));
    const refused = await mint();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // The quota is the principal's: the person who owns the workspace still gets one.
    expect((await api("/api/connect-ticket", post(alice.cookie, { workspaceId: alice.workspaceId }))).status).toBe(201);
  });
});

describe("e-mail verification", () => {
  it("signing up sends a verification link; following it verifies the address", async () => {
    const bob = await signUp(uniq("bob"), { verified: false });
    expect((await api<Me>("/api/me", { cookie: bob.cookie })).body.user.emailVerified).toBe(false);
    const outbox = await api<{ mails: { subject: string; link: string }[] }>("/api/dev/mail", { cookie: bob.cookie });
    expect(outbox.body.mails).toHaveLength(1);
    expect(outbox.body.mails[0]!.link).toMatch(/\/api\/auth\/verify-email\?token=/);
    expect((await followMailLink(bob.cookie, /^Verify/)).status).toBe(302);
    expect((await api<Me>("/api/me", { cookie: bob.cookie })).body.user.emailVerified).toBe(true);
    // The outbox is per address: nobody reads another person's mail.
    const eve = await signUp();
    expect(JSON.stringify((await api("/api/dev/mail", { cookie: eve.cookie })).body)).not.toContain(
      outbox.body.mails[0]!.link,
    );
  });

  it("an unverified address cannot be added or see invitations; a squatter who registered it first gets no workspace", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const squatter = await signUp(uniq("colleague"), { verified: false });
    const added = await addMember(owner, ws, squatter, "member");
    expect(added.status).toBe(403);
    expect((added.body as ErrorBody).error.message).toMatch(/not verified/);

    const invited = await invite(owner, ws, squatter.email);
    expect(invited.status).toBe(201);
    const listed = await api<ErrorBody>("/api/invitations", { cookie: squatter.cookie });
    expect(listed.status).toBe(403);
    // Even with the invitation's id, neither our route nor better-auth's own lets them in.
    const accepted = await api<ErrorBody>(
      `/api/invitations/${invited.body.invitation.id}/accept`,
      post(squatter.cookie, {}),
    );
    expect(accepted.status).toBe(403);
    const direct = await api(
      "/api/auth/organization/accept-invitation",
      post(squatter.cookie, { invitationId: invited.body.invitation.id }),
    );
    expect(direct.status).toBe(403);
    expect(await workspacesOf(squatter)).toEqual([[squatter.workspaceId, "owner"]]);
    const sock = await RawSocket.open(ws, { cookie: squatter.cookie });
    expect((await sock.waitClosed()).code).toBe(4003);
  });
});

describe("invitations", () => {
  it("a verified invitee sees, accepts and declines invitations; only managers invite, only owners invite owners", async () => {
    const owner = await signUp();
    const other = await signUp();
    const ws = owner.workspaceId;
    const member = await signUp();
    expect((await addMember(owner, ws, member, "member")).status).toBe(201);
    const admin = await signUp();
    expect((await addMember(owner, ws, admin, "admin")).status).toBe(201);
    // Invitations go to an address: the invitee need not have an account yet.
    const email = `${uniq("invitee")}@example.test`;

    expect((await invite(member, ws, email)).status).toBe(403);
    expect((await invite(admin, ws, email, "owner")).body.error.message).toBe("only owners can add owners");
    const first = await invite(admin, ws, email, "viewer");
    expect(first.status).toBe(201);
    expect(first.body.invitation).toMatchObject({ email, role: "viewer" });
    expect((await invite(owner, ws, email)).status).toBe(409);
    const second = await invite(other, other.workspaceId, email, "member");
    expect(second.status).toBe(201);
    const pending = await api<{ invitations: { id: string }[] }>(`/api/workspaces/${ws}/invitations`, {
      cookie: owner.cookie,
    });
    expect(pending.body.invitations.map((i) => i.id)).toEqual([first.body.invitation.id]);

    const res = await api<{ user: { id: string } }>(
      "/api/auth/sign-up/email",
      post(undefined, { email, password: PASSWORD, name: "Invitee" }),
    );
    const invitee = { cookie: res.headers.get("set-cookie")!.split(";")[0]!, email } as Person;
    // The invitation mail arrived too; the verification link is what lets them act on it.
    const mails = await api<{ mails: { subject: string }[] }>("/api/dev/mail", { cookie: invitee.cookie });
    expect(mails.body.mails.map((m) => m.subject).some((s) => /invited you to/.test(s))).toBe(true);
    await followMailLink(invitee.cookie, /^Verify/);

    const mine = await api<{ invitations: { id: string; workspaceId: string; workspaceName: string; role: string }[] }>(
      "/api/invitations",
      { cookie: invitee.cookie },
    );
    expect(mine.status).toBe(200);
    expect(mine.body.invitations.map((i) => [i.id, i.workspaceId, i.role]).sort()).toEqual(
      [
        [first.body.invitation.id, ws, "viewer"],
        [second.body.invitation.id, other.workspaceId, "member"],
      ].sort(),
    );
    // Someone else cannot act on it.
    expect((await api(`/api/invitations/${first.body.invitation.id}/accept`, post(other.cookie, {}))).status).toBe(403);

    const accepted = await api<{ status: string; workspaceId: string }>(
      `/api/invitations/${first.body.invitation.id}/accept`,
      post(invitee.cookie, {}),
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: "accepted", workspaceId: ws });
    const declined = await api<{ status: string }>(
      `/api/invitations/${second.body.invitation.id}/decline`,
      post(invitee.cookie, {}),
    );
    expect(declined.body).toMatchObject({ status: "rejected" });
    expect((await api(`/api/invitations/${second.body.invitation.id}/accept`, post(invitee.cookie, {}))).status).toBe(
      404,
    );

    const workspaces = (await api<Me>("/api/me", { cookie: invitee.cookie })).body.workspaces;
    expect(workspaces.find((w) => w.id === ws)?.role).toBe("viewer");
    expect(workspaces.some((w) => w.id === other.workspaceId)).toBe(false);
    const sock = await RawSocket.open(ws, { cookie: invitee.cookie });
    expect((await sock.hello()).principal.role).toBe("viewer");
    sock.close();
    expect(
      (await api<{ invitations: unknown[] }>("/api/invitations", { cookie: invitee.cookie })).body.invitations,
    ).toEqual([]);
  });
});

describe("members: change role and remove", () => {
  it("the rules as a plain function: managers only, owners for owners, never the last owner", () => {
    expect(memberChangeRefusal("member", "viewer", null, 1)).toEqual({
      code: "forbidden",
      message: "only owners and admins can do this",
    });
    expect(memberChangeRefusal("admin", "owner", "member", 2)?.message).toBe("only owners can change owners");
    expect(memberChangeRefusal("admin", "member", "owner", 1)?.message).toBe("only owners can change owners");
    expect(memberChangeRefusal("owner", "owner", null, 1)?.code).toBe("conflict");
    expect(memberChangeRefusal("owner", "owner", "admin", 1)?.code).toBe("conflict");
    expect(memberChangeRefusal("owner", "owner", "owner", 1)).toBeNull();
    expect(memberChangeRefusal("owner", "owner", null, 2)).toBeNull();
    expect(memberChangeRefusal("admin", "member", "viewer", 1)).toBeNull();
    expect(memberChangeRefusal("admin", "viewer", null, 1)).toBeNull();
  });

  it("owners and admins change roles and remove people; nobody removes or downgrades the last owner", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const [admin, member, viewer] = [await signUp(), await signUp(), await signUp()];
    expect((await addMember(owner, ws, admin, "admin")).status).toBe(201);
    expect((await addMember(owner, ws, member, "member")).status).toBe(201);
    expect((await addMember(owner, ws, viewer, "viewer")).status).toBe(201);
    const setRole = (by: Person, who: Person, role: string) =>
      api<ErrorBody & { member: unknown }>(`/api/workspaces/${ws}/members/${who.userId}`, {
        method: "PATCH",
        cookie: by.cookie,
        body: JSON.stringify({ role }),
      });
    const remove = (by: Person, who: Person) =>
      api<ErrorBody & { removed: string }>(`/api/workspaces/${ws}/members/${who.userId}`, {
        method: "DELETE",
        cookie: by.cookie,
      });

    expect((await setRole(member, viewer, "member")).status).toBe(403);
    expect((await remove(member, viewer)).status).toBe(403);
    expect((await setRole(admin, owner, "member")).body.error.message).toBe("only owners can change owners");
    expect((await setRole(admin, member, "owner")).status).toBe(403);
    expect((await setRole(owner, member, "king")).status).toBe(400);
    const lastOwner = await setRole(owner, owner, "admin");
    expect(lastOwner.status).toBe(409);
    expect(lastOwner.body.error.message).toMatch(/needs an owner/);
    expect((await remove(owner, owner)).status).toBe(409);

    const changed = await setRole(admin, member, "viewer");
    expect(changed.status).toBe(200);
    expect(changed.body.member).toEqual({ userId: member.userId, role: "viewer" });
    const sock = await RawSocket.open(ws, { cookie: member.cookie });
    expect((await sock.hello()).principal.role).toBe("viewer");
    sock.close();

    const removed = await remove(admin, viewer);
    expect(removed.status).toBe(200);
    expect(removed.body.removed).toBe(viewer.userId);
    expect((await remove(admin, viewer)).status).toBe(404);
    expect(await workspacesOf(viewer)).toEqual([[viewer.workspaceId, "owner"]]);
    expect((await (await RawSocket.open(ws, { cookie: viewer.cookie })).waitClosed()).code).toBe(4003);

    // With a second owner, the first may step down.
    expect((await setRole(owner, admin, "owner")).status).toBe(200);
    expect((await setRole(owner, owner, "member")).status).toBe(200);
    const members = await api<{ members: { userId: string; role: string }[] }>(`/api/workspaces/${ws}/members`, {
      cookie: admin.cookie,
    });
    expect(members.body.members.map((m) => [m.userId, m.role])).toEqual([
      [owner.userId, "member"],
      [admin.userId, "owner"],
      [member.userId, "viewer"],
    ]);
  });
});

describe("key rotation", () => {
  it("gives a new secret with the same name and scopes; the old key is refused at once and its socket closed", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const member = await signUp();
    expect((await addMember(owner, ws, member, "member")).status).toBe(201);
    const old = await createKey(owner, ws, ["read", "approve"], "deployer");
    const sock = await RawSocket.open(ws, { key: old.key });
    await sock.hello();

    expect((await api(`/api/workspaces/${ws}/keys/${old.id}/rotate`, post(member.cookie, {}))).status).toBe(403);
    const other = await signUp();
    expect(
      (await api(`/api/workspaces/${other.workspaceId}/keys/${old.id}/rotate`, post(other.cookie, {}))).status,
    ).toBe(404);

    const rotated = await api<{ id: string; key: string; name: string; scopes: string[]; replaced: string }>(
      `/api/workspaces/${ws}/keys/${old.id}/rotate`,
      post(owner.cookie, {}),
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ name: "deployer", scopes: ["read", "approve"], replaced: old.id });
    expect(rotated.body.key).not.toBe(old.key);
    expect((await sock.waitClosed()).code).toBe(4001);
    expect((await (await RawSocket.open(ws, { key: old.key })).waitClosed()).code).toBe(4001);
    const ticket = await api("/api/connect-ticket", post(undefined, { workspaceId: ws }, { "x-api-key": old.key }));
    expect(ticket.status).toBe(401);

    const fresh = await RawSocket.open(ws, { key: rotated.body.key });
    const hello = await fresh.hello();
    expect(hello.principal).toMatchObject({ kind: "agent", name: "deployer", scopes: ["read", "approve"] });
    fresh.close();
    // The key says when it was last used: the socket just now.
    const keys = await vi.waitFor(
      async () => {
        const read = await api<{ keys: { id: string; name: string; lastUsedAt: string | number | null }[] }>(
          `/api/workspaces/${ws}/keys`,
          { cookie: owner.cookie },
        );
        expect(read.body.keys[0]?.lastUsedAt).not.toBeNull();
        return read;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(keys.body.keys.map((k) => [k.id, k.name])).toEqual([[rotated.body.id, "deployer"]]);
  });
});

describe("sessions", () => {
  it("revoking the session a browser is signed in with clears its cookie in the same answer, and the session is gone", async () => {
    const alice = await signUp();
    const current = await api<{ session: { token: string } }>("/api/auth/get-session", { cookie: alice.cookie });
    expect(current.status).toBe(200);
    const revoked = await api<{ status: boolean }>(
      "/api/auth/revoke-session",
      post(alice.cookie, { token: current.body.session.token }),
    );
    expect(revoked.status).toBe(200);
    // better-auth clears the cookie of the session it revokes when it is the caller's own
    // (from 1.7.x's later patches): the browser is signed out at once, not on its next request.
    const cleared = revoked.headers.getSetCookie().find((line) => line.startsWith(`${alice.cookie.split("=")[0]}=`));
    expect(cleared).toMatch(/Max-Age=0/i);
    expect((await api("/api/me", { cookie: alice.cookie })).status).toBe(401);
  });
});
