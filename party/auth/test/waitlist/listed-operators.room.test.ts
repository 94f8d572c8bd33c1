// ADMIN_EMAILS counts for accounts made before their address was listed: signing in with a
// listed, verified address makes an operator (a waitlisted one is let in, with its personal
// workspace); a listed address nobody verified changes nothing. The Worker of this project
// lists returning@ops.test and squatted@ops.test (vitest.worker.config.ts); an account is
// given one of them in D1, as if the operator had listed it after the account was made.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../../env";
import { api, followMailLink, uniq } from "../../../test/harness";

const PASSWORD = "correct horse battery";
const DB = (env as unknown as Env).DB;
type Me = { workspaces: { role: string }[]; account: { status: string; operator: boolean } };

const post = (body: unknown, cookie?: string) => ({
  method: "POST",
  ...(cookie ? { cookie } : {}),
  body: JSON.stringify(body),
});
const cookieOf = (res: { headers: Headers }) => res.headers.get("set-cookie")!.split(";")[0]!;

/** A waitlisted account (not listed when it signed up), verified unless asked otherwise, then given `listed`. */
async function accountLaterListed(listed: string, { verified }: { verified: boolean }) {
  const email = `${uniq("early")}@example.test`;
  const up = await api<{ user: { id: string } }>(
    "/api/auth/sign-up/email",
    post({ email, password: PASSWORD, name: "Early" }),
  );
  expect(up.status).toBe(200);
  if (verified) expect((await followMailLink(cookieOf(up), /^Verify your e-mail/)).status).toBe(302);
  await DB.prepare(`update "user" set "email" = ? where "id" = ?`).bind(listed, up.body.user.id).run();
  return { cookie: cookieOf(up) };
}

describe("ADMIN_EMAILS for accounts made before their address was listed", () => {
  it("signing in with a listed, verified address makes an operator, let in with a personal workspace", async () => {
    const before = await accountLaterListed("returning@ops.test", { verified: true });
    expect((await api<Me>("/api/me", { cookie: before.cookie })).body).toMatchObject({
      account: { status: "waitlisted", operator: false },
      workspaces: [],
    });
    const signedIn = await api("/api/auth/sign-in/email", post({ email: "returning@ops.test", password: PASSWORD }));
    expect(signedIn.status).toBe(200);
    const after = await api<Me>("/api/me", { cookie: cookieOf(signedIn) });
    expect(after.body.account).toEqual({ status: "active", operator: true });
    expect(after.body.workspaces).toEqual([expect.objectContaining({ role: "owner" })]);
    expect((await api("/api/admin/users", { cookie: cookieOf(signedIn) })).status).toBe(200);
  });

  it("a listed address nobody verified stays as it was", async () => {
    await accountLaterListed("squatted@ops.test", { verified: false });
    const signedIn = await api("/api/auth/sign-in/email", post({ email: "squatted@ops.test", password: PASSWORD }));
    expect(signedIn.status).toBe(200);
    const after = await api<Me>("/api/me", { cookie: cookieOf(signedIn) });
    expect(after.body.account).toEqual({ status: "waitlisted", operator: false });
    expect((await api("/api/admin/users", { cookie: cookieOf(signedIn) })).status).toBe(403);
  });
});
