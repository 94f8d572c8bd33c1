import { z } from "zod";

/**
 * A tool call the model made that may wait for a person: what it calls with, the room
 * approval a person decides (null: it needs none, or none yet) and their answer once given.
 * A run's call waiting for a decision and a task's call in its step are both one of these.
 */
export const DecidedCall = z.object({
  toolCallId: z.string(),
  tool: z.string(),
  input: z.unknown(),
  roomApprovalId: z.string().nullable(),
  answer: z
    .union([z.object({ approved: z.literal(true) }), z.object({ approved: z.literal(false), reason: z.string() })])
    .nullable(),
});
