import { CloseCode } from "../../shared/protocol/errors";
import { scopesForRole } from "../../shared/scopes";
import type { Env } from "../env";
import { ACCOUNT_REFUSAL, accountStatus } from "./account-status";
import type { Auth } from "./auth";
import { agentAccountRefusal, agentPrincipalId, agentScopes, memberRole, recheckPrincipal } from "./current-access";
import { readSessionAccess, sessionOutcome, signedSessionToken } from "./socket-session";
import { keySessionCookieValue, principalFromKeySession } from "./key-sessions";
import { consumeTicket } from "./tickets";
import type { Principal } from "../../shared/protocol/principal";

const unauthenticated = (reason: string): AuthOutcome => ({ ok: false, status: 401, reason });
const forbidden = (reason: string): AuthOutcome => ({ ok: false, status: 403, reason });

/** A session cookie's principal in a workspace, or why not. */
export async function principalFromSession(
  env: Env,
  auth: Auth,
  headers: Headers,
  workspaceId: string,
): Promise<AuthOutcome> {
  const session = await auth.api.getSession({ headers });
  if (!session) return unauthenticated("no valid session");
  const status = accountStatus(session.user);
  if (status !== "active") return forbidden(ACCOUNT_REFUSAL[status]);
  const role = await memberRole(env.DB, workspaceId, session.user.id);
  if (!role) return forbidden("not a member of this workspace");
  return {
    ok: true,
    principal: {
      id: session.user.id,
      kind: "user",
      name: session.user.name || session.user.email,
      role,
      scopes: scopesForRole(role),
    },
  };
}

/** An API key's principal; a key belongs to exactly one workspace. */
export async function principalFromApiKey(
  db: D1Database,
  auth: Auth,
  key: string,
  workspaceId: string,
): Promise<AuthOutcome> {
  const result = await auth.api.verifyApiKey({ body: { key } });
  if (!result.valid || !result.key) return unauthenticated("invalid or revoked API key");
  if (result.key.referenceId !== workspaceId) return forbidden("this key belongs to another workspace");
  const refusal = await agentAccountRefusal(db, result.key.metadata);
  if (refusal) return forbidden(refusal);
  return {
    ok: true,
    principal: {
      id: agentPrincipalId(result.key.id),
      kind: "agent",
      name: result.key.name ?? "agent",
      scopes: agentScopes(result.key.metadata),
    },
  };
}

/**
 * Resolves who is opening a room socket, before the room sees the request.
 * Order: API key header (agents), connect ticket (agents that cannot set headers),
 * key-session cookie (the app signed in with a key), session cookie (people). `auth` is made only if needed: a cookie upgrade seldom needs it.
 */
export async function resolveSocketPrincipal(
  env: Env,
  auth: () => Auth,
  request: Request,
  workspaceId: string,
): Promise<AuthOutcome> {
  const key = request.headers.get("x-api-key");
  if (key) return principalFromApiKey(env.DB, auth(), key, workspaceId);
  const ticket = new URL(request.url).searchParams.get("ticket");
  if (ticket) {
    const claimed = await consumeTicket(env, ticket);
    if (!claimed) return unauthenticated("invalid, used or expired connect ticket");
    if (claimed.workspaceId !== workspaceId) return forbidden("ticket is for another workspace");
    // The ticket says who it was minted for; whether that key or person still has access
    // is asked now (a key revoked since minting opens nothing).
    const now = await recheckPrincipal(env.DB, workspaceId, claimed.principal);
    return now.ok ? now : now.code === CloseCode.unauthenticated ? unauthenticated(now.reason) : forbidden(now.reason);
  }
  // A tab signed in with a key: its session alone decides (a revoked key must not fall back to a person's cookie).
  const keySession = keySessionCookieValue(request.headers, new URL(request.url).origin);
  if (keySession !== null) return principalFromKeySession(env, keySession, workspaceId);
  return principalFromSocketSession(env, auth, request, workspaceId);
}

/** A cookie upgrade in one D1 query (socket-session.ts); better-auth's own getSession only when the session is due to slide forward. */
async function principalFromSocketSession(
  env: Env,
  auth: () => Auth,
  request: Request,
  workspaceId: string,
): Promise<AuthOutcome> {
  const token = await signedSessionToken(request.headers, new URL(request.url).origin, env.BETTER_AUTH_SECRET);
  if (!token) return unauthenticated("no valid session");
  const outcome = sessionOutcome(await readSessionAccess(env.DB, token, workspaceId), Date.now());
  return outcome === "refresh" ? principalFromSession(env, auth(), request.headers, workspaceId) : outcome;
}

/** Who opens a socket (or asks for a ticket), or why not: 401 no valid credentials, 403 not allowed here. */
export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; reason: string };
