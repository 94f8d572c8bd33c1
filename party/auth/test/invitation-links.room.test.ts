// An invitation's link (docs/access.md, "Invitations"): its mail carries a token beside the
// invitation's id, and with it the landing page shows the invitation to whoever holds the
// link before any sign-in; a new account made through it starts verified, in that workspace
// and in no workspace of its own; an existing account that has not verified its address
// accepts with the same token. The id alone (which the workspace's managers list) opens
// nothing, and the token is for its own invitation and address only.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InvitationPreview } from "../../../shared/api/invitations";
import { api, type Person, RawSocket, signUp, uniq } from "../../test/harness";

const DB = (env as unknown as { DB: D1Database }).DB;
const PASSWORD = "correct horse battery";
type ErrorBody = { error: { code: string; message: string } };
type Me = { user: { emailVerified: boolean }; workspaces: { id: string; role: string }[] };

const post = (body: unknown, cookie?: string) => ({
  method: "POST",
  ...(cookie ? { cookie } : {}),
  body: JSON.stringify(body),
});

async function invite(owner: Person, email: string, role = "member") {
  const res = await api<{ invitation: { id: string } }>(
    `/api/workspaces/${owner.workspaceId}/invitations`,
    post({ email, role }, owner.cookie),
  );
  expect(res.status).toBe(201);
  return res.body.invitation.id;
}

/** The link in the invitation's mail (the dev outbox in D1: nobody is signed in as the invitee yet). */
async function mailedLink(email: string): Promise<{ id: string; token: string }> {
  const row = await DB.prepare(
    `select "link" from "dev_mail" where "to" = lower(?) and "subject" like '%invited you to%' order by "createdAt" desc`,
  )
    .bind(email)
    .first<{ link: string }>();
  const link = new URL(row!.link);
  return { id: link.searchParams.get("invitation")!, token: link.searchParams.get("token")! };
}

const preview = (id: string, token: string) =>
  api<InvitationPreview & ErrorBody>(`/api/invitations/${id}/preview?token=${encodeURIComponent(token)}`);

describe("an invitation's link", () => {
  it("shows who invited whom where before any sign-in; a new account through it starts in that workspace, verified, with none of its own", async () => {
    const owner = await signUp(uniq("olga"));
    const email = `${uniq("dana")}@example.test`;
    const id = await invite(owner, email);
    const link = await mailedLink(email);
    expect(link.id).toBe(id);

    // The id alone, or another invitation's token, shows nothing.
    expect((await preview(id, "")).status).toBe(404);
    const otherId = await invite(owner, `${uniq("someone")}@example.test`);
    expect((await preview(otherId, link.token)).status).toBe(404);
    const shown = await preview(id, link.token);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id,
      workspaceId: owner.workspaceId,
      workspaceName: `${owner.name}'s workspace`,
      inviterName: owner.name,
      role: "member",
      email,
      state: "pending",
      hasAccount: false,
    });

    const weak = await api(
      `/api/invitations/${id}/join`,
      post({ token: link.token, name: "Dana", password: "password" }),
    );
    expect(weak.status).toBe(400);
    const joined = await api<{ workspaceId: string }>(
      `/api/invitations/${id}/join`,
      post({ token: link.token, name: "Dana", password: PASSWORD }),
    );
    expect(joined.status).toBe(201);
    expect(joined.body).toEqual({ workspaceId: owner.workspaceId });
    const cookie = joined.headers.get("set-cookie")!.split(";")[0]!;
    const me = (await api<Me>("/api/me", { cookie })).body;
    expect(me.user.emailVerified).toBe(true);
    expect(me.workspaces.map((w) => [w.id, w.role])).toEqual([[owner.workspaceId, "member"]]);
    const socket = await RawSocket.open(owner.workspaceId, { cookie });
    expect((await socket.hello()).principal.role).toBe("member");
    socket.close();
    // No verification mail: the link proved the address.
    const mails = await api<{ mails: { subject: string }[] }>("/api/dev/mail", { cookie });
    expect(mails.body.mails.some((m) => m.subject.startsWith("Verify"))).toBe(false);

    // Taken: it says so, and it takes no second account.
    expect((await preview(id, link.token)).body).toMatchObject({ state: "accepted", hasAccount: true });
    const again = await api<ErrorBody>(
      `/api/invitations/${id}/join`,
      post({ token: link.token, name: "Dana again", password: PASSWORD }),
    );
    expect(again.status).toBe(409);
  });

  it("an existing account with the invited address accepts with the link's token, verified by it; another address cannot", async () => {
    const owner = await signUp(uniq("olga"));
    const invitee = await signUp(uniq("dana"), { verified: false });
    const stranger = await signUp(uniq("eve"));
    const id = await invite(owner, invitee.email, "viewer");
    const link = await mailedLink(invitee.email);
    expect((await preview(id, link.token)).body).toMatchObject({ state: "pending", hasAccount: true });
    const signUpAgain = await api<ErrorBody>(
      `/api/invitations/${id}/join`,
      post({ token: link.token, name: "Dana", password: PASSWORD }),
    );
    expect(signUpAgain.status).toBe(409);
    expect(signUpAgain.body.error.message).toMatch(/sign in to join/);

    // Without the token an unverified account still cannot accept; someone else cannot with it.
    expect((await api(`/api/invitations/${id}/accept`, post({}, invitee.cookie))).status).toBe(403);
    const theirs = await api<ErrorBody>(`/api/invitations/${id}/accept`, post({ token: link.token }, stranger.cookie));
    expect(theirs.status).toBe(403);
    expect(theirs.body.error.message).toMatch(/this invitation is for/);
    const accepted = await api<{ status: string; workspaceId: string }>(
      `/api/invitations/${id}/accept`,
      post({ token: link.token }, invitee.cookie),
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: "accepted", workspaceId: owner.workspaceId });
    const me = (await api<Me>("/api/me", { cookie: invitee.cookie })).body;
    expect(me.user.emailVerified).toBe(true);
    expect(me.workspaces.find((w) => w.id === owner.workspaceId)?.role).toBe("viewer");
  });
});
