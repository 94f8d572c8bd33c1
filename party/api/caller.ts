import { createMiddleware } from "hono/factory";
import { CloseCode } from "../../shared/protocol/errors";
import type { Actor, Principal, Role } from "../../shared/protocol/principal";
import { hasScope } from "../../shared/scopes";
import { apiKeyById, membershipOf } from "../auth/better-auth-reads";
import { keyIssuer } from "../auth/current-access";
import {
  keySessionAccess,
  keySessionCookie,
  keySessionCookieValue,
  principalFromKeySession,
} from "../auth/key-sessions";
import { principalFromApiKey, principalFromSession } from "../auth/principal";
import { type ApiContext, type ApiEnv, authOf } from "./context";
import { httpError } from "./context";

/**
 * Who is calling the auth API: a person (better-auth's session cookie) or an agent running
 * the app with its key (a key session, party/auth/key-sessions.ts). A tab that carries a
 * key session is that key and nothing else: an ended one is a 401 (and the cookie is
 * cleared), never a fall back to a person's cookie in the same browser.
 */
export const requireCaller = createMiddleware<ApiEnv>(async (c, next) => {
  const origin = new URL(c.req.url).origin;
  const token = keySessionCookieValue(c.req.raw.headers, origin);
  if (token !== null) {
    const access = await keySessionAccess(c.env, token);
    if (!access.ok) {
      c.header("set-cookie", keySessionCookie(origin, null));
      return httpError(c, access.code === CloseCode.forbidden ? "forbidden" : "unauthenticated", access.reason);
    }
    c.set("caller", {
      kind: "agent",
      principal: access.principal,
      keyId: access.keyId,
      workspaceId: access.workspaceId,
    });
    return next();
  }
  const session = await authOf(c).api.getSession({ headers: c.req.raw.headers });
  if (!session) return httpError(c, "unauthenticated", "sign in first");
  c.set("session", session);
  c.set("caller", { kind: "user", session });
  await next();
});

/**
 * Routes that act for a person's own account (its status, mail, received invitations) or
 * that better-auth runs only for a signed-in person (changing a role, removing a member,
 * inviting by e-mail, revoking or rotating a key: its endpoints check the session's
 * permission). An agent's session gets a 403 that says so.
 */
export const peopleOnly = createMiddleware<ApiEnv>(async (c, next) => {
  if (c.var.caller.kind !== "user")
    return httpError(c, "forbidden", "a person's session is needed for this: sign in with e-mail and password");
  await next();
});

/** The caller as the audit log names them. */
export function actorOf(c: ApiContext): Actor {
  const caller = c.var.caller;
  if (caller.kind === "agent") return { id: caller.principal.id, kind: "agent", name: caller.principal.name };
  return { id: caller.session.user.id, kind: "user", name: caller.session.user.name || caller.session.user.email };
}

/** What a manager may do in a workspace, and the person whose permission better-auth checks when it acts (a key's own issuer). */
export interface Manager {
  /** For the role rules: a person's role; an admin key counts as `admin`. */
  role: Role;
  issuer: string | null;
}

/** Owners and admins manage a workspace; so does an agent whose key holds `admin` there. */
export async function requireManager(c: ApiContext, workspaceId: string): Promise<Manager | Response> {
  const caller = c.var.caller;
  if (caller.kind === "agent") {
    if (caller.workspaceId !== workspaceId) return httpError(c, "not_found", "no such workspace");
    if (!hasScope(caller.principal.scopes, "admin"))
      return httpError(c, "forbidden", "only owners, admins and keys with the admin scope can do this");
    // A key manages no more than whoever it acts for may now: its issuer must still be an
    // owner or admin here (a key minted by someone since demoted or removed manages nothing).
    const key = await apiKeyById(authOf(c), caller.keyId);
    const issuer = key ? keyIssuer(key.metadata) : null;
    const issuerRole = issuer ? ((await membershipOf(authOf(c), workspaceId, issuer))?.role ?? null) : null;
    if (issuerRole !== "owner" && issuerRole !== "admin")
      return httpError(c, "forbidden", "whoever this key acts for no longer manages this workspace: ask an owner");
    return { role: "admin", issuer };
  }
  const role = (await membershipOf(authOf(c), workspaceId, caller.session.user.id))?.role ?? null;
  if (!role) return httpError(c, "not_found", "no such workspace");
  if (role !== "owner" && role !== "admin") return httpError(c, "forbidden", "only owners and admins can do this");
  return { role, issuer: caller.session.user.id };
}

/** Whether the caller belongs to the workspace (may read who else does). */
export async function isMemberCaller(c: ApiContext, workspaceId: string): Promise<boolean> {
  const caller = c.var.caller;
  if (caller.kind === "agent") return caller.workspaceId === workspaceId;
  return (await membershipOf(authOf(c), workspaceId, caller.session.user.id)) !== null;
}

/**
 * The caller as a principal of the workspace, or the refusal to send: a key (x-api-key), else
 * a key session, else a person's session, each proven as for a connect ticket.
 */
export async function principalIn(c: ApiContext, workspaceId: string): Promise<Principal | Response> {
  const key = c.req.header("x-api-key");
  const origin = new URL(c.req.url).origin;
  const keySession = keySessionCookieValue(c.req.raw.headers, origin);
  const outcome = key
    ? await principalFromApiKey(c.env.DB, authOf(c), key, workspaceId)
    : keySession !== null
      ? await principalFromKeySession(c.env, keySession, workspaceId)
      : await principalFromSession(c.env, authOf(c), c.req.raw.headers, workspaceId);
  if (!outcome.ok) return httpError(c, outcome.status === 401 ? "unauthenticated" : "forbidden", outcome.reason);
  return outcome.principal;
}

/**
 * For routes under `/api/workspaces/:ws`: only a manager of that workspace (requireManager)
 * gets to the handler, which finds them in `c.var.manager`. After the body's validator, so a
 * bad body is refused as one before anyone is asked who they are.
 */
export const managesWorkspace = createMiddleware<ApiEnv>(async (c, next) => {
  const manager = await requireManager(c, c.req.param("ws") ?? "");
  if (manager instanceof Response) return manager;
  c.set("manager", manager);
  await next();
});

/**
 * As `managesWorkspace`, for a body that gives someone a `role`: only owners make owners.
 * After the body's validator, which it reads the role from.
 */
export const managerGivingRole = createMiddleware<ApiEnv, string, { out: { json: { role: Role } } }>(
  async (c, next) => {
    const manager = await requireManager(c, c.req.param("ws") ?? "");
    if (manager instanceof Response) return manager;
    if (c.req.valid("json").role === "owner" && manager.role !== "owner")
      return httpError(c, "forbidden", "only owners can add owners");
    c.set("manager", manager);
    await next();
  },
);
