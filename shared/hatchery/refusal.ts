import { z } from "zod";

/**
 * What the Hatchery tells a client about a write it did not take as sent: a y-partyserver
 * custom message (`__YPS:` + this JSON). `repaired`: the update was applied with the listed
 * parts set back (the repair reaches the sender like any update; the socket stays). The
 * other codes: nothing of the frame was applied, stored or broadcast, and the room closes
 * the socket with the matching close code, because a Yjs client whose update was dropped
 * must sync again before its next one can apply.
 */
export const HatcheryRefusalCode = z.enum(["repaired", "payload_too_large", "rate_limited", "document_full", "bad_frame"]);
export type HatcheryRefusalCode = z.infer<typeof HatcheryRefusalCode>;

export const HatcheryRefusal = z.object({
  type: z.literal("hatchery.refused"),
  code: HatcheryRefusalCode,
  message: z.string().max(2000),
  details: z.array(z.string().max(300)).max(20).optional(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type HatcheryRefusal = z.infer<typeof HatcheryRefusal>;

export const HatcheryCloseCode = {
  /** The frame was over the frame cap (the WebSocket code for "message too big"). */
  tooLarge: 1009,
  /** The document is at its size cap: people's writes are refused until it shrinks. */
  documentFull: 4013,
  rateLimited: 4029,
} as const;

export const REFUSAL_PREFIX = "__YPS:";

export function parseRefusal(message: string): HatcheryRefusal | null {
  if (!message.startsWith(REFUSAL_PREFIX)) return null;
  try {
    const parsed = HatcheryRefusal.safeParse(JSON.parse(message.slice(REFUSAL_PREFIX.length)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
