import { getAgentByName } from "agents";
import { z } from "zod";
import { Role, Scope } from "../../shared/protocol/principal";
import { DEFAULT_AGENT_SCOPES } from "../../shared/scopes";
import type { Auth } from "../auth/auth";
import { agentScopes, memberRole, principalFromApiKey, principalFromSession } from "../auth/principal";
import { issueTicket } from "../auth/tickets";
import type { Env } from "../env";
import { httpError, json, readJson } from "./http";

const AddMemberBody = z.object({ email: z.string().email(), role: Role.default("member") });
const CreateKeyBody = z.object({
  name: z.string().trim().min(1).max(32),
  scopes: z.array(Scope).min(1).default([...DEFAULT_AGENT_SCOPES]),
});
const TicketBody = z.object({ workspaceId: z.string().min(1) });

type Session = NonNullable<Awaited<ReturnType<Auth["api"]["getSession"]>>>;

async function requireSession(auth: Auth, request: Request): Promise<Session | Response> {
  const session = await auth.api.getSession({ headers: request.headers });
  return session ?? httpError("unauthenticated", "sign in first");
}

/** Owners and admins manage members and keys. */
async function requireManager(env: Env, session: Session, workspaceId: string): Promise<Role | Response> {
  const role = await memberRole(env, workspaceId, session.user.id);
  if (!role) return httpError("not_found", "no such workspace");
  if (role !== "owner" && role !== "admin") return httpError("forbidden", "only owners and admins can do this");
  return role;
}

async function me(env: Env, session: Session): Promise<Response> {
  const { results } = await env.DB.prepare(
    `select o."id", o."name", o."slug", m."role" from "member" m join "organization" o on o."id" = m."organizationId"
     where m."userId" = ? order by o."createdAt"`,
  )
    .bind(session.user.id)
    .all<{ id: string; name: string; slug: string; role: string }>();
  return json({ user: { id: session.user.id, name: session.user.name, email: session.user.email }, workspaces: results });
}

async function listMembers(env: Env, session: Session, workspaceId: string): Promise<Response> {
  if (!(await memberRole(env, workspaceId, session.user.id))) return httpError("not_found", "no such workspace");
  const { results } = await env.DB.prepare(
    `select u."id" as "userId", u."name", u."email", m."role" from "member" m join "user" u on u."id" = m."userId"
     where m."organizationId" = ? order by m."createdAt"`,
  )
    .bind(workspaceId)
    .all();
  return json({ members: results });
}

async function addMember(env: Env, auth: Auth, session: Session, workspaceId: string, request: Request): Promise<Response> {
  const callerRole = await requireManager(env, session, workspaceId);
  if (callerRole instanceof Response) return callerRole;
  const body = AddMemberBody.safeParse(await readJson(request));
  if (!body.success) return httpError("bad_request", "expected {email, role: owner|admin|member|viewer}");
  if (body.data.role === "owner" && callerRole !== "owner") return httpError("forbidden", "only owners can add owners");
  const user = await env.DB.prepare(`select "id" from "user" where lower("email") = lower(?)`).bind(body.data.email).first<{ id: string }>();
  if (!user) return httpError("not_found", "no account with that email: ask them to sign up first");
  if (await memberRole(env, workspaceId, user.id)) return httpError("conflict", "already a member of this workspace");
  await auth.api.addMember({ body: { userId: user.id, role: body.data.role, organizationId: workspaceId } });
  return json({ member: { userId: user.id, email: body.data.email, role: body.data.role } }, 201);
}

async function listKeys(env: Env, session: Session, workspaceId: string): Promise<Response> {
  const denied = await requireManager(env, session, workspaceId);
  if (denied instanceof Response) return denied;
  const { results } = await env.DB.prepare(
    `select "id", "name", "start", "metadata", "createdAt", "enabled" from "apikey" where "referenceId" = ? order by "createdAt" desc`,
  )
    .bind(workspaceId)
    .all<{ id: string; name: string; start: string; metadata: string | null; createdAt: string; enabled: number }>();
  const keys = results.map((k) => ({
    id: k.id,
    name: k.name,
    start: k.start,
    scopes: agentScopes(k.metadata ? JSON.parse(k.metadata) : null),
    createdAt: k.createdAt,
  }));
  return json({ keys });
}

async function createKey(env: Env, auth: Auth, session: Session, workspaceId: string, request: Request): Promise<Response> {
  const denied = await requireManager(env, session, workspaceId);
  if (denied instanceof Response) return denied;
  const body = CreateKeyBody.safeParse(await readJson(request));
  if (!body.success) return httpError("bad_request", "expected {name (1-32 chars), scopes?: (read|write|approve|admin)[]}");
  // Called without request headers on purpose: the plugin then treats this as a
  // server-side call and accepts `userId` (whose org permission it still checks).
  const created = await auth.api.createApiKey({
    body: {
      name: body.data.name,
      organizationId: workspaceId,
      userId: session.user.id,
      metadata: { scopes: body.data.scopes, createdBy: session.user.id },
    },
  });
  // The raw key leaves the server exactly once, in this response; only its hash is stored.
  return json({ id: created.id, key: created.key, name: created.name, start: created.start, scopes: body.data.scopes }, 201);
}

async function revokeKey(env: Env, auth: Auth, session: Session, workspaceId: string, keyId: string, request: Request): Promise<Response> {
  const denied = await requireManager(env, session, workspaceId);
  if (denied instanceof Response) return denied;
  const owner = await env.DB.prepare(`select "referenceId" from "apikey" where "id" = ?`).bind(keyId).first<{ referenceId: string }>();
  if (!owner || owner.referenceId !== workspaceId) return httpError("not_found", "no such key in this workspace");
  await auth.api.deleteApiKey({ body: { keyId }, headers: request.headers });
  // Sockets opened with the key stay authenticated until told otherwise: close them now.
  const room = await getAgentByName(env.Autopilot, workspaceId);
  await room.disconnectPrincipal(`agent_${keyId}`, "API key revoked");
  return json({ revoked: keyId });
}

async function connectTicket(env: Env, auth: Auth, request: Request): Promise<Response> {
  const body = TicketBody.safeParse(await readJson(request));
  if (!body.success) return httpError("bad_request", "expected {workspaceId}");
  const key = request.headers.get("x-api-key");
  const outcome = key
    ? await principalFromApiKey(auth, key, body.data.workspaceId)
    : await principalFromSession(env, auth, request.headers, body.data.workspaceId);
  if (!outcome.ok) return httpError(outcome.status === 401 ? "unauthenticated" : "forbidden", outcome.reason);
  return json(await issueTicket(env, body.data.workspaceId, outcome.principal), 201);
}

const MEMBERS = /^\/api\/workspaces\/([^/]+)\/members$/;
const KEYS = /^\/api\/workspaces\/([^/]+)\/keys$/;
const KEY = /^\/api\/workspaces\/([^/]+)\/keys\/([^/]+)$/;

export async function handleApi(env: Env, auth: Auth, request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const method = request.method;
  if (pathname.startsWith("/api/auth/")) return auth.handler(request);
  if (pathname === "/api/health") return json({ ok: true });
  if (pathname === "/api/connect-ticket" && method === "POST") return connectTicket(env, auth, request);

  const session = await requireSession(auth, request);
  if (session instanceof Response) return session;
  if (pathname === "/api/me" && method === "GET") return me(env, session);
  let m: RegExpExecArray | null;
  if ((m = MEMBERS.exec(pathname))) {
    const ws = decodeURIComponent(m[1]!);
    if (method === "GET") return listMembers(env, session, ws);
    if (method === "POST") return addMember(env, auth, session, ws, request);
  }
  if ((m = KEYS.exec(pathname))) {
    const ws = decodeURIComponent(m[1]!);
    if (method === "GET") return listKeys(env, session, ws);
    if (method === "POST") return createKey(env, auth, session, ws, request);
  }
  if ((m = KEY.exec(pathname)) && method === "DELETE") {
    return revokeKey(env, auth, session, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), request);
  }
  return httpError("not_found", `no route for ${method} ${pathname}`);
}
