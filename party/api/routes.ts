import { zValidator } from "@hono/zod-validator";
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import type { MeResponse, WorkspaceInfo } from "../../shared/api/account";
import { CreateKeyBody, type CreatedKeyResponse, type KeysResponse } from "../../shared/api/keys";
import { AddMemberBody, type AddMemberResponse, type Member } from "../../shared/api/members";
import { TicketBody } from "../../shared/api/tickets";
import type { Actor, Role } from "../../shared/protocol/principal";
import { handleAuthEndpoint } from "../access/auth-endpoints";
import { crossSiteRefusal } from "../access/origin";
import { revalidateKey, revalidateWorkspace } from "../access/revalidate";
import { type Auth, authFor } from "../auth/auth";
import { agentScopes, memberRole } from "../auth/current-access";
import { principalFromApiKey, principalFromSession } from "../auth/principal";
import { issueTicket } from "../auth/tickets";
import type { Env } from "../env";
import { httpError, internalError } from "./http";

type Session = NonNullable<Awaited<ReturnType<Auth["api"]["getSession"]>>>;
type ApiEnv = { Bindings: Env; Variables: { auth: Auth | undefined; session: Session } };
type ApiContext = Context<ApiEnv>;

/**
 * The request's better-auth instance, made on first use only. Making one starts its
 * context initialisation; a request that ends with that still pending (a health check, a
 * rejected body) leaves a promise the next request awaits in vain, since workerd never
 * settles a promise for a request other than the one that created it.
 */
function authOf(c: ApiContext): Auth {
  let auth = c.get("auth");
  if (!auth) {
    auth = authFor(c.env, c.req.raw);
    c.set("auth", auth);
  }
  return auth;
}

/** A JSON body checked against its schema; a bad one is a 400 saying what was expected. */
const jsonBody = <T extends z.ZodType>(schema: T, expected: string) =>
  zValidator("json", schema, (result, c) => {
    if (!result.success) return httpError(c, "bad_request", expected);
  });

const noStore = createMiddleware<ApiEnv>(async (c, next) => {
  await next();
  c.header("cache-control", "no-store");
});

const requireSession = createMiddleware<ApiEnv>(async (c, next) => {
  const session = await authOf(c).api.getSession({ headers: c.req.raw.headers });
  if (!session) return httpError(c, "unauthenticated", "sign in first");
  c.set("session", session);
  await next();
});

/** Cookie-authenticated requests only from the app's own origins, writes only as JSON (party/access/origin.ts). */
const sameSiteOnly = createMiddleware<ApiEnv>(async (c, next) => {
  const refusal = crossSiteRefusal(c.env, c.req.raw);
  if (refusal) return httpError(c, "forbidden", refusal);
  await next();
});

/** The signed-in person as the audit log names them. */
const actorOf = (c: ApiContext): Actor => ({ id: c.var.session.user.id, kind: "user", name: c.var.session.user.name || c.var.session.user.email });

/** Owners and admins manage members and keys. */
async function requireManager(c: ApiContext, workspaceId: string): Promise<Role | Response> {
  const role = await memberRole(c.env.DB, workspaceId, c.var.session.user.id);
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
  .use(sameSiteOnly)
  .all("/api/auth/*", (c) => handleAuthEndpoint(c.env, () => authOf(c), c.req.raw))
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
    return c.json({ user: { id: user.id, name: user.name, email: user.email }, workspaces: results } satisfies MeResponse);
  })
  .get("/api/workspaces/:ws/members", async (c) => {
    const workspaceId = c.req.param("ws");
    if (!(await memberRole(c.env.DB, workspaceId, c.var.session.user.id))) return httpError(c, "not_found", "no such workspace");
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
    if (await memberRole(c.env.DB, workspaceId, user.id)) return httpError(c, "conflict", "already a member of this workspace");
    await authOf(c).api.addMember({ body: { userId: user.id, role, organizationId: workspaceId } });
    await revalidateWorkspace(c.env, workspaceId, { reason: "member added", audit: { actor: actorOf(c), action: "member.added", targetId: user.id, details: { email, role } } });
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
    await revalidateWorkspace(c.env, workspaceId, { reason: "key created", audit: { actor: actorOf(c), action: "key.created", targetId: created.id, details: { name, scopes: scopes ?? null } } });
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
    // Sockets opened with the key stay authenticated until told otherwise: both rooms close them now.
    await revalidateKey(c.env, keyId, { reason: "API key revoked", audit: { actor: actorOf(c), action: "key.revoked", targetId: keyId, details: {} } }, workspaceId);
    return c.json({ revoked: keyId });
  })
  .notFound((c) => httpError(c, "not_found", `no route for ${c.req.method} ${c.req.path}`))
  // Hono's JSON validator throws a 400 for a body that is not JSON at all.
  .onError((error, c) => (error instanceof HTTPException && error.status === 400 ? httpError(c, "bad_request", "request body is not valid JSON") : internalError(c.req.path, error)));
