import { CloseCode } from "../../shared/protocol/errors";
import { type Principal, Role, Scope } from "../../shared/protocol/principal";
import { DEFAULT_AGENT_SCOPES, scopesForRole } from "../../shared/scopes";
import { ACCOUNT_REFUSAL, type AccountFlags, accountStatus } from "./account-status";
import { and, eq, sql } from "drizzle-orm";
import { timeOf } from "./d1-time";
import { authDb, preparedPerDb } from "./db/client";
import { baApiKey, baMember, baUser } from "./db/better-auth-tables";

/**
 * What a principal may do right now, read from D1 (better-auth's tables) and nothing else.
 * The gate uses it when a socket opens and when a ticket is spent; the rooms use it when
 * the Worker says access in their workspace changed (party/access/revalidate.ts). A
 * principal carried in a ticket or a socket's state is only a claim of who it was.
 */

/** A principal's id says where it came from: a person's user id, or `agent_<api key id>`. */
const AGENT_PREFIX = "agent_";

export const agentPrincipalId = (keyId: string) => `${AGENT_PREFIX}${keyId}`;

/**
 * Whether an actor is a principal whose access D1 can answer for: a person, or an agent
 * key. The room's own actors (the Autopilot, an instance's gateway, a gateway's outside
 * user `gateway-user:<instance>`) are neither, and `recheckPrincipal` would call them gone.
 */
export const isAccessPrincipal = (actor: Pick<Principal, "id" | "kind">): boolean =>
  (actor.kind === "user" && !actor.id.includes(":")) || actor.id.startsWith(AGENT_PREFIX);

// Whether an actor is a person, for people-only work: in shared/ since the approval policy needs it too.
export { isPerson } from "../../shared/people";

export type AccessVerdict =
  /** `expiresAt`: when the key it was read for expires (a verdict kept for reuse is not kept past it). */
  | { ok: true; principal: Principal; expiresAt?: number }
  | { ok: false; code: typeof CloseCode.unauthenticated | typeof CloseCode.forbidden; reason: string };

export async function memberRole(db: D1Database, workspaceId: string, userId: string): Promise<Role | null> {
  const row = await authDb(db)
    .select({ role: baMember.role })
    .from(baMember)
    .where(and(eq(baMember.organizationId, workspaceId), eq(baMember.userId, userId)))
    .get();
  const parsed = Role.safeParse(row?.role);
  return parsed.success ? parsed.data : null;
}

export function agentScopes(metadata: unknown): Scope[] {
  const raw = (metadata as { scopes?: unknown } | null)?.scopes;
  const parsed = Scope.array().safeParse(raw);
  return parsed.success ? parsed.data : [...DEFAULT_AGENT_SCOPES];
}

/** better-auth stores key metadata as JSON text (sometimes twice encoded); its adapter may hand it out parsed already. */
function parseMetadata(stored: unknown): unknown {
  let value: unknown = stored;
  for (let i = 0; i < 2 && typeof value === "string"; i++) {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return value;
}

/** A key's scopes from its metadata: the stored text, or as better-auth's adapter hands it out. */
export const keyScopes = (metadata: unknown): Scope[] => agentScopes(parseMetadata(metadata));

// Read before every step of a task and every tool call of a run acting for someone (and at
// the gate): prepared once per D1 binding, as the socket upgrade's read (socket-session.ts).
const personAccess = preparedPerDb((db) =>
  db
    .select({
      banned: baUser.banned,
      banExpires: baUser.banExpires,
      waitlisted: baUser.waitlisted,
      role: baMember.role,
    })
    .from(baUser)
    .leftJoin(
      baMember,
      and(eq(baMember.userId, baUser.id), eq(baMember.organizationId, sql.placeholder("workspaceId"))),
    )
    .where(eq(baUser.id, sql.placeholder("userId")))
    .prepare(),
);

const keyAccess = preparedPerDb((db) =>
  db
    .select({
      referenceId: baApiKey.referenceId,
      name: baApiKey.name,
      enabled: baApiKey.enabled,
      expiresAt: baApiKey.expiresAt,
      metadata: baApiKey.metadata,
    })
    .from(baApiKey)
    .where(eq(baApiKey.id, sql.placeholder("keyId")))
    .prepare(),
);

/**
 * The principal as it stands now, or why it no longer may be in this workspace: a key
 * deleted, disabled or expired is 4001; a person no longer a member, disabled or waitlisted
 * by an operator, or a key of another workspace, is 4003. A changed role or key scopes come back as a re-scoped principal.
 */
export async function recheckPrincipal(
  db: D1Database,
  workspaceId: string,
  principal: Principal,
): Promise<AccessVerdict> {
  if (principal.kind === "agent") {
    if (!principal.id.startsWith(AGENT_PREFIX))
      return { ok: false, code: CloseCode.unauthenticated, reason: "unknown agent" };
    const key = await keyAccess(authDb(db)).get({ keyId: principal.id.slice(AGENT_PREFIX.length) });
    if (!key) return { ok: false, code: CloseCode.unauthenticated, reason: "API key revoked" };
    if (key.enabled === 0) return { ok: false, code: CloseCode.unauthenticated, reason: "API key disabled" };
    const expiresAt = timeOf(key.expiresAt);
    if (expiresAt !== null && expiresAt <= Date.now())
      return { ok: false, code: CloseCode.unauthenticated, reason: "API key expired" };
    if (key.referenceId !== workspaceId)
      return { ok: false, code: CloseCode.forbidden, reason: "this key belongs to another workspace" };
    const refusal = await agentAccountRefusal(db, key.metadata);
    if (refusal) return { ok: false, code: CloseCode.forbidden, reason: refusal };
    const verdict = {
      ok: true as const,
      principal: { ...principal, name: key.name ?? principal.name, scopes: keyScopes(key.metadata) },
    };
    return expiresAt === null ? verdict : { ...verdict, expiresAt };
  }
  // One read: the account's flags with its membership here (what accountFlags and memberRole read apart).
  const row = await personAccess(authDb(db)).get({ userId: principal.id, workspaceId });
  if (!row) return { ok: false, code: CloseCode.unauthenticated, reason: "this account no longer exists" };
  const status = accountStatus(row);
  if (status !== "active") return { ok: false, code: CloseCode.forbidden, reason: ACCOUNT_REFUSAL[status] };
  const parsed = Role.safeParse(row.role);
  const role = parsed.success ? parsed.data : null;
  if (!role) return { ok: false, code: CloseCode.forbidden, reason: "you no longer have access to this workspace" };
  return { ok: true, principal: { ...principal, role, scopes: scopesForRole(role) } };
}

/**
 * A key that came from an agent's own sign-up (party/auth/agent-signup.ts) names its agent
 * account in its metadata: while an operator keeps that account on the waitlist, or has
 * disabled it, the key opens nothing. Keys people mint name no account.
 */
export async function agentAccountRefusal(db: D1Database, metadata: unknown): Promise<string | null> {
  const account = (parseMetadata(metadata) as { account?: unknown } | null)?.account;
  if (typeof account !== "string") return null;
  const flags = await accountFlags(db, account);
  if (!flags) return "this agent's account no longer exists";
  const status = accountStatus(flags);
  return status === "active" ? null : ACCOUNT_REFUSAL[status];
}

/** The agent account a key belongs to (agent-signup.ts `agentAccountOf`), if any. */
export function keyAccount(metadata: unknown): string | undefined {
  const account = (parseMetadata(metadata) as { account?: unknown } | null)?.account;
  return typeof account === "string" ? account : undefined;
}

/** The person a key acts for when it changes access through better-auth (whose permission better-auth checks): whoever minted it, or its agent account. */
export function keyIssuer(metadata: unknown): string | null {
  const createdBy = (parseMetadata(metadata) as { createdBy?: unknown } | null)?.createdBy;
  return typeof createdBy === "string" ? createdBy : null;
}

/** A person's account flags (null: no such account): one indexed read of better-auth's user row. */
export async function accountFlags(db: D1Database, userId: string): Promise<AccountFlags | null> {
  return (
    (await authDb(db)
      .select({ banned: baUser.banned, banExpires: baUser.banExpires, waitlisted: baUser.waitlisted })
      .from(baUser)
      .where(eq(baUser.id, userId))
      .get()) ?? null
  );
}

/** Whether two principals allow the same things (what a socket must be told about). */
export function sameAccess(a: Principal, b: Principal): boolean {
  return a.role === b.role && a.scopes.length === b.scopes.length && a.scopes.every((s) => b.scopes.includes(s));
}
