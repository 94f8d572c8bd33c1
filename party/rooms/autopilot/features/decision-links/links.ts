import { z } from "zod";
import { Decision } from "../../../../../shared/protocol/approvals";
import type { Sql } from "../../../../domain/sql";
import { defineRecord } from "../../../../records/codec";
import { featureStore } from "../../kernel/feature-store";

/** Where a decision link leads (the Worker's page: party/api/decision-links.ts). */
export const DECIDE_PREFIX = "/decide";

/** A link's token as the room makes them: 32 random bytes as hex. */
export const LINK_TOKEN = /^[0-9a-f]{64}$/;

/**
 * A link that lets one person decide one approval from a mail, without a session: kept by the
 * SHA-256 of its token (the token itself is only in the mail), until the approval's expiry or
 * LINK_TTL_MS, whichever is sooner. `used` is what it decided, once it has.
 */
const DecisionLinkDoc = z.object({
  approvalId: z.string().max(200),
  principalId: z.string().max(200),
  name: z.string().max(200),
  expiresAt: z.number(),
  used: z.object({ decision: Decision, at: z.number() }).nullable(),
});
export type DecisionLink = z.infer<typeof DecisionLinkDoc>;
const store = featureStore(defineRecord("decision link", DecisionLinkDoc));

/** The longest a link stays good: a week, as an approval mail is read within one. */
export const LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const linkOf = (sql: Sql, tokenHash: string): DecisionLink | null => store.get(sql, tokenHash);

/** Keeps a new link, and drops those that ran out (none outlives LINK_TTL_MS from its last write). */
export function putLink(sql: Sql, tokenHash: string, link: DecisionLink, now: number): void {
  store.deleteWrittenBefore(sql, now - LINK_TTL_MS);
  store.put(sql, tokenHash, link, now);
}

/** Records what the link decided: from now on it decides nothing more. */
export function markUsed(sql: Sql, tokenHash: string, link: DecisionLink, decision: Decision, now: number): void {
  store.put(sql, tokenHash, { ...link, used: { decision, at: now } }, now);
}
