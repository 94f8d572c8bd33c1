// Model usage per instance, as the process host's model pass-through counts it (the tokens
// each gateway spent on the operator's key): what billing reads.
import { z } from "zod";

const count = z.number().int().nonnegative();

export const modelUsageSchema = z.object({
  /** Model calls forwarded upstream. */
  requests: count,
  promptTokens: count,
  completionTokens: count,
  totalTokens: count,
  /** Calls whose answer carried no usage (an upstream error, a stream cut short): counted, not metered. */
  unmetered: count,
  /** When this instance's first counted call finished, and its latest. */
  since: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type ModelUsage = z.infer<typeof modelUsageSchema>;

/** `GET …/:id/usage`. Kept after the instance is deleted (billing still needs it). */
export const instanceUsageSchema = modelUsageSchema.extend({ workspaceId: z.string(), instanceId: z.string() });
export type InstanceUsage = z.infer<typeof instanceUsageSchema>;

/** `GET /v1/workspaces/:ws/usage`: every instance of the workspace the runtime has counted. */
export const workspaceUsageSchema = z.object({ instances: z.array(instanceUsageSchema) });

export const EMPTY_USAGE: ModelUsage = {
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  unmetered: 0,
  since: null,
  updatedAt: null,
};
