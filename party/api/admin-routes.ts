import { Hono } from "hono";
import type { z } from "zod";
import { createMiddleware } from "hono/factory";
import type { AdminUser, AdminUsersResponse, AdminWorkspacesResponse } from "../../shared/api/admin";
import { type AccountAction, onUserAccessChanged } from "../admin/access-changed";
import { findUser, hasWorkspaceWithSlug, listUsers, listWorkspaces } from "../admin/directory";
import { isOperatorRole } from "../auth/account-status";
import { createPersonalWorkspace, personalWorkspaceSlug } from "../auth/auth";
import { type ApiContext, type ApiEnv, authOf } from "./context";
import { httpError } from "./context";

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
