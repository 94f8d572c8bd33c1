import { Hono } from "hono";
import type { z } from "zod";
import { createMiddleware } from "hono/factory";
import {
  type AdminApprovalsResponse,
  type AdminCommunityResponse,
  AdminModerateBody,
  type AdminModerateResponse,
  type AdminUser,
  type AdminUsersResponse,
  type AdminWorkspacesResponse,
} from "../../shared/api/admin";
import {
  ADMIN_BILLING_BATCH,
  type AdminBillingResponse,
  type AdminGrantResponse,
  type AdminPlanResponse,
  GrantBody,
  PlanBody,
} from "../../shared/api/billing";
import { ApprovalFigures } from "../../shared/protocol/approvals";
import type { Actor } from "../../shared/protocol/principal";
import { type AccountAction, onUserAccessChanged } from "../admin/access-changed";
import { existingWorkspaceIds, findUser, hasWorkspaceWithSlug, listUsers, listWorkspaces } from "../admin/directory";
import { workspaceById } from "../auth/better-auth-reads";
import { readBillingConfig } from "../rooms/autopilot/features/billing/config";
import { isOperatorRole } from "../auth/account-status";
import { createPersonalWorkspace, personalWorkspaceSlug } from "../auth/auth";
import { moderationTarget, moderationView } from "../rooms/relay/community/moderation";
import { relayOf } from "../rooms/relay/community/publish";
import { Authors } from "../rooms/relay/community/views";
import { PUBLIC_COMMUNITY } from "../rooms/relay/community";
import { type ApiContext, type ApiEnv, authOf, jsonBody } from "./context";
import { httpError } from "./context";
import { roomCall } from "../room-rpc";

/** Operators only (the admin plugin's `admin` user role); mounted after requireCaller, peopleOnly and requireActiveAccount. */
const requireOperator = createMiddleware<ApiEnv>(async (c, next) => {
  if (!isOperatorRole(c.var.session.user.role)) return httpError(c, "forbidden", "only operators can do this");
  await next();
});

/** The user named in the path, or the 404 that says there is none. */
async function targetUser(c: ApiContext): Promise<AdminUser | Response> {
  const user = await findUser(authOf(c), c.req.param("id") ?? "");
  return user ?? httpError(c, "not_found", "no such user");
}

async function answerWithUser(c: ApiContext, userId: string, action: AccountAction): Promise<Response> {
  const { user: operator } = c.var.session;
  await onUserAccessChanged(c.env, authOf(c), userId, action, {
    id: operator.id,
    kind: "user",
    name: operator.name || operator.email,
  });
  return c.json({ user: (await findUser(authOf(c), userId))! });
}

/** The operator as a workspace's audit log and ledger notes name them. */
function operatorActor(c: ApiContext): Actor {
  const { user } = c.var.session;
  return { id: user.id, kind: "user", name: user.name || user.email };
}

/** The workspace named in the path, or the 404 that says there is none (no room is woken for it). */
async function targetWorkspace(c: ApiContext): Promise<string | Response> {
  const workspace = await workspaceById(authOf(c), c.req.param("ws") ?? "");
  return workspace ? workspace.id : httpError(c, "not_found", "no such workspace");
}

/** A room that cannot be reached shows as unknown on the page; the rest still load. */
async function roomBilling(c: ApiContext, workspaceId: string) {
  try {
    return await roomCall(c.env.Autopilot.getByName(workspaceId), "billingState");
  } catch (error) {
    console.error(JSON.stringify({ msg: "admin billing read failed", workspace: workspaceId, error: String(error) }));
    return null;
  }
}

/**
 * A workspace's approval figures, as its room counts them (approval-reach's `figuresOf`), checked
 * against their schema: a room that cannot be reached, or answers something else, shows as unknown.
 */
async function roomApprovalFigures(c: ApiContext, workspaceId: string): Promise<ApprovalFigures | null> {
  try {
    const figures = ApprovalFigures.safeParse(
      await roomCall(c.env.Autopilot.getByName(workspaceId), "approvalFigures"),
    );
    if (figures.success) return figures.data;
    console.error(JSON.stringify({ msg: "admin approval figures malformed", workspace: workspaceId }));
  } catch (error) {
    console.error(
      JSON.stringify({ msg: "admin approval figures failed", workspace: workspaceId, error: String(error) }),
    );
  }
  return null;
}

/** The workspaces of `?workspace=<id>&…` that exist (1 to ADMIN_BILLING_BATCH asked), or the 400 that says what to send. */
async function askedWorkspaces(c: ApiContext): Promise<string[] | Response> {
  const ids = [...new Set(c.req.queries("workspace") ?? [])];
  if (ids.length === 0 || ids.length > ADMIN_BILLING_BATCH || ids.some((id) => id.length > 200))
    return httpError(c, "bad_request", `expected ?workspace=<id> 1 to ${ADMIN_BILLING_BATCH} times`);
  const known = await existingWorkspaceIds(authOf(c), ids);
  return ids.filter((id) => known.has(id));
}

/**
 * `/admin`'s HTTP API. better-auth's own `/api/auth/admin/*` endpoints are closed
 * (impersonation, set-role, create/remove user and set-password are more than the product
 * offers); these routes call the plugin server-side with the operator's session, so its
 * own checks (permission, "cannot ban yourself", sessions deleted on ban) still apply.
 */
export const adminApi = new Hono<ApiEnv>()
  .use("/api/admin/*", requireOperator)
  .get("/api/admin/users", async (c) =>
    c.json({ users: await listUsers(authOf(c)) } satisfies z.input<typeof AdminUsersResponse>),
  )
  .get("/api/admin/workspaces", async (c) =>
    c.json({ workspaces: await listWorkspaces(authOf(c)) } satisfies z.input<typeof AdminWorkspacesResponse>),
  )
  // Each workspace's money (its room's billingState), a batch at a time: every one is a room woken.
  .get("/api/admin/billing", async (c) => {
    const ids = await askedWorkspaces(c);
    if (ids instanceof Response) return ids;
    const workspaces = await Promise.all(ids.map(async (id) => ({ workspaceId: id, state: await roomBilling(c, id) })));
    const plans = Object.values(readBillingConfig(c.env).plans).map(({ id, name, includedCredits }) => ({
      id,
      name,
      includedCredits,
    }));
    return c.json({ workspaces, plans } satisfies z.input<typeof AdminBillingResponse>);
  })
  // How each workspace's approvals reached people (its room's figures), in the same batches.
  .get("/api/admin/approvals", async (c) => {
    const ids = await askedWorkspaces(c);
    if (ids instanceof Response) return ids;
    const workspaces = await Promise.all(
      ids.map(async (id) => ({ workspaceId: id, figures: await roomApprovalFigures(c, id) })),
    );
    return c.json({ workspaces } satisfies z.input<typeof AdminApprovalsResponse>);
  })
  .post(
    "/api/admin/workspaces/:ws/credits",
    jsonBody(GrantBody, "expected {credits (1 to 1,000,000,000), note (one line, 1-200 chars), requestId?: uuid}"),
    async (c) => {
      const workspaceId = await targetWorkspace(c);
      if (workspaceId instanceof Response) return workspaceId;
      const { credits, note, requestId } = c.req.valid("json");
      const operator = operatorActor(c);
      const { credited, state } = await roomCall(c.env.Autopilot.getByName(workspaceId), "creditLedger", {
        id: `grant:${requestId ?? crypto.randomUUID()}`,
        kind: "grant",
        amount: credits,
        note: `Granted by ${operator.name}: ${note}`,
        by: operator,
      });
      return c.json(
        { workspaceId, state, credited } satisfies z.input<typeof AdminGrantResponse>,
        credited ? 201 : 200,
      );
    },
  )
  .post("/api/admin/workspaces/:ws/plan", jsonBody(PlanBody, "expected {plan: a plan's id, or null}"), async (c) => {
    const { plan } = c.req.valid("json");
    const plans = readBillingConfig(c.env).plans;
    if (plan !== null && !Object.hasOwn(plans, plan))
      return httpError(c, "bad_request", `no plan ${plan}: the plans are ${Object.keys(plans).join(", ")}`);
    const workspaceId = await targetWorkspace(c);
    if (workspaceId instanceof Response) return workspaceId;
    const state = await roomCall(c.env.Autopilot.getByName(workspaceId), "setWorkspacePlan", plan, operatorActor(c));
    return c.json({ workspaceId, state } satisfies z.input<typeof AdminPlanResponse>);
  })
  // The public community is no workspace's: its reports come here, and operators hide and ban.
  .get("/api/admin/community", async (c) => {
    const state = await relayOf(c.env, PUBLIC_COMMUNITY).moderation();
    const moderation = await moderationView(state, "public", new Authors(() => c.env.DB));
    return c.json({ moderation } satisfies z.input<typeof AdminCommunityResponse>);
  })
  .post(
    "/api/admin/community/moderate",
    jsonBody(AdminModerateBody, "expected {action: hide|unhide|ban|unban, eventId?, pubkey?}"),
    async (c) => {
      const params = c.req.valid("json");
      const relay = relayOf(c.env, PUBLIC_COMMUNITY);
      const found = await moderationTarget(relay, params);
      if (!found.ok) return httpError(c, found.code, found.message);
      const operator = operatorActor(c);
      const { changed } = await relay.moderate(params.action, found.target, operator.name, PUBLIC_COMMUNITY);
      const moderation = await moderationView(await relay.moderation(), "public", new Authors(() => c.env.DB));
      return c.json({ changed, moderation } satisfies z.input<typeof AdminModerateResponse>);
    },
  )
  .post("/api/admin/users/:id/approve", async (c) => {
    const user = await targetUser(c);
    if (user instanceof Response) return user;
    const auth = authOf(c);
    if (user.status === "waitlisted")
      await auth.api.adminUpdateUser({
        body: { userId: user.id, data: { waitlisted: false } },
        headers: c.req.raw.headers,
      });
    // Approving is also the moment a waitlisted person gets the workspace everyone else got at sign-up.
    if (!(await hasWorkspaceWithSlug(auth, personalWorkspaceSlug(user.id)))) await createPersonalWorkspace(auth, user);
    return answerWithUser(c, user.id, "approve");
  })
  .post("/api/admin/users/:id/disable", async (c) => {
    const user = await targetUser(c);
    if (user instanceof Response) return user;
    if (user.id === c.var.session.user.id)
      return httpError(c, "bad_request", "operators cannot disable their own account");
    // Bans without expiry and deletes every session of the account.
    await authOf(c).api.banUser({ body: { userId: user.id }, headers: c.req.raw.headers });
    return answerWithUser(c, user.id, "disable");
  })
  .post("/api/admin/users/:id/enable", async (c) => {
    const user = await targetUser(c);
    if (user instanceof Response) return user;
    await authOf(c).api.unbanUser({ body: { userId: user.id }, headers: c.req.raw.headers });
    return answerWithUser(c, user.id, "enable");
  });
