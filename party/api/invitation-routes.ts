import { Hono } from "hono";
import type { z } from "zod";
import {
  AcceptBody,
  type InvitationPreview,
  type InvitationState,
  JoinBody,
  type JoinResponse,
} from "../../shared/api/invitations";
import { Role } from "../../shared/protocol/principal";
import { revalidateWorkspace } from "../access/revalidate";
import { authFor } from "../auth/auth";
import { invitationById, userByEmail } from "../auth/better-auth-reads";
import { isInvitationToken } from "../auth/invitation-links";
import { consumeInvitationLinkQuota } from "../auth/rate-limits";
import { betterAuthRefusal } from "./better-auth-errors";
import { seatRefusal } from "./seats";
import { type ApiContext, type ApiEnv, authOf, httpError, jsonBody } from "./context";

type Invitation = NonNullable<Awaited<ReturnType<typeof invitationById>>>;

const STATES: Record<string, InvitationState> = {
  pending: "pending",
  accepted: "accepted",
  rejected: "declined",
  canceled: "cancelled",
};

function stateOf(invitation: Invitation): InvitationState {
  const state = STATES[invitation.status] ?? "cancelled";
  return state === "pending" && invitation.expiresAt.getTime() <= Date.now() ? "expired" : state;
}

const NOT_TAKEABLE: Record<Exclude<InvitationState, "pending">, string> = {
  accepted: "this invitation was already accepted: sign in to open the workspace",
  declined: "this invitation was declined: ask for a new one",
  cancelled: "this invitation was withdrawn: ask for a new one",
  expired: "this invitation has expired: ask for a new one",
};

/**
 * The invitation a link names, when the link is its mail's (invitation-links.ts): the token
 * is checked before anything is read, so a guessed id tells nothing.
 */
async function invitationOfLink(c: ApiContext, id: string, token: string): Promise<Invitation | Response> {
  const retryAfter = await consumeInvitationLinkQuota(c.env, c.req.raw);
  if (retryAfter !== null) {
    c.header("retry-after", String(retryAfter));
    return httpError(c, "rate_limited", `too many invitation requests from this address: try again in ${retryAfter} s`);
  }
  const invalid = () => httpError(c, "not_found", "this invitation link is not valid: ask for a new invitation");
  if (!(await isInvitationToken(c.env.BETTER_AUTH_SECRET, id, token))) return invalid();
  return (await invitationById(authOf(c), id)) ?? invalid();
}

/**
 * An invitation's landing page (docs/access.md, "Invitations"), open to whoever holds its
 * mail's link: what it is ("Olga invited you to Acme as member"), and a new account for the
 * invited address that starts in that workspace, verified (the link proved the address) and
 * with no workspace of its own. An existing account signs in and accepts with the same
 * token (decidingWithLink).
 */
export const invitationLandingApi = new Hono<ApiEnv>()
  .get("/api/invitations/:id/preview", async (c) => {
    const invitation = await invitationOfLink(c, c.req.param("id"), c.req.query("token") ?? "");
    if (invitation instanceof Response) return invitation;
    const preview = {
      id: invitation.id,
      workspaceId: invitation.workspaceId,
      workspaceName: invitation.workspaceName,
      inviterName: invitation.inviterName,
      role: Role.catch("member").parse(invitation.role),
      email: invitation.email,
      expiresAt: invitation.expiresAt.toISOString(),
      state: stateOf(invitation),
      hasAccount: (await userByEmail(authOf(c), invitation.email)) !== null,
    } satisfies z.input<typeof InvitationPreview>;
    return c.json(preview);
  })
  .post("/api/invitations/:id/join", jsonBody(JoinBody, "expected {token, name, password}"), async (c) => {
    const { token, name, password } = c.req.valid("json");
    const invitation = await invitationOfLink(c, c.req.param("id"), token);
    if (invitation instanceof Response) return invitation;
    const state = stateOf(invitation);
    if (state !== "pending") return httpError(c, "conflict", NOT_TAKEABLE[state]);
    if (await userByEmail(authOf(c), invitation.email))
      return httpError(c, "conflict", "there is already an account for this address: sign in to join");
    // Before the account is made: no account is left behind by a workspace that has no seat for it.
    const noSeat = await seatRefusal(c, invitation.workspaceId);
    if (noSeat) return noSeat;
    const joining = authFor(c.env, c.req.raw, (promise) => c.executionCtx.waitUntil(promise), {
      email: invitation.email,
    });
    let signedUp: Response;
    try {
      signedUp = await joining.api.signUpEmail({
        body: { email: invitation.email, password, name },
        headers: c.req.raw.headers,
        asResponse: true,
      });
    } catch (error) {
      return betterAuthRefusal(c, error);
    }
    // better-auth's own refusal (a weak password, too many sign-ups), as it says it.
    if (!signedUp.ok) return signedUp;
    const cookies = signedUp.headers.getSetCookie();
    const session = new Headers({ cookie: cookies.map((cookie) => cookie.split(";")[0]).join("; ") });
    const { user } = (await signedUp.clone().json()) as { user: { id: string; name: string } };
    try {
      await joining.api.acceptInvitation({ body: { invitationId: invitation.id }, headers: session });
    } catch (error) {
      return betterAuthRefusal(c, error);
    }
    await revalidateWorkspace(c.env, invitation.workspaceId, {
      reason: "member added",
      audit: {
        actor: { id: user.id, kind: "user", name: user.name },
        action: "member.added",
        targetId: user.id,
        details: { invitation: invitation.id, role: invitation.role, joined: "signed up through the link" },
      },
    });
    const res = c.json({ workspaceId: invitation.workspaceId } satisfies z.input<typeof JoinResponse>, 201);
    for (const cookie of cookies) res.headers.append("set-cookie", cookie);
    return res;
  });

/**
 * Before a signed-in person accepts or declines: the mail's token, when the body carries one,
 * verifies their address (it is the invited one, and the link proved they read it). Null to
 * go on, or the refusal.
 */
export async function decidingWithLink(c: ApiContext, invitationId: string): Promise<Response | null> {
  const body = AcceptBody.safeParse(await c.req.json().catch(() => ({})));
  if (!body.success) return httpError(c, "bad_request", "expected {token?}");
  const { token } = body.data;
  if (token === undefined) return null;
  const invitation = await invitationOfLink(c, invitationId, token);
  if (invitation instanceof Response) return invitation;
  const { user } = c.var.session;
  if (invitation.email.toLowerCase() !== user.email.toLowerCase())
    return httpError(
      c,
      "forbidden",
      `this invitation is for ${invitation.email}: sign in with that address (you are signed in as ${user.email})`,
    );
  if (!user.emailVerified)
    await (await authOf(c).$context).internalAdapter.updateUser(user.id, { emailVerified: true });
  return null;
}
