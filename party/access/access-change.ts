import { z } from "zod";
import { Actor } from "../../shared/protocol/principal";

/**
 * What the Worker tells a workspace's rooms after access in it changed: why (the close
 * reason sockets get) and, for the Autopilot, the audit entry to append (who did what to
 * whom). It is a claim about an event, never about who may do what: each room re-reads
 * that from D1 itself (party/auth/current-access.ts). Rooms parse it with this schema
 * although only the Worker can call them (DO RPC is not reachable from outside).
 */
export const AccessChange = z.object({
  reason: z.string().min(1).max(120),
  audit: z
    .object({
      actor: Actor.nullable(),
      /** e.g. `key.revoked`, `member.removed`, `member.role_changed` (docs/access.md, "Audit"). */
      action: z.string().min(1).max(64),
      targetId: z.string().min(1).max(64),
      details: z.record(z.string(), z.unknown()).default({}),
    })
    .optional(),
});
export type AccessChange = z.input<typeof AccessChange>;
