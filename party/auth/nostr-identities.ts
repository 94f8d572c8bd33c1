import { and, count, eq } from "drizzle-orm";
import type { Principal, PrincipalKind } from "../../shared/protocol/principal";
import { hasScope } from "../../shared/scopes";
import { recheckPrincipal } from "./current-access";
import { authDb } from "./db/client";
import { nostrIdentity } from "./db/schema";

/**
 * Which person or agent key a Nostr pubkey belongs to (D1 `nostr_identity`), and whether
 * that principal is a member of a workspace now. A person's pubkey is theirs in every
 * workspace they belong to; an agent key's only in its own. The relay asks at NIP-42 AUTH
 * (party/rooms/relay/); `POST /api/nostr/identities` registers one (party/api/nostr-routes.ts).
 */

/** How many pubkeys one principal may have registered. */
export const MAX_IDENTITIES_PER_PRINCIPAL = 5;

export type Custody = "own" | "custodial";

export interface NostrIdentity {
  pubkey: string;
  principalId: string;
  principalKind: PrincipalKind;
  workspaceId: string;
  custody: Custody;
  createdAt: number;
}

const asIdentity = (row: typeof nostrIdentity.$inferSelect): NostrIdentity => ({
  ...row,
  principalKind: row.principalKind === "agent" ? "agent" : "user",
  custody: row.custody === "custodial" ? "custodial" : "own",
});

export async function identityOf(db: D1Database, pubkey: string): Promise<NostrIdentity | null> {
  const row = await authDb(db).select().from(nostrIdentity).where(eq(nostrIdentity.pubkey, pubkey)).get();
  return row ? asIdentity(row) : null;
}

export async function identitiesOf(db: D1Database, principalId: string): Promise<NostrIdentity[]> {
  const rows = await authDb(db).select().from(nostrIdentity).where(eq(nostrIdentity.principalId, principalId)).all();
  return rows.map(asIdentity);
}

export type Registration = "registered" | "already_yours" | "taken" | "too_many";

/** Registers a pubkey for a principal (its possession already proven by the caller). */
export async function registerIdentity(
  db: D1Database,
  identity: Omit<NostrIdentity, "createdAt">,
  now: number,
): Promise<Registration> {
  const existing = await identityOf(db, identity.pubkey);
  if (existing) return existing.principalId === identity.principalId ? "already_yours" : "taken";
  const held = await authDb(db)
    .select({ n: count() })
    .from(nostrIdentity)
    .where(eq(nostrIdentity.principalId, identity.principalId))
    .get();
  if ((held?.n ?? 0) >= MAX_IDENTITIES_PER_PRINCIPAL) return "too_many";
  // The primary key settles two registrations of one pubkey at once: the second one's insert does nothing.
  const inserted = await authDb(db)
    .insert(nostrIdentity)
    .values({ ...identity, createdAt: now })
    .onConflictDoNothing()
    .run();
  if (inserted.meta.changes === 1) return "registered";
  const winner = await identityOf(db, identity.pubkey);
  return winner?.principalId === identity.principalId ? "already_yours" : "taken";
}

export async function removeIdentity(db: D1Database, principalId: string, pubkey: string): Promise<boolean> {
  const result = await authDb(db)
    .delete(nostrIdentity)
    .where(and(eq(nostrIdentity.pubkey, pubkey), eq(nostrIdentity.principalId, principalId)))
    .run();
  return result.meta.changes === 1;
}

/** A member's pubkey in a workspace now: who it is, and whether it may post (the `write` scope). */
export type Membership = { ok: true; principal: Principal; canWrite: boolean } | { ok: false; reason: string };

/** Whether a pubkey belongs to a principal that is a member of the workspace now (D1 alone decides). */
export async function membershipOfPubkey(db: D1Database, pubkey: string, workspaceId: string): Promise<Membership> {
  const identity = await identityOf(db, pubkey);
  if (!identity) return { ok: false, reason: "this pubkey is not registered to anyone here" };
  const claim: Principal = { id: identity.principalId, kind: identity.principalKind, name: "", scopes: [] };
  const verdict = await recheckPrincipal(db, workspaceId, claim);
  if (!verdict.ok) return { ok: false, reason: verdict.reason };
  return { ok: true, principal: verdict.principal, canWrite: hasScope(verdict.principal.scopes, "write") };
}
