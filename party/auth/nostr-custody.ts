import { eq } from "drizzle-orm";
import { type EventTemplate, finalizeEvent, generateSecretKey, getPublicKey, type NostrEvent } from "nostr-tools/pure";
import type { PrincipalKind } from "../../shared/protocol/principal";
import { authDb } from "./db/client";
import { nostrCustody, nostrIdentity } from "./db/schema";
import { registerIdentity } from "./nostr-identities";
import { sealer } from "./seal";

/**
 * Custodial Nostr keys (docs/community.md, "Identities"): a key the server makes for someone
 * and signs with, so that a person or an agent without a key of its own can post. The
 * secret is sealed at rest (AES-GCM under a key derived with HKDF from a Worker secret:
 * NOSTR_CUSTODY_SECRET, else BETTER_AUTH_SECRET) and leaves this module only as a
 * signature: no function here returns it, and nothing else reads the `sealed` column.
 *
 * A holder has at most one custodial key: a principal (a person: the same key in every
 * workspace, as a person's registered pubkey is; an agent key: its own workspace's), a
 * workspace's Autopilot (`autopilot:<workspaceId>`) or a workspace itself
 * (`workspace:<workspaceId>`, the key that attests who its agents are).
 */

export interface CustodyEnv {
  DB: D1Database;
  BETTER_AUTH_SECRET: string;
  /** Its own secret for the custody key; without it, one derived from BETTER_AUTH_SECRET (rotating that loses the keys). */
  NOSTR_CUSTODY_SECRET?: string;
}

export const autopilotHolder = (workspaceId: string): string => `autopilot:${workspaceId}`;
export const workspaceHolder = (workspaceId: string): string => `workspace:${workspaceId}`;

/** What a principal's custodial key is registered as (D1 `nostr_identity`), so the relay and attribution know whose it is. */
export interface CustodialIdentity {
  principalId: string;
  principalKind: PrincipalKind;
  workspaceId: string;
}

/** The sealer of custodial keys (auth/seal.ts: the salt "nostr-custody" keeps keys sealed before it opening). */
function custodySealer(env: CustodyEnv) {
  const secret = env.NOSTR_CUSTODY_SECRET || env.BETTER_AUTH_SECRET;
  if (!secret) throw new Error("no secret to seal custodial Nostr keys with (NOSTR_CUSTODY_SECRET)");
  return sealer(secret, "nostr-custody");
}

/** The sealed secret is bound to its row: opened under another holder or pubkey, it fails. */
const boundTo = (holder: string, pubkey: string) => `${holder}\n${pubkey}`;

const seal = (env: CustodyEnv, holder: string, pubkey: string, secretKey: Uint8Array): Promise<string> =>
  custodySealer(env).seal(secretKey, boundTo(holder, pubkey));

const unseal = (env: CustodyEnv, holder: string, pubkey: string, sealed: string): Promise<Uint8Array> =>
  custodySealer(env).open(sealed, boundTo(holder, pubkey));

/** The pubkey of a holder's custodial key, if it has one. */
export async function custodialPubkeyOf(db: D1Database, holder: string): Promise<string | null> {
  const row = await authDb(db)
    .select({ pubkey: nostrCustody.pubkey })
    .from(nostrCustody)
    .where(eq(nostrCustody.holder, holder))
    .get();
  return row?.pubkey ?? null;
}

export type CustodyOutcome = { ok: true; pubkey: string; created: boolean } | { ok: false; reason: string };

/**
 * The holder's custodial key, made on first use. A principal's is registered as its Nostr
 * identity too (custody `custodial`), within MAX_IDENTITIES_PER_PRINCIPAL. Two first uses
 * at once make one key: the holder's unique index keeps the first, the other's goes.
 */
export async function ensureCustodialKey(
  env: CustodyEnv,
  holder: string,
  identity: CustodialIdentity | null,
  now = Date.now(),
): Promise<CustodyOutcome> {
  const existing = await custodialPubkeyOf(env.DB, holder);
  if (existing) return { ok: true, pubkey: existing, created: false };
  const secretKey = generateSecretKey();
  const pubkey = getPublicKey(secretKey);
  const sealed = await seal(env, holder, pubkey, secretKey);
  secretKey.fill(0);
  const db = authDb(env.DB);
  if (identity) {
    const registered = await registerIdentity(env.DB, { pubkey, ...identity, custody: "custodial" }, now);
    if (registered === "too_many")
      return { ok: false, reason: "this account has as many Nostr keys as it may: remove one first" };
    if (registered !== "registered") return { ok: false, reason: "could not register the new key" };
  }
  const inserted = await db
    .insert(nostrCustody)
    .values({ pubkey, holder, sealed, createdAt: now })
    .onConflictDoNothing()
    .run();
  if (inserted.meta.changes === 1) return { ok: true, pubkey, created: true };
  // Another first use won: its key stays, this one's identity goes.
  if (identity) await db.delete(nostrIdentity).where(eq(nostrIdentity.pubkey, pubkey)).run();
  const winner = await custodialPubkeyOf(env.DB, holder);
  return winner ? { ok: true, pubkey: winner, created: false } : { ok: false, reason: "could not make a key" };
}

/** Signs an event with the holder's custodial key (null: it has none). The secret is zeroed after use. */
export async function signAsHolder(
  env: CustodyEnv,
  holder: string,
  template: EventTemplate,
): Promise<NostrEvent | null> {
  const row = await authDb(env.DB).select().from(nostrCustody).where(eq(nostrCustody.holder, holder)).get();
  if (!row) return null;
  const secretKey = await unseal(env, row.holder, row.pubkey, row.sealed);
  try {
    return finalizeEvent(template, secretKey);
  } finally {
    secretKey.fill(0);
  }
}
