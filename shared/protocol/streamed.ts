import { z } from "zod";
import { AUTOPILOT_ID } from "../people";

/**
 * Capability `reply.streamed` (protocol 19, decision 89): the Autopilot's streamed reply lands as
 * a `message.created` whose text its thread's sockets already hold, piece by piece. To a socket
 * that asked, the message comes with `text: ""` and `streamed`, the length and hash of the text;
 * the client keeps the text of the stream the message ends (same `runId`) when both match, and
 * reads the message again when they do not (after a missed piece).
 */
export const StreamedText = z.object({
  /** The text's length in UTF-16 code units, as JavaScript counts it. */
  chars: z.number().int().nonnegative(),
  /** `streamedHash` of the text: 8 hex digits. */
  hash: z.string().regex(/^[0-9a-f]{8}$/),
});
export type StreamedText = z.infer<typeof StreamedText>;

/** Below this many characters the text is sent as it is: `streamed` would cost about as much. */
export const STREAMED_MIN_CHARS = 64;

/**
 * FNV-1a (32 bits) over the text's UTF-16 code units, as 8 hex digits: it tells a stream that
 * missed or garbled a piece from the reply, not a forgery (the room is trusted for the text).
 */
export function streamedHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** Whether `text` is what `streamed` describes. */
export const isStreamedText = (text: string, streamed: StreamedText): boolean =>
  text.length === streamed.chars && streamedHash(text) === streamed.hash;

interface ReplyLike {
  text: string;
  runId?: string | undefined;
  kind?: string | undefined;
  author: { id: string };
  streamed?: StreamedText | undefined;
}

/**
 * The message as sent live to a socket that asked for `reply.streamed`: the Autopilot's reply of
 * a run (a text message with a `runId`) without its text, when that is long enough to be worth it.
 */
export function withStreamedText<M extends ReplyLike>(message: M): M {
  const reply = message.runId !== undefined && (message.kind ?? "text") === "text";
  if (!reply || message.author.id !== AUTOPILOT_ID || message.text.length < STREAMED_MIN_CHARS) return message;
  return { ...message, text: "", streamed: { chars: message.text.length, hash: streamedHash(message.text) } };
}

export function replyStreamedCapability() {
  return {
    name: "reply.streamed",
    since: 19,
    summary:
      "the Autopilot's streamed reply's message.created carries its text's length and hash (streamed) in place of the text its stream already brought",
    adds: ["events.message.created.message|object.streamed"],
    // The room stores and logs the message whole (a socket that did not ask needs no
    // conversion; a replay brings the text); a socket that asked is sent it without the text live.
    events: {},
    results: {},
    written: {
      "message.created": <M extends ReplyLike>(payload: { message: M }) => {
        const message = withStreamedText(payload.message);
        return message === payload.message ? payload : { ...payload, message };
      },
    },
  };
}
