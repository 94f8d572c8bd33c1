import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import { AccountStatusQuery, type MeResponse, type WorkspaceInfo } from "../../shared/api/account";
import type { DevMailResponse } from "../../shared/api/dev-mail";
import {
  InviteBody,
  type InvitationDecisionResponse,
  type InvitationResponse,
  type ReceivedInvitationsResponse,
  type SentInvitationsResponse,
} from "../../shared/api/invitations";
import {
  AddMemberBody,
  type AddMemberResponse,
  type Member,
  type RemovedMemberResponse,
  UpdateMemberBody,
  type UpdatedMemberResponse,
} from "../../shared/api/members";
import { TicketBody } from "../../shared/api/tickets";
import type { Role } from "../../shared/protocol/principal";
import { scopesForRole } from "../../shared/scopes";
import { handleAuthEndpoint } from "../access/auth-endpoints";
import { crossSiteRefusal } from "../auth/origin";
import { revalidateWorkspace } from "../access/revalidate";
import { accountStatus, isOperatorRole } from "../auth/account-status";
import {
  membershipOf,
  membersOf,
  ownerCount,
  userByEmail,
  workspaceById,
  workspacesOf,
} from "../auth/better-auth-reads";
import { closeKeySession, keySessionCookie, keySessionCookieValue } from "../auth/key-sessions";
import { devOutbox } from "../auth/mail";
import { memberChangeRefusal } from "../auth/membership-rules";
import { consumeTicketQuota } from "../auth/rate-limits";
import { waitForStatusChange } from "../auth/status-watch";
import { issueTicket } from "../auth/tickets";
import { adminApi } from "./admin-routes";
import { betterAuthRefusal } from "./better-auth-errors";
import { type ApiContext, type ApiEnv, authOf, jsonBody } from "./context";
import { httpError, internalError } from "./context";
import { requireActiveAccount } from "./session";
import { removeMember, setMemberRole } from "./access-writes";
import {
  actorOf,
  isMemberCaller,
  managerGivingRole,
  managesWorkspace,
  peopleOnly,
  principalIn,
  requireCaller,
} from "./caller";
import { agentAuthApi } from "./agent-routes";
import { agentInvitationApi } from "./agent-invitation-routes";
import { decidingWithLink, invitationLandingApi } from "./invitation-routes";
import { keysApi } from "./key-routes";
import { seatRefusal } from "./seats";
import { nostrApi } from "./nostr-routes";
import { checkoutApi, planApi, stripeWebhookApi } from "./billing-routes";
import { isAgentAccountEmail } from "../auth/agent-account";

const noStore = createMiddleware<ApiEnv>(async (c, next) => {
  await next();
  c.header("cache-control", "no-store");
});

/** Cookie-authenticated requests only from the app's own origins, writes only as JSON (party/auth/origin.ts). */
const sameSiteOnly = createMiddleware<ApiEnv>(async (c, next) => {
  const refusal = crossSiteRefusal(c.env, c.req.raw);
  if (refusal) return httpError(c, "forbidden", refusal);
  await next();
});

/** better-auth says when to retry in `X-Retry-After`; clients and proxies read `Retry-After`. */
function withRetryAfter(res: Response): Response {
  const seconds = res.headers.get("x-retry-after");
  if (res.status !== 429 || !seconds) return res;
  const copy = new Response(res.body, res);
  copy.headers.set("retry-after", seconds);
  return copy;
}

/**
 * better-auth's endpoints act for a person's session. In a tab signed in with an agent's key
 * (caller.ts) only signing in, up or out goes through; a person signing in ends the key
 * session (its row and its cookie), which would otherwise decide every later request.
 */
async function authEndpoint(c: ApiContext): Promise<Response> {
  const request = c.req.raw;
  const origin = new URL(request.url).origin;
  const token = keySessionCookieValue(request.headers, origin);
  const signingIn = /^\/api\/auth\/sign-(in|up)\//.test(c.req.path);
  if (token !== null && !signingIn && c.req.path !== "/api/auth/sign-out")
    return httpError(c, "forbidden", "this tab is signed in with an agent's key: sign out first");
  const res = withRetryAfter(await handleAuthEndpoint(c.env, () => authOf(c), request));
  if (token === null || !signingIn || !res.ok) return res;
  await closeKeySession(c.env, token);
  const copy = new Response(res.body, res);
  copy.headers.append("set-cookie", keySessionCookie(origin, null));
  return copy;
}

const isPending = (inv: { status: string; expiresAt: Date | string | number }) =>
  inv.status === "pending" && new Date(inv.expiresAt).getTime() > Date.now();

/**
 * A manager (managesWorkspace) gives member `userId` a new `role`, or removes them (null):
 * refused as the role rules say, else written through better-auth and told to the rooms with
 * its audit entry. Null once done, else the refusal to send.
 */
async function changeMember(
  c: ApiContext,
  workspaceId: string,
  userId: string,
  role: Role | null,
): Promise<Response | null> {
  const target = await membershipOf(authOf(c), workspaceId, userId);
  if (!target) return httpError(c, "not_found", "no such member in this workspace");
  const refusal = memberChangeRefusal(c.var.manager.role, target.role, role, await ownerCount(authOf(c), workspaceId));
  if (refusal) return httpError(c, refusal.code, refusal.message);
  try {
    if (role) await setMemberRole(c, workspaceId, target.id, role);
    else await removeMember(c, workspaceId, target.id);
  } catch (error) {
    return betterAuthRefusal(c, error);
  }
  const actor = actorOf(c);
  await revalidateWorkspace(
    c.env,
    workspaceId,
    role
      ? {
          reason: "your role changed",
          audit: { actor, action: "member.role_changed", targetId: userId, details: { from: target.role, to: role } },
        }
      : {
          reason: "you no longer have access to this workspace",
          audit: { actor, action: "member.removed", targetId: userId, details: { role: target.role } },
        },
  );
  return null;
}

/**
 * The auth HTTP API, the only HTTP the product has besides assets. Order matters: routes
 * above `requireCaller` are open (better-auth checks its own), everything below needs a
 * session, and an unknown route answers 401 before 404 so it reveals nothing anonymously.
 */
export const api = new Hono<ApiEnv>()
  .use(sameSiteOnly)
  // better-auth's admin endpoints stay closed over HTTP: /api/admin/* (admin-routes.ts) is `/admin`'s API.
  .all("/api/auth/admin/*", (c) => httpError(c, "not_found", `no route for ${c.req.method} ${c.req.path}`))
  .all("/api/auth/*", authEndpoint)
  .use(noStore)
  .all("/api/health", (c) => c.json({ ok: true }))
  .post("/api/connect-ticket", jsonBody(TicketBody, "expected {workspaceId}"), async (c) => {
    const { workspaceId } = c.req.valid("json");
    // A tab signed in with a key gets tickets as that key, never as a person's cookie beside it.
    const principal = await principalIn(c, workspaceId);
    if (principal instanceof Response) return principal;
    const retryAfter = await consumeTicketQuota(c.env, principal.id);
    if (retryAfter !== null) {
      c.header("retry-after", String(retryAfter));
      return httpError(c, "rate_limited", `too many connect tickets: try again in ${retryAfter} s`);
    }
    return c.json(await issueTicket(c.env, workspaceId, principal), 201);
  })
  .route("/", agentAuthApi)
  // Nostr identities: a key's or a person's, each proven as for a connect ticket (nostr-routes.ts).
  .route("/", nostrApi)
  // Stripe's webhook: no session, believed by its signature alone (billing-routes.ts).
  .route("/", stripeWebhookApi)
  // An invitation's landing page and a sign-up through it, for whoever holds its mail's link.
  .route("/", invitationLandingApi)
  .use(requireCaller)
  .get("/api/me", async (c) => {
    const caller = c.var.caller;
    if (caller.kind === "agent") {
      const workspace = await workspaceById(authOf(c), caller.workspaceId);
      const { id, name, scopes } = caller.principal;
      return c.json({
        kind: "agent",
        user: { id, name, email: "", emailVerified: true },
        workspaces: workspace ? [{ ...workspace, role: null, scopes }] : [],
        account: { status: "active", operator: false },
      } satisfies MeResponse);
    }
    const { user } = caller.session;
    const results: WorkspaceInfo[] = (await workspacesOf(authOf(c), user.id)).map((w) => ({
      ...w,
      scopes: scopesForRole(w.role),
    }));
    const account = { status: accountStatus(user), operator: isOperatorRole(user.role) };
    return c.json({
      kind: "user",
      user: { id: user.id, name: user.name, email: user.email, emailVerified: user.emailVerified },
      workspaces: results,
      account,
    } satisfies MeResponse);
  })
  // A person's own account (its status, its mail, its invitations), and e-mail invitations (better-auth's, made for a signed-in person).
  .use("/api/me/*", peopleOnly)
  .use("/api/dev/*", peopleOnly)
  .use("/api/admin/*", peopleOnly)
  .use("/api/invitations", peopleOnly)
  .use("/api/invitations/*", peopleOnly)
  .use("/api/workspaces/:ws/invitations", peopleOnly)
  .use("/api/workspaces/:ws/invitations/*", peopleOnly)
  // Paying is a person's to decide: an agent's key opens no checkout.
  .use("/api/workspaces/:ws/billing/*", peopleOnly)
  .get("/api/me/status", async (c) => {
    const query = AccountStatusQuery.safeParse(c.req.query());
    if (!query.success) return httpError(c, "bad_request", "expected ?while=active|waitlisted|disabled");
    const current = accountStatus(c.var.session.user);
    const status =
      query.data.while === current ? await waitForStatusChange(c.env, c.var.session.user.id, current) : current;
    if (!status) return httpError(c, "unauthenticated", "sign in first");
    return c.json({ status });
  })
  // Everything below is for accounts an operator let in; the two routes above are what the waiting screen needs.
  .get("/api/dev/mail", async (c) => {
    // Local development and tests only: production never sets DEV_MAIL_OUTBOX. Open to a
    // waitlisted account too: verifying its address is what it may do while it waits.
    if (c.env.DEV_MAIL_OUTBOX !== "1") return httpError(c, "not_found", `no route for ${c.req.method} ${c.req.path}`);
    return c.json({ mails: await devOutbox(c.env, c.var.session.user.email) } satisfies z.input<
      typeof DevMailResponse
    >);
  })
  .use(requireActiveAccount)
  .route("/", adminApi)
  .route("/", agentInvitationApi)
  .route("/", checkoutApi)
  .route("/", planApi)
  .get("/api/workspaces/:ws/members", async (c) => {
    const workspaceId = c.req.param("ws");
    if (!(await isMemberCaller(c, workspaceId))) return httpError(c, "not_found", "no such workspace");
    const members: Member[] = (await membersOf(authOf(c), workspaceId)).map((m) => ({
      ...m,
      agent: isAgentAccountEmail(m.email),
    }));
    return c.json({ members });
  })
  .post(
    "/api/workspaces/:ws/members",
    jsonBody(AddMemberBody, "expected {email, role: owner|admin|member|viewer}"),
    managerGivingRole,
    async (c) => {
      const workspaceId = c.req.param("ws");
      const { email, role } = c.req.valid("json");
      const user = await userByEmail(authOf(c), email);
      if (!user) return httpError(c, "not_found", "no account with that email: ask them to sign up first");
      // Anyone can register any address; only a verified one is known to be that person.
      if (!user.emailVerified)
        return httpError(
          c,
          "forbidden",
          "that address is not verified yet: invite it instead, or ask them to verify their e-mail first",
        );
      if (await membershipOf(authOf(c), workspaceId, user.id))
        return httpError(c, "conflict", "already a member of this workspace");
      try {
        // The plan's seats are the organization plugin's hooks' to hold (party/auth/seats.ts).
        await authOf(c).api.addMember({ body: { userId: user.id, role, organizationId: workspaceId } });
      } catch (error) {
        return betterAuthRefusal(c, error);
      }
      await revalidateWorkspace(c.env, workspaceId, {
        reason: "member added",
        audit: { actor: actorOf(c), action: "member.added", targetId: user.id, details: { email, role } },
      });
      return c.json({ member: { userId: user.id, email, role } } satisfies z.input<typeof AddMemberResponse>, 201);
    },
  )
  .patch(
    "/api/workspaces/:ws/members/:userId",
    jsonBody(UpdateMemberBody, "expected {role: owner|admin|member|viewer}"),
    managesWorkspace,
    async (c) => {
      const { role } = c.req.valid("json");
      const refused = await changeMember(c, c.req.param("ws"), c.req.param("userId"), role);
      if (refused) return refused;
      return c.json({ member: { userId: c.req.param("userId"), role } } satisfies z.input<
        typeof UpdatedMemberResponse
      >);
    },
  )
  .delete("/api/workspaces/:ws/members/:userId", managesWorkspace, async (c) => {
    const refused = await changeMember(c, c.req.param("ws"), c.req.param("userId"), null);
    if (refused) return refused;
    return c.json({ removed: c.req.param("userId") } satisfies z.input<typeof RemovedMemberResponse>);
  })
  .get("/api/workspaces/:ws/invitations", managesWorkspace, async (c) => {
    const workspaceId = c.req.param("ws");
    const all = await authOf(c).api.listInvitations({
      query: { organizationId: workspaceId },
      headers: c.req.raw.headers,
    });
    const invitations = all
      .filter(isPending)
      .map((i) => ({ id: i.id, email: i.email, role: i.role as Role, expiresAt: new Date(i.expiresAt).toISOString() }));
    return c.json({ invitations } satisfies z.input<typeof SentInvitationsResponse>);
  })
  .post(
    "/api/workspaces/:ws/invitations",
    jsonBody(InviteBody, "expected {email, role: owner|admin|member|viewer}"),
    managerGivingRole,
    async (c) => {
      const workspaceId = c.req.param("ws");
      const { email, role } = c.req.valid("json");
      try {
        const pending = (
          await authOf(c).api.listInvitations({ query: { organizationId: workspaceId }, headers: c.req.raw.headers })
        ).filter(isPending).length;
        const noSeat = await seatRefusal(c, workspaceId, pending);
        if (noSeat) return noSeat;
        const created = await authOf(c).api.createInvitation({
          body: { email, role, organizationId: workspaceId },
          headers: c.req.raw.headers,
        });
        const invitation = {
          id: created.id,
          email: created.email,
          role,
          expiresAt: new Date(created.expiresAt).toISOString(),
        };
        return c.json({ invitation } satisfies z.input<typeof InvitationResponse>, 201);
      } catch (error) {
        return betterAuthRefusal(c, error);
      }
    },
  )
  .delete("/api/workspaces/:ws/invitations/:id", managesWorkspace, async (c) => {
    try {
      await authOf(c).api.cancelInvitation({ body: { invitationId: c.req.param("id") }, headers: c.req.raw.headers });
    } catch (error) {
      return betterAuthRefusal(c, error);
    }
    return c.json({ cancelled: c.req.param("id") });
  })
  .get("/api/invitations", async (c) => {
    if (!c.var.session.user.emailVerified)
      return httpError(c, "forbidden", "verify your e-mail address to see your invitations");
    const all = await authOf(c).api.listUserInvitations({ headers: c.req.raw.headers });
    const invitations = all.filter(isPending).map((i) => ({
      id: i.id,
      workspaceId: i.organizationId,
      workspaceName: i.organizationName ?? "a workspace",
      role: i.role as Role,
      expiresAt: new Date(i.expiresAt).toISOString(),
    }));
    return c.json({ invitations } satisfies z.input<typeof ReceivedInvitationsResponse>);
  })
  .post("/api/invitations/:id/:decision{accept|decline}", async (c) => {
    const invitationId = c.req.param("id");
    const accept = c.req.param("decision") === "accept";
    const refused = await decidingWithLink(c, invitationId);
    if (refused) return refused;
    try {
      const body = { invitationId };
      // An accept past the plan's seats is refused by the organization plugin's hooks (party/auth/seats.ts).
      const result = accept
        ? await authOf(c).api.acceptInvitation({ body, headers: c.req.raw.headers })
        : await authOf(c).api.rejectInvitation({ body, headers: c.req.raw.headers });
      const workspaceId = result?.invitation?.organizationId ?? "";
      if (accept && workspaceId) {
        const audit = {
          actor: actorOf(c),
          action: "member.added",
          targetId: c.var.session.user.id,
          details: { invitation: invitationId, role: result?.invitation?.role ?? null },
        };
        await revalidateWorkspace(c.env, workspaceId, { reason: "member added", audit });
      }
      return c.json({ id: invitationId, status: accept ? "accepted" : "rejected", workspaceId } satisfies z.input<
        typeof InvitationDecisionResponse
      >);
    } catch (error) {
      return betterAuthRefusal(c, error);
    }
  })
  .route("/", keysApi)
  .notFound((c) => httpError(c, "not_found", `no route for ${c.req.method} ${c.req.path}`))
  // Hono's JSON validator throws a 400 for a body that is not JSON at all.
  .onError((error, c) =>
    error instanceof HTTPException && error.status === 400
      ? httpError(c, "bad_request", "request body is not valid JSON")
      : internalError(c.req.path, error),
  );
