import { getAgentByName } from "agents";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import { AccountStatusQuery, type MeResponse, type WorkspaceInfo } from "../../shared/api/account";
import { CreateKeyBody, type CreatedKeyResponse, type KeysResponse } from "../../shared/api/keys";
import { AddMemberBody, type AddMemberResponse, type Member } from "../../shared/api/members";
import { TicketBody } from "../../shared/api/tickets";
import type { Role } from "../../shared/protocol/principal";
import { accountStatus, isOperatorRole } from "../auth/account-status";
import { agentScopes, memberRole, principalFromApiKey, principalFromSession } from "../auth/principal";
import { waitForStatusChange } from "../auth/status-watch";
import { issueTicket } from "../auth/tickets";
import { adminApi } from "./admin-routes";
import { type ApiContext, type ApiEnv, authOf, jsonBody } from "./context";
import { httpError, internalError } from "./http";
import { requireActiveAccount, requireSession } from "./session";

const noStore = createMiddleware<ApiEnv>(async (c, next) => {
  await next();
  c.header("cache-control", "no-store");
});

/** Owners and admins manage members and keys. */
async function requireManager(c: ApiContext, workspaceId: string): Promise<Role | Response> {
  const role = await memberRole(c.env, workspaceId, c.var.session.user.id);
  if (!role) return httpError(c, "not_found", "no such workspace");
  if (role !== "owner" && role !== "admin") return httpError(c, "forbidden", "only owners and admins can do this");
  return role;
}

/**
 * The auth HTTP API, the only HTTP the product has besides assets. Order matters: routes
 * above `requireSession` are open (better-auth checks its own), everything below needs a
 * session, and an unknown route answers 401 before 404 so it reveals nothing anonymously.
 */
export const api = new Hono<ApiEnv>()
  // better-auth's admin endpoints stay closed over HTTP: /api/admin/* (admin-routes.ts) is `/admin`'s API.
  .all("/api/auth/admin/*", (c) => httpError(c, "not_found", `no route for ${c.req.method} ${c.req.path}`))
  .all("/api/auth/*", (c) => authOf(c).handler(c.req.raw))
  .use(noStore)
  .all("/api/health", (c) => c.json({ ok: true }))
  .post("/api/connect-ticket", jsonBody(TicketBody, "expected {workspaceId}"), async (c) => {
    const { workspaceId } = c.req.valid("json");
    const key = c.req.header("x-api-key");
    const outcome = key ? await principalFromApiKey(authOf(c), key, workspaceId) : await principalFromSession(c.env, authOf(c), c.req.raw.headers, workspaceId);
    if (!outcome.ok) return httpError(c, outcome.status === 401 ? "unauthenticated" : "forbidden", outcome.reason);
    return c.json(await issueTicket(c.env, workspaceId, outcome.principal), 201);
  })
  .use(requireSession)
  .get("/api/me", async (c) => {
    const { user } = c.var.session;
    const { results } = await c.env.DB.prepare(
      `select o."id", o."name", o."slug", m."role" from "member" m join "organization" o on o."id" = m."organizationId"
       where m."userId" = ? order by o."createdAt"`,
    )
      .bind(user.id)
      .all<WorkspaceInfo>();
    const account = { status: accountStatus(user), operator: isOperatorRole(user.role) };
    return c.json({ user: { id: user.id, name: user.name, email: user.email }, workspaces: results, account } satisfies MeResponse);
  })
  .get("/api/me/status", async (c) => {
    const query = AccountStatusQuery.safeParse(c.req.query());
    if (!query.success) return httpError(c, "bad_request", "expected ?while=active|waitlisted|disabled");
    const current = accountStatus(c.var.session.user);
    const status = query.data.while === current ? await waitForStatusChange(c.env, c.var.session.user.id, current) : current;
    if (!status) return httpError(c, "unauthenticated", "sign in first");
    return c.json({ status });
  })
  // Everything below is for accounts an operator let in; the two routes above are what the waiting screen needs.
  .use(requireActiveAccount)
  .route("/", adminApi)
  .get("/api/workspaces/:ws/members", async (c) => {
    const workspaceId = c.req.param("ws");
    if (!(await memberRole(c.env, workspaceId, c.var.session.user.id))) return httpError(c, "not_found", "no such workspace");
    const { results } = await c.env.DB.prepare(
      `select u."id" as "userId", u."name", u."email", m."role" from "member" m join "user" u on u."id" = m."userId"
       where m."organizationId" = ? order by m."createdAt"`,
    )
      .bind(workspaceId)
      .all<Member>();
    return c.json({ members: results });
  })
  .post("/api/workspaces/:ws/members", jsonBody(AddMemberBody, "expected {email, role: owner|admin|member|viewer}"), async (c) => {
    const workspaceId = c.req.param("ws");
    const callerRole = await requireManager(c, workspaceId);
    if (callerRole instanceof Response) return callerRole;
    const { email, role } = c.req.valid("json");
    if (role === "owner" && callerRole !== "owner") return httpError(c, "forbidden", "only owners can add owners");
    const user = await c.env.DB.prepare(`select "id" from "user" where lower("email") = lower(?)`).bind(email).first<{ id: string }>();
    if (!user) return httpError(c, "not_found", "no account with that email: ask them to sign up first");
    if (await memberRole(c.env, workspaceId, user.id)) return httpError(c, "conflict", "already a member of this workspace");
    await authOf(c).api.addMember({ body: { userId: user.id, role, organizationId: workspaceId } });
    return c.json({ member: { userId: user.id, email, role } } satisfies z.input<typeof AddMemberResponse>, 201);
  })
  .get("/api/workspaces/:ws/keys", async (c) => {
    const workspaceId = c.req.param("ws");
    const denied = await requireManager(c, workspaceId);
    if (denied instanceof Response) return denied;
    const { results } = await c.env.DB.prepare(`select "id", "name", "start", "metadata", "createdAt" from "apikey" where "referenceId" = ? order by "createdAt" desc`)
      .bind(workspaceId)
      .all<{ id: string; name: string | null; start: string | null; metadata: string | null; createdAt: string | number }>();
    const keys = results.map((k) => ({ id: k.id, name: k.name, start: k.start, scopes: agentScopes(k.metadata ? JSON.parse(k.metadata) : null), createdAt: k.createdAt }));
    return c.json({ keys } satisfies z.input<typeof KeysResponse>);
  })
  .post("/api/workspaces/:ws/keys", jsonBody(CreateKeyBody, "expected {name (1-32 chars), scopes?: (read|write|approve|admin)[]}"), async (c) => {
    const workspaceId = c.req.param("ws");
    const denied = await requireManager(c, workspaceId);
    if (denied instanceof Response) return denied;
    const { name, scopes } = c.req.valid("json");
    const userId = c.var.session.user.id;
    // Called without request headers on purpose: the plugin then treats this as a
    // server-side call and accepts `userId` (whose org permission it still checks).
    const created = await authOf(c).api.createApiKey({ body: { name, organizationId: workspaceId, userId, metadata: { scopes, createdBy: userId } } });
    // The raw key leaves the server exactly once, in this response; only its hash is stored.
    return c.json({ id: created.id, key: created.key, name: created.name, start: created.start, scopes } satisfies CreatedKeyResponse, 201);
  })
  .delete("/api/workspaces/:ws/keys/:keyId", async (c) => {
    const workspaceId = c.req.param("ws");
    const keyId = c.req.param("keyId");
    const denied = await requireManager(c, workspaceId);
    if (denied instanceof Response) return denied;
    const owner = await c.env.DB.prepare(`select "referenceId" from "apikey" where "id" = ?`).bind(keyId).first<{ referenceId: string }>();
    if (!owner || owner.referenceId !== workspaceId) return httpError(c, "not_found", "no such key in this workspace");
    await authOf(c).api.deleteApiKey({ body: { keyId }, headers: c.req.raw.headers });
    // Sockets opened with the key stay authenticated until told otherwise: close them now.
    const room = await getAgentByName(c.env.Autopilot, workspaceId);
    await room.disconnectPrincipal(`agent_${keyId}`, "API key revoked");
    return c.json({ revoked: keyId });
  })
  .notFound((c) => httpError(c, "not_found", `no route for ${c.req.method} ${c.req.path}`))
  // Hono's JSON validator throws a 400 for a body that is not JSON at all.
  .onError((error, c) => (error instanceof HTTPException && error.status === 400 ? httpError(c, "bad_request", "request body is not valid JSON") : internalError(c.req.path, error)));
