import { parseCookies } from "better-auth/cookies";
import { eq, lt } from "drizzle-orm";
import { CloseCode } from "../../shared/protocol/errors";
import type { Principal } from "../../shared/protocol/principal";
import type { Env } from "../env";
import type { AuthOutcome } from "./principal";
import { type AccessVerdict, agentPrincipalId, recheckPrincipal } from "./current-access";
import { authDb } from "./db/client";
import { keySession } from "./db/schema";
import { SESSION_EXPIRES_IN_S } from "./options";
import { randomToken, sha256Hex } from "./tokens";

/**
 * A browser session opened with an API key (`POST /api/agent/sign-in`): the app run by an
 * agent. The cookie holds a random token; D1 holds its hash with the key it stands for.
 * The session is exactly as good as its key: every use re-reads the key (revoked,
 * disabled, expired, its account waitlisted or disabled: the session is over), and the
 * principal is the key's own (`agent_<key id>`, the key's scopes), so revoking the key
 * closes the tab's sockets through the same revalidation as the key's other sockets.
 */

const isSecure = (baseURL: string) => new URL(baseURL).protocol === "https:";

/** The cookie's name at an origin: `__Host-` on https, as better-auth prefixes its own there. */
const cookieName = (baseURL: string) => (isSecure(baseURL) ? "__Host-autopilot.key_session" : "autopilot.key_session");

export function keySessionCookie(baseURL: string, token: string | null): string {
  const maxAge = token ? SESSION_EXPIRES_IN_S : 0;
  return `${cookieName(baseURL)}=${token ?? ""}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${isSecure(baseURL) ? "; Secure" : ""}`;
}

/**
 * The key-session cookie's value, if the request carries one (well-formed or not): where it
 * is present it alone decides who is calling, so a bad one is an ended session, never a
 * fall back to a person's cookie beside it.
 */
export function keySessionCookieValue(headers: Headers, baseURL: string): string | null {
  const header = headers.get("cookie");
  return header ? (parseCookies(header).get(cookieName(baseURL)) ?? null) : null;
}

const TOKEN = /^ks_[0-9a-f]{64}$/;

/** Opens a session for a key that was just verified; the token goes into the cookie and nowhere else. */
export async function openKeySession(env: Env, keyId: string, workspaceId: string): Promise<string> {
  const token = `ks_${randomToken()}`;
  await authDb(env.DB)
    .insert(keySession)
    .values({ hash: await sha256Hex(token), keyId, workspaceId, expiresAt: Date.now() + SESSION_EXPIRES_IN_S * 1000 })
    .run();
  return token;
}

export async function closeKeySession(env: Env, token: string): Promise<void> {
  await authDb(env.DB)
    .delete(keySession)
    .where(eq(keySession.hash, await sha256Hex(token)))
    .run();
}

/** The key behind a session: its workspace and its principal as the key stands now, or why the session is over. */
export type KeySessionAccess =
  | { ok: true; keyId: string; workspaceId: string; principal: Principal }
  | Extract<AccessVerdict, { ok: false }>;

export async function keySessionAccess(env: Env, token: string): Promise<KeySessionAccess> {
  if (!TOKEN.test(token))
    return { ok: false, code: CloseCode.unauthenticated, reason: "this session has ended: sign in again" };
  const row = await authDb(env.DB)
    .select({ keyId: keySession.keyId, workspaceId: keySession.workspaceId, expiresAt: keySession.expiresAt })
    .from(keySession)
    .where(eq(keySession.hash, await sha256Hex(token)))
    .get();
  if (!row || row.expiresAt <= Date.now())
    return { ok: false, code: CloseCode.unauthenticated, reason: "this session has ended: sign in again" };
  const claim: Principal = { id: agentPrincipalId(row.keyId), kind: "agent", name: "agent", scopes: [] };
  const now = await recheckPrincipal(env.DB, row.workspaceId, claim);
  return now.ok ? { ok: true, keyId: row.keyId, workspaceId: row.workspaceId, principal: now.principal } : now;
}

/** A key session's principal for a room socket in `workspaceId` (the gate, party/index.ts). */
export async function principalFromKeySession(env: Env, token: string, workspaceId: string): Promise<AuthOutcome> {
  const access = await keySessionAccess(env, token);
  if (!access.ok)
    return { ok: false, status: access.code === CloseCode.unauthenticated ? 401 : 403, reason: access.reason };
  if (access.workspaceId !== workspaceId)
    return { ok: false, status: 403, reason: "this key belongs to another workspace" };
  return { ok: true, principal: access.principal };
}

/** Retention (the Worker's cron): sessions past their expiry, and those whose key is gone (revocation deletes them too). */
export async function deleteExpiredKeySessions(env: Env, now: number): Promise<void> {
  await authDb(env.DB).delete(keySession).where(lt(keySession.expiresAt, now)).run();
}

export async function deleteKeySessionsOf(env: Env, keyId: string): Promise<void> {
  await authDb(env.DB).delete(keySession).where(eq(keySession.keyId, keyId)).run();
}
