import { MAX_MESSAGE_TEXT } from "../../../../../shared/protocol/common";
import { type ChatMessage, messageText } from "./gateway-frames";

// What to do with one message of a gateway session's history (catch-up after a connect,
// or a session opened as a thread). Pure: the bridge answers the questions about room
// state and applies the plan, so the dedupe rules can be tested on their own.

export interface ImportFacts {
  threadId: string;
  /** Already taken in: `msg:<gateway id>`, `run:<run id>`, `tool:<thread>:<call id>`. */
  imported(key: string): boolean;
  /** A room message id that the room itself sent to the gateway. */
  isOurs(messageId: string): boolean;
  /** A run that is streaming live right now (its final comes as an event). */
  streaming(runId: string): boolean;
}

export type ImportPlan =
  | { kind: "skip" }
  /** Our own message reached the gateway: it must not be sent again. */
  | { kind: "delivered"; messageId: string }
  | { kind: "append"; from: "gateway-user" | "instance"; text: string; runId?: string; tool?: true; keys: string[] };

const INTERNAL_CONTEXT = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>";

/** Tool call ids are only unique within a session (models reuse `call_0`). */
export function toolKey(threadId: string, toolCallId: string): string {
  return `tool:${threadId}:${toolCallId}`;
}

/**
 * Gateway text enters the room's log and SQLite rows (2 MB each): a huge tool output or
 * reply is cut to what a person could post, with a note, rather than failing the import.
 */
export function clip(text: string): string {
  return text.length <= MAX_MESSAGE_TEXT
    ? text
    : `${text.slice(0, MAX_MESSAGE_TEXT)}\n… (cut: ${text.length - MAX_MESSAGE_TEXT} more characters in OpenClaw)`;
}

export function planHistoryImport(message: ChatMessage, facts: ImportFacts): ImportPlan {
  const gatewayId = message.__openclaw?.id;
  const runId = message.__openclaw?.runId;
  const idKeys = gatewayId ? [`msg:${gatewayId}`] : [];
  if (gatewayId && facts.imported(`msg:${gatewayId}`)) return { kind: "skip" };
  const text = messageText(message);
  switch (message.role) {
    case "user": {
      const ours = message.idempotencyKey?.endsWith(":user") ? message.idempotencyKey.slice(0, -":user".length) : null;
      if (ours && facts.isOurs(ours)) return { kind: "delivered", messageId: ours };
      if (!text || text.startsWith(INTERNAL_CONTEXT)) return { kind: "skip" };
      return { kind: "append", from: "gateway-user", text: clip(text), keys: idKeys };
    }
    case "assistant": {
      if (!text) return { kind: "skip" };
      // Text said on the way to a tool call: part of the run, not its reply. It carries no
      // runId, so it neither ends a stream nor stands in for the run's final text.
      if (message.stopReason === "toolUse") return { kind: "append", from: "instance", text: clip(text), keys: idKeys };
      // The run's reply: once, whether it arrived live (`chat` final) or from history.
      if (runId && (facts.imported(`run:${runId}`) || facts.streaming(runId))) return { kind: "skip" };
      return {
        kind: "append",
        from: "instance",
        text: clip(text),
        ...(runId ? { runId } : {}),
        keys: [...idKeys, ...(runId ? [`run:${runId}`] : [])],
      };
    }
    case "toolResult": {
      const key = message.toolCallId ? toolKey(facts.threadId, message.toolCallId) : null;
      if (key && facts.imported(key)) return { kind: "skip" };
      return {
        kind: "append",
        from: "instance",
        text: clip(text || "(no output)"),
        tool: true,
        keys: [...idKeys, ...(key ? [key] : [])],
      };
    }
    default:
      return { kind: "skip" };
  }
}
