// A paused run keeps its model messages in its row until a person decides (agent-runs.ts),
// and a row must stay well below SQLite's 2 MB limit: the messages are bounded to 1 MB.
// Over that, tool results (the bulky part: listings, histories) are cut to a short head
// with a marker first; a run still over the cap (huge tool inputs from the model) is not
// stored at all and ends with an error in its thread instead.
import type { ModelMessage } from "ai";

export const MAX_RUN_MESSAGES_BYTES = 1_000_000;
/** What a tool result keeps of itself when the run is over the cap. */
export const TRUNCATED_RESULT_CHARS = 2_000;
export const TRUNCATED_MARKER = "… [truncated before storage]";

export const tooLargeMessage = (bytes: number): string =>
  `the Autopilot stopped this reply: waiting for approval it would have to keep ${Math.ceil(bytes / 1000)} kB of conversation, more than the 1 MB it may store. Ask again with smaller inputs.`;

const bytesOf = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;

type Output = { type: string; value?: unknown; reason?: string };

/** A tool result's output cut to its head with the marker; small outputs and denials stay as they are. */
function truncateOutput(output: Output): Output {
  if (output.type === "execution-denied" || output.value === undefined) return output;
  const text = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
  if (text.length <= TRUNCATED_RESULT_CHARS) return output;
  const error = output.type === "error-text" || output.type === "error-json";
  return { type: error ? "error-text" : "text", value: `${text.slice(0, TRUNCATED_RESULT_CHARS)}${TRUNCATED_MARKER}` };
}

/** An attached file's part as a marker: its bytes (in the bucket) are never kept in a row; a resumed run has the marker. */
const fileMarker = (part: { type: string; filename?: string | undefined }) => ({
  type: "text" as const,
  text: `[${part.filename ?? part.type} left out before storage]`,
});

function truncateResults(message: ModelMessage): ModelMessage {
  if (typeof message.content === "string") return message;
  if (message.role === "user")
    return {
      ...message,
      content: message.content.map((part) =>
        part.type === "image" || part.type === "file" ? fileMarker(part as { type: string; filename?: string }) : part,
      ),
    };
  if (message.role !== "tool" && message.role !== "assistant") return message;
  const content = message.content.map((part) =>
    part.type === "tool-result" ? { ...part, output: truncateOutput(part.output as Output) } : part,
  );
  return { ...message, content } as ModelMessage;
}

export type BoundedMessages = { ok: true; messages: ModelMessage[]; truncated: boolean } | { ok: false; bytes: number };

/** The messages as they may be stored, or how large they would still be. */
export function boundRunMessages(messages: ModelMessage[], cap = MAX_RUN_MESSAGES_BYTES): BoundedMessages {
  if (bytesOf(messages) <= cap) return { ok: true, messages, truncated: false };
  const cut = messages.map(truncateResults);
  const bytes = bytesOf(cut);
  return bytes <= cap ? { ok: true, messages: cut, truncated: true } : { ok: false, bytes };
}
