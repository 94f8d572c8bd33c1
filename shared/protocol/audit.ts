import { z } from "zod";
import { EntityId, Timestamp } from "./common";
import { Actor } from "./principal";

export const AuditEntry = z.object({
  n: z.number().int().positive(),
  at: Timestamp,
  actor: Actor.nullable(), // null for the room itself (e.g. an expiry)
  action: z.string(), // e.g. "approval.approved"
  targetId: EntityId,
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditListParams = z
  .object({
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .default({ limit: 100 });
/** Newest first. */
export const AuditListResult = z.object({ entries: z.array(AuditEntry), hasMore: z.boolean() });
