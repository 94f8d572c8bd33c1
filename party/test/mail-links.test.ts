// What a mail carries that a request could choose: its links and its header values. A
// request names its own Host (and a proxy may forward it), so a sign-up, a resent
// verification, an invitation or a socket addressed to `evil.example` must still mail links
// to the configured origin (APP_ORIGINS, `http://autopilot.test` here), never to that host;
// and an approval's title with CR/LF must reach a mail's subject as one line. Read through
// the dev outbox, the tests' stand-in for the mail API.
import { SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_INBOX_PREFERENCES } from "../../shared/protocol/inbox";
import { api, createKey, followMailLink, idem, ORIGIN, RawSocket, signUp, uniq } from "./harness";

const EVIL = "http://evil.example";
const PASSWORD = "correct horse battery";
const randomIp = () => `10.${[...crypto.getRandomValues(new Uint8Array(3))].join(".")}`;

type Mails = { mails: { subject: string; text: string; link: string }[] };

/** A POST addressed to `EVIL` as its Host and Origin, as a browser on that name would send it. */
function postAtEvil(path: string, body: unknown, cookie?: string): Promise<Response> {
  const headers: Record<string, string> = {
    origin: EVIL,
    "content-type": "application/json",
    "cf-connecting-ip": randomIp(),
  };
  if (cookie) headers.cookie = cookie;
  return SELF.fetch(`${EVIL}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

const outbox = async (cookie: string) => (await api<Mails>("/api/dev/mail", { cookie })).body.mails;

/** The mails whose subject matches, once there are at least `count` of them. */
function waitForMail(cookie: string, subject: RegExp, count = 1) {
  return vi.waitFor(
    async () => {
      const found = (await outbox(cookie)).filter((m) => subject.test(m.subject));
      expect(found.length, `mails matching ${subject}`).toBeGreaterThanOrEqual(count);
      return found;
    },
    { timeout: 10_000, interval: 100 },
  );
}

/** The mail leads to the configured origin and names no other host anywhere. */
function expectConfiguredOrigin(mail: { text: string; link: string }) {
  expect(new URL(mail.link).origin).toBe(ORIGIN);
  expect(mail.text).toContain(mail.link);
  expect(mail.text).not.toContain("evil.example");
}

describe("mail links follow the configured origin, not the request's Host", () => {
  it("a sign-up addressed to another host mails a verification link to the configured origin, which verifies", async () => {
    const email = `${uniq("hosted")}@example.test`;
    const res = await postAtEvil("/api/auth/sign-up/email", {
      email,
      password: PASSWORD,
      name: "Hosted",
      callbackURL: `${EVIL}/landing`,
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const [mail] = await waitForMail(cookie, /^Verify/);
    expectConfiguredOrigin(mail!);
    expect(new URL(mail!.link).pathname).toBe("/api/auth/verify-email");
    // Where the reader lands once verified is a path of the app, not the host the request named.
    expect(new URL(mail!.link).searchParams.get("callbackURL")).toBe("/");
    const verified = await followMailLink(cookie, /^Verify/);
    expect(verified.status).toBe(302);
    expect(verified.headers.get("location")).toBe("/");
    expect((await api<{ user: { emailVerified: boolean } }>("/api/me", { cookie })).body.user.emailVerified).toBe(true);
  });

  it("a verification mail asked for again through another host links to the configured origin", async () => {
    const person = await signUp(uniq("resend"), { verified: false });
    const res = await postAtEvil(
      "/api/auth/send-verification-email",
      { email: person.email, callbackURL: "/" },
      person.cookie,
    );
    expect(res.status).toBe(200);
    // The sign-up's mail and the one asked for again (better-auth may send either in the background).
    const mails = await waitForMail(person.cookie, /^Verify/, 2);
    expect(mails).toHaveLength(2);
    for (const mail of mails) expectConfiguredOrigin(mail);
  });

  it("an invitation made through another host links to the configured origin", async () => {
    const owner = await signUp();
    const email = `${uniq("invited")}@example.test`;
    const res = await postAtEvil(
      `/api/workspaces/${owner.workspaceId}/invitations`,
      { email, role: "member" },
      owner.cookie,
    );
    expect(res.status).toBe(201);
    const invitee = await postAtEvil("/api/auth/sign-up/email", { email, password: PASSWORD, name: "Invited" });
    const cookie = invitee.headers.get("set-cookie")!.split(";")[0]!;
    const [mail] = await waitForMail(cookie, /invited you to/);
    expectConfiguredOrigin(mail!);
    expect(new URL(mail!.link).searchParams.get("invitation")).toBeTruthy();
  });

  it("an inbox mail for someone whose socket named another host links to the configured origin", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const agent = await createKey(owner, ws);
    const ownerSocket = await RawSocket.open(ws, { cookie: owner.cookie }, {}, { origin: EVIL }, EVIL);
    const agentSocket = await RawSocket.open(ws, { key: agent.key });
    await Promise.all([ownerSocket.hello(), agentSocket.hello()]);
    await ownerSocket.ok("inbox.configure", {
      preferences: { ...DEFAULT_INBOX_PREFERENCES, emailAfterMs: 0 },
      idempotencyKey: idem(),
    });
    const { approval } = await agentSocket.ok("approvals.request", {
      title: "Rotate the keys",
      idempotencyKey: idem(),
    });
    const [mail] = await waitForMail(owner.cookie, /Rotate the keys/);
    expectConfiguredOrigin(mail!);
    expect(new URL(mail!.link).searchParams.get("approval")).toBe(approval.id);
    ownerSocket.ws.close();
    agentSocket.ws.close();
  });
});

describe("mail header values", () => {
  it("an approval title's CR/LF and other control characters reach the mail's subject as one line", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const agent = await createKey(owner, ws);
    const [ownerSocket, agentSocket] = await Promise.all([
      RawSocket.open(ws, { cookie: owner.cookie }),
      RawSocket.open(ws, { key: agent.key }),
    ]);
    await Promise.all([ownerSocket.hello(), agentSocket.hello()]);
    await ownerSocket.ok("inbox.configure", {
      preferences: { ...DEFAULT_INBOX_PREFERENCES, emailAfterMs: 0 },
      idempotencyKey: idem(),
    });
    const title = "Deploy\r\nBcc: attacker@evil.example\u0085\u2028X-Extra:\u0000 1";
    await agentSocket.ok("approvals.request", { title, idempotencyKey: idem() });
    const [mail] = await waitForMail(owner.cookie, /Deploy/);
    expect(mail!.subject).toBe("An approval is waiting for you: Deploy Bcc: attacker@evil.example X-Extra: 1");
    expect(mail!.subject).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
    ownerSocket.ws.close();
    agentSocket.ws.close();
  });
});
