import { getCookies, parseCookies } from "better-auth/cookies";
import { constantTimeEqual, makeSignature } from "better-auth/crypto";
import { Role } from "../../shared/protocol/principal";
import { scopesForRole } from "../../shared/scopes";
import { ACCOUNT_REFUSAL, type AccountFlags, accountStatus } from "./account-status";
import { timeOf } from "./d1-time";
import { SESSION_EXPIRES_IN_S, SESSION_UPDATE_AGE_S } from "./options";
import type { AuthOutcome } from "./principal";
import { and, eq, sql } from "drizzle-orm";
import { authDb, preparedPerDb } from "./db/client";
import { baMember, baSession, baUser } from "./db/better-auth-tables";
import { BoundedMap } from "../domain/bounded-map";

/**
 * A session cookie's principal for a socket upgrade in one D1 query: the session, its
 * person's account flags and their membership in the workspace, read together.
 *
 * Why not better-auth's `getSession` here: each call builds a better-auth instance (one
 * per request, see auth.ts), and that instance checked the database schema on creation
 * (14 introspection queries) before the session and user reads; with the membership read
 * after it, a reconnect storm of N people queued ~17·N statements on D1, which runs them
 * one at a time. Everything is still read fresh from D1 at every upgrade, so a signed-out
 * (deleted) session, a disabled or waitlisted account and a removed member are refused
 * exactly as before. Only a session due for better-auth's sliding refresh goes the long
 * way (`refresh`), so that sockets keep extending it as they did.
 */

/** Cookie values whose signature was checked and held, by secret: most recent last. */
const signed = new Map<string, Map<string, string>>();
/** How many signed values are remembered per secret (a person's tabs share one). */
const SIGNED_KEPT = 1000;

/**
 * The session token the cookie carries, if better-auth signed it with our secret. A value
 * whose signature held once holds for good under the same secret, so it is not computed
 * again: a reconnect storm brings one cookie back for every tab. (Whether the session still
 * opens anything is read from D1 every time: readSessionAccess.)
 */
export async function signedSessionToken(headers: Headers, baseURL: string, secret: string): Promise<string | null> {
  const header = headers.get("cookie");
  if (!header) return null;
  // The name better-auth gives the cookie at this origin (`__Secure-` prefixed on https).
  const name = getCookies({ baseURL }).sessionToken.name;
  const value = parseCookies(header).get(name);
  if (!value) return null;
  const known = signed.get(secret)?.get(value);
  if (known !== undefined) return known;
  const dot = value.lastIndexOf(".");
  if (dot < 1) return null;
  const token = value.slice(0, dot);
  if (!constantTimeEqual(value.slice(dot + 1), await makeSignature(token, secret))) return null;
  const values = signed.get(secret) ?? new BoundedMap<string, string>(SIGNED_KEPT);
  signed.set(secret, values);
  values.set(value, token);
  return token;
}

export interface SessionAccessRow extends AccountFlags {
  userId: string;
  expiresAt: string | number | null;
  name: string | null;
  email: string;
  role: string | null;
}

// Read on every socket upgrade: prepared once per D1 binding.
const sessionAccess = preparedPerDb((db) =>
  db
    .select({
      userId: baSession.userId,
      expiresAt: baSession.expiresAt,
      name: baUser.name,
      email: baUser.email,
      banned: baUser.banned,
      banExpires: baUser.banExpires,
      waitlisted: baUser.waitlisted,
      role: baMember.role,
    })
    .from(baSession)
    .innerJoin(baUser, eq(baUser.id, baSession.userId))
    .leftJoin(
      baMember,
      and(eq(baMember.userId, baSession.userId), eq(baMember.organizationId, sql.placeholder("workspaceId"))),
    )
    .where(eq(baSession.token, sql.placeholder("token")))
    .prepare(),
);

/** Reads under way, by workspace and session: upgrades that arrive while one runs share it. */
const reading = new Map<string, Promise<SessionAccessRow | null>>();

/**
 * How long an upgrade waits for a read another upgrade started before reading for itself.
 * That read settles in its own request; if that request was cancelled (its client went
 * away) it never does for anyone else.
 */
export const SHARED_READ_WAIT_MS = 1000;

const timedOut = Symbol("timed out");

function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof timedOut> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * The socket upgrade's one read: the session with its user's flags and the role in this
 * workspace, as D1 has it now. Upgrades of the same session to the same workspace that
 * arrive while a read is under way take its answer (a reconnect storm brings a person's
 * tabs back together): it was read no earlier than they arrived, less one read's time.
 */
export async function readSessionAccess(
  db: D1Database,
  token: string,
  workspaceId: string,
): Promise<SessionAccessRow | null> {
  const key = `${workspaceId}\n${token}`;
  const shared = reading.get(key);
  if (shared) {
    const row = await within(shared, SHARED_READ_WAIT_MS);
    if (row !== timedOut) return row;
  }
  const read = sessionAccess(authDb(db))
    .get({ token, workspaceId })
    .then((row) => row ?? null);
  reading.set(key, read);
  try {
    return await read;
  } finally {
    if (reading.get(key) === read) reading.delete(key);
  }
}

/**
 * What the row allows, or `refresh`: the session is due for better-auth's sliding
 * expiry (its getSession extends it once `updateAge` has passed), which the caller leaves to better-auth.
 */
export function sessionOutcome(row: SessionAccessRow | null, now: number): AuthOutcome | "refresh" {
  const expiresAt = row ? timeOf(row.expiresAt) : null;
  if (!row || expiresAt === null || expiresAt <= now) return { ok: false, status: 401, reason: "no valid session" };
  const status = accountStatus(row, now);
  if (status !== "active") return { ok: false, status: 403, reason: ACCOUNT_REFUSAL[status] };
  if (expiresAt - SESSION_EXPIRES_IN_S * 1000 + SESSION_UPDATE_AGE_S * 1000 <= now) return "refresh";
  const role = Role.safeParse(row.role);
  if (!role.success) return { ok: false, status: 403, reason: "not a member of this workspace" };
  return {
    ok: true,
    principal: {
      id: row.userId,
      kind: "user",
      name: row.name || row.email,
      role: role.data,
      scopes: scopesForRole(role.data),
    },
  };
}
