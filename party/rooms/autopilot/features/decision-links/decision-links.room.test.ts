// Deciding from a mail (features/decision-links/): an approval's mail carries a link whose page
// shows the approval and changes nothing; its buttons decide once, as the person it was
// mailed to, under the same rules as the app. Forged, foreign and cross-site presses, and a
// removed member's, decide nothing. Above the risk the workspace lets a link decide alone, the
// link decides only with the person's own session: a forwarded mail, and a push's action,
// decide nothing. Read through the dev outbox (the mail API's stand-in).
import { runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { DEFAULT_INBOX_PREFERENCES } from "../../../../../shared/protocol/inbox";
import { api, idem, ORIGIN, openTeam, provisioned, RawSocket } from "../../../../test/harness";

const mailNow = { ...DEFAULT_INBOX_PREFERENCES, emailAfterMs: 0 };

/** The decision link in the person's mail about `title`, once it is there. */
function decisionLink(cookie: string, title: string): Promise<string> {
  return vi.waitFor(
    async () => {
      const { body } = await api<{ mails: { subject: string; text: string }[] }>("/api/dev/mail", { cookie });
      const mail = body.mails.find((m) => m.subject.includes(title));
      const link = mail?.text.match(/https?:\/\/\S+\/decide\/\S+/)?.[0];
      expect(link, `a decision link in the mail about ${title}`).toBeDefined();
      return link!;
    },
    { timeout: 10_000, interval: 100 },
  );
}

const open = (link: string) => SELF.fetch(link);
const press = (
  link: string,
  decision: string,
  headers: Record<string, string> = { origin: ORIGIN },
  more: Record<string, string> = {},
) =>
  SELF.fetch(link, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ decision, note: "from my phone", ...more }).toString(),
  });

const approvalNow = async (socket: RawSocket, approvalId: string): Promise<Approval> =>
  (await socket.ok("approvals.get", { approvalId })).approval;

describe("deciding an approval from its mail", () => {
  it("the page changes nothing; Approve decides once as the person; a second press says what the first did", async () => {
    const { ownerSocket, agentSocket, owner, ws } = await openTeam("member");
    await ownerSocket.ok("inbox.configure", { preferences: mailNow, idempotencyKey: idem() });
    const { approval } = await agentSocket.ok("approvals.request", {
      title: "Deploy by mail",
      idempotencyKey: idem(),
    });
    const link = await decisionLink(owner.cookie, "Deploy by mail");
    expect(new URL(link).origin).toBe(ORIGIN);

    const page = await open(link);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const shown = await page.text();
    expect(shown).toContain("Deploy by mail");
    expect(shown).toContain('value="approve"');
    // Opened twice (a mail scanner, then the person): still waiting.
    expect((await open(link)).status).toBe(200);
    expect((await approvalNow(ownerSocket, approval.id)).status).toBe("pending");

    // Not from this page: refused, nothing decided.
    expect((await press(link, "approve", { origin: "http://evil.example" })).status).toBe(403);
    expect((await press(link, "approve", { "sec-fetch-site": "cross-site" })).status).toBe(403);
    // A token nobody made, and this token in another workspace: the same "not found".
    const forged = link.replace(/[0-9a-f]{64}$/, "0".repeat(64));
    expect((await press(forged, "approve")).status).toBe(404);
    expect((await press(link.replace(`/decide/${ws}/`, "/decide/ws_nobody/"), "approve")).status).toBe(404);
    expect((await approvalNow(ownerSocket, approval.id)).status).toBe("pending");

    const approved = await press(link, "approve");
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain("Approved.");
    const decided = await approvalNow(ownerSocket, approval.id);
    expect(decided).toMatchObject({ status: "approved", note: "from my phone", decidedIn: "link" });
    expect(decided.resolvedBy?.id).toBe(owner.userId);

    // The other button afterwards: the link has decided; it says what, and changes nothing.
    const again = await press(link, "deny");
    expect(again.status).toBe(200);
    expect(await again.text()).toContain("already decided it: approved");
    expect((await approvalNow(ownerSocket, approval.id)).status).toBe("approved");
  });

  it("a member removed after the mail decides nothing with its link", async () => {
    const { ownerSocket, secondSocket, agentSocket, owner, second, ws } = await openTeam("member");
    await secondSocket.ok("inbox.configure", { preferences: mailNow, idempotencyKey: idem() });
    const { approval } = await agentSocket.ok("approvals.request", {
      title: "Before the removal",
      idempotencyKey: idem(),
    });
    const link = await decisionLink(second.cookie, "Before the removal");
    const removed = await api("/api/auth/organization/remove-member", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ memberIdOrEmail: second.email, organizationId: ws }),
    });
    expect(removed.status).toBe(200);
    const refused = await press(link, "approve");
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("no longer have access");
    expect((await approvalNow(ownerSocket, approval.id)).status).toBe("pending");
  });

  it("a person's own request: Approve needs the page's confirmation, as confirmOwn does in the app", async () => {
    const { ownerSocket, owner } = await openTeam("member");
    await ownerSocket.ok("inbox.configure", { preferences: mailNow, idempotencyKey: idem() });
    const { approval } = await ownerSocket.ok("approvals.request", { title: "My own ask", idempotencyKey: idem() });
    const link = await decisionLink(owner.cookie, "My own ask");
    expect(await (await open(link)).text()).toContain('name="confirmOwn"');

    const unconfirmed = await press(link, "approve");
    expect(unconfirmed.status).toBe(409);
    const said = await unconfirmed.text();
    expect(said).toContain("I confirm my own request");
    // The page again, buttons and all: the person can tick the box and press once more.
    expect(said).toContain('value="approve"');
    expect((await approvalNow(ownerSocket, approval.id)).status).toBe("pending");

    const confirmed = await press(link, "approve", { origin: ORIGIN }, { confirmOwn: "yes" });
    expect(confirmed.status).toBe(200);
    expect(await approvalNow(ownerSocket, approval.id)).toMatchObject({ status: "approved", selfConfirmed: true });
  });

  it("links that ran out are dropped as the next one is made, and open as not found", async () => {
    const { ownerSocket, agentSocket, owner, ws } = await openTeam("member");
    await ownerSocket.ok("inbox.configure", { preferences: mailNow, idempotencyKey: idem() });
    await agentSocket.ok("approvals.request", { title: "Old ask", idempotencyKey: idem() });
    const old = await decisionLink(owner.cookie, "Old ask");
    const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
    const links = (change?: string) =>
      runInDurableObject(rooms.get(rooms.idFromName(ws)), (_instance, state) => {
        if (change) state.storage.sql.exec(change, Date.now() - 8 * 24 * 60 * 60 * 1000);
        return state.storage.sql.exec("select count(*) as n from feature_records where kind = 'decision link'").one()
          .n as number;
      });
    // A week and a day later (as the room's records have it).
    expect(await links("update feature_records set updated_at = ? where kind = 'decision link'")).toBe(1);
    await agentSocket.ok("approvals.request", { title: "New ask", idempotencyKey: idem() });
    await decisionLink(owner.cookie, "New ask");
    expect(await links()).toBe(1);
    expect((await open(old)).status).toBe(404);
  });
});

describe("a link decides alone only up to the workspace's risk", () => {
  /** The person's press from the link's page while signed in: their session and the page's signed-in form. */
  const pressSignedIn = (link: string, decision: string, cookie: string) =>
    press(link, decision, { origin: ORIGIN, cookie }, { withSession: "yes" });

  it("a critical approval (deleting an instance): the link alone decides nothing, the person signed in decides", async () => {
    const { ownerSocket, secondSocket, agentSocket, owner, second, ws } = await openTeam("member");
    await ownerSocket.ok("inbox.configure", { preferences: mailNow, idempotencyKey: idem() });
    await provisioned(ownerSocket, "doomed");
    const { approval } = await agentSocket.ok("instances.delete", { instanceId: "doomed", idempotencyKey: idem() });
    expect(approval.risk).toBe("critical");
    const link = await decisionLink(owner.cookie, approval.title);
    const { body: outbox } = await api<{ mails: { subject: string; text: string }[] }>("/api/dev/mail", {
      cookie: owner.cookie,
    });
    expect(outbox.mails.find((m) => m.subject.includes(approval.title))?.text).toContain("once you are signed in");

    // Whoever holds the forwarded mail: the page shows the approval, no buttons, and says to sign in.
    const page = await open(link);
    expect(page.status).toBe(200);
    const shown = await page.text();
    expect(shown).toContain("Sign in as");
    expect(shown).not.toContain('value="approve"');
    expect(shown).toContain(`/?w=${encodeURIComponent(ws)}&amp;approval=${approval.id}`);

    // Pressing anyway, as the page's form would without a session: nothing decided, the page says sign in.
    const bare = await press(link, "approve");
    expect(bare.status).toBe(401);
    expect(await bare.text()).toContain("sign in as");
    // Claiming a signed-in form without the session, or with another person's: the same.
    expect((await press(link, "approve", { origin: ORIGIN }, { withSession: "yes" })).status).toBe(401);
    expect((await pressSignedIn(link, "approve", second.cookie)).status).toBe(401);
    const otherPage = await (await SELF.fetch(link, { headers: { cookie: second.cookie } })).text();
    expect(otherPage).not.toContain('value="approve"');
    // The push's Approve action, as the service worker presses it (client/app/sw/push-actions.ts:
    // the decision alone) in a browser where the person is signed in: their cookie comes along.
    const pushAction = await SELF.fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie: owner.cookie },
      body: new URLSearchParams({ decision: "approve" }).toString(),
    });
    expect(pushAction.ok).toBe(false);
    expect((await approvalNow(secondSocket, approval.id)).status).toBe("pending");

    // The person signed in: the same link's page has the buttons, and the press decides as them.
    const signedInPage = await (await SELF.fetch(link, { headers: { cookie: owner.cookie } })).text();
    expect(signedInPage).toContain('value="approve"');
    expect(signedInPage).toContain('name="withSession"');
    const approved = await pressSignedIn(link, "approve", owner.cookie);
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain("Approved.");
    const decided = await approvalNow(secondSocket, approval.id);
    expect(decided).toMatchObject({ status: "approved", decidedIn: "link" });
    expect(decided.resolvedBy?.id).toBe(owner.userId);
  });

  it("a medium one decides by link alone until an admin lowers the limit to low; then it needs the session", async () => {
    const { ownerSocket, agentSocket, owner } = await openTeam("member");
    await ownerSocket.ok("inbox.configure", { preferences: mailNow, idempotencyKey: idem() });
    const { approval: first } = await agentSocket.ok("approvals.request", {
      title: "Medium by link",
      idempotencyKey: idem(),
    });
    expect(first.risk).toBe("medium");
    expect((await ownerSocket.hello()).snapshot?.settings.approvals.linkDecisionsUpTo).toBe("medium");
    expect((await press(await decisionLink(owner.cookie, "Medium by link"), "approve")).status).toBe(200);
    expect((await approvalNow(ownerSocket, first.id)).status).toBe("approved");

    const { approval: second } = await agentSocket.ok("approvals.request", {
      title: "Medium after the change",
      idempotencyKey: idem(),
    });
    const link = await decisionLink(owner.cookie, "Medium after the change");
    const { settings } = await ownerSocket.ok("settings.update", {
      approvals: { linkDecisionsUpTo: "low" },
      idempotencyKey: idem(),
    });
    expect(settings.approvals.linkDecisionsUpTo).toBe("low");
    // The link was mailed before the change: the limit at the press is what counts.
    expect((await press(link, "approve")).status).toBe(401);
    expect((await approvalNow(ownerSocket, second.id)).status).toBe("pending");
    expect((await pressSignedIn(link, "deny", owner.cookie)).status).toBe(200);
    expect((await approvalNow(ownerSocket, second.id)).status).toBe("denied");
  });

  it("only owners and admins set the limit", async () => {
    const { secondSocket, owner, ws } = await openTeam("member");
    const refused = await secondSocket.call("settings.update", {
      approvals: { linkDecisionsUpTo: "critical" },
      idempotencyKey: idem(),
    });
    expect(refused).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const fresh = await RawSocket.open(ws, { cookie: owner.cookie });
    expect((await fresh.hello()).snapshot?.settings.approvals.linkDecisionsUpTo).toBe("medium");
    fresh.close();
  });
});
