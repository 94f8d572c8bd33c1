import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { z } from "zod";

/**
 * What the Hatchery tells a client about a write it did not take as sent
 * (docs/protocol.md, "The Hatchery's socket", says what a client does on each):
 * - `repaired`: the update was applied with the listed parts set back (the repair reaches
 *   the sender like any update).
 * - `not_applied`, `document_full`, `payload_too_large` (an update frame): nothing of the
 *   update was applied; the room sends the writer a deletion of what it wrote, so its copy
 *   drops it, and the socket stays.
 * - `read_only`: the socket only reads; its write was not applied and is taken back alike.
 * - `rate_limited`, and `payload_too_large` for a frame that is no update or too large to
 *   read: the room closes the socket (the close codes below).
 * - `bad_frame`: an unreadable frame or a refused presence update, dropped.
 *
 * How it is sent depends on the client: to one that asked for custom messages (its socket
 * URL carries `refusals=custom`, as the app's does: y-partyserver's provider reads them) as
 * text `__YPS:` + this JSON; to any other as a y-protocols auth message (permission denied,
 * the JSON as its reason), which stock providers such as y-websocket read and log, where a
 * text frame would break their reader.
 */
export const HatcheryRefusalCode = z.enum([
  "repaired",
  "not_applied",
  "read_only",
  "payload_too_large",
  "rate_limited",
  "document_full",
  "bad_frame",
]);
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

/** y-protocols' message type for auth messages, and its "permission denied" kind. */
const MESSAGE_AUTH = 2;
const PERMISSION_DENIED = 0;

/** A refusal as a y-protocols auth message (what a stock Yjs provider reads). */
export function refusalFrame(refusal: HatcheryRefusal): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AUTH);
  encoding.writeVarUint(encoder, PERMISSION_DENIED);
  encoding.writeVarString(encoder, JSON.stringify(refusal));
  return encoding.toUint8Array(encoder);
}

/** The refusal in a binary frame, if it is one. */
export function parseRefusalFrame(frame: Uint8Array): HatcheryRefusal | null {
  try {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MESSAGE_AUTH || decoding.readVarUint(decoder) !== PERMISSION_DENIED)
      return null;
    const parsed = HatcheryRefusal.safeParse(JSON.parse(decoding.readVarString(decoder)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
