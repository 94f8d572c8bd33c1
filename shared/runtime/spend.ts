// Whether a workspace's gateways may spend on the operator's model. The Autopilot room owns the
// workspace's credits and tells the runtime (`PUT /v1/workspaces/:ws/spend`) when its balance
// crosses zero either way; the model pass-through then refuses a refused workspace's calls
// with HTTP 402 before anything reaches the model. A workspace the runtime was never told about
// may spend: the room tells it on every start.
import { z } from "zod";

/** Why a workspace's gateways may not spend; the runtime words the refusal itself. */
export const spendRefusalSchema = z.enum(["out_of_credits"]);
export type SpendRefusal = z.infer<typeof spendRefusalSchema>;

/** `PUT /v1/workspaces/:ws/spend`'s body. */
export const spendRequestSchema = z.discriminatedUnion("allowed", [
  z.strictObject({ allowed: z.literal(true) }),
  z.strictObject({ allowed: z.literal(false), reason: spendRefusalSchema }),
]);
export type SpendRequest = z.infer<typeof spendRequestSchema>;

/** What the runtime holds for a workspace (`GET`/`PUT /v1/workspaces/:ws/spend`). */
export const spendStateSchema = z.object({
  allowed: z.boolean(),
  reason: spendRefusalSchema.nullable(),
  /** When the room last told it; null when it never did. */
  updatedAt: z.string().nullable(),
});
export type SpendState = z.infer<typeof spendStateSchema>;

export const workspaceSpendSchema = spendStateSchema.extend({ workspaceId: z.string() });
export type WorkspaceSpend = z.infer<typeof workspaceSpendSchema>;

export const SPEND_ALLOWED: SpendState = { allowed: true, reason: null, updatedAt: null };

/** The state a request sets, stamped now. */
export const spendStateOf = (request: SpendRequest, at = new Date()): SpendState => ({
  allowed: request.allowed,
  reason: request.allowed ? null : request.reason,
  updatedAt: at.toISOString(),
});
