// What the Autopilot writes into a thread: its replies, tool messages and errors, each
// one transaction with its event, as the Autopilot's own principal.
import { statusWords, toolLabel } from "../../../../../shared/plain-words";
import { MAX_TOOL_TEXT, type MessageTool } from "../../../../../shared/protocol/agent";
import type { EventName, EventPayload } from "../../../../../shared/protocol/events";
import type { Actor, Principal, Scope } from "../../../../../shared/protocol/principal";
import type { Message } from "../../../../../shared/protocol/threads";
import type { Commit, OpContext } from "../../kernel/commit";
import type { Sql } from "../../../../domain/sql";
import { appendMessage, getThread } from "../threads/index";
import { AUTOPILOT_ID } from "../../../../../shared/people";

export const AUTOPILOT_ACTOR: Actor = { id: AUTOPILOT_ID, kind: "agent", name: "Autopilot" };

/** The principal a run acts as: never `approve`, never `admin` (features/toolset/tools.ts runScopes). */
export const autopilotPrincipal = (scopes: readonly Scope[]): Principal => ({
  ...AUTOPILOT_ACTOR,
  scopes: [...scopes],
});

export interface PostDeps {
  sql: Sql;
  commit: Commit;
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

/** Runs `fn` in one transaction as the Autopilot and publishes what it emitted. */
export function asAutopilot<T>(
  deps: PostDeps,
  fn: (ctx: OpContext) => T,
  scopes: readonly Scope[] = ["read", "write"],
  onBehalfOf?: Actor,
): T {
  return deps.commit(autopilotPrincipal(scopes), fn, onBehalfOf ? { onBehalfOf } : {});
}

/** Posts into a thread as the Autopilot; null if the thread is gone. */
export function post(
  deps: PostDeps,
  threadId: string,
  text: string,
  extras: Pick<Message, "kind" | "runId" | "aborted" | "tool"> = {},
): Message | null {
  return asAutopilot(deps, (ctx) => {
    const thread = getThread(ctx.sql, threadId);
    return thread ? appendMessage(ctx, thread, ctx.actor, text, extras) : null;
  });
}

/** Ends a segment's stream: its text as one durable message (if any), then chat.final. */
export function finishSegment(
  deps: PostDeps,
  threadId: string,
  chatRunId: string,
  text: string,
  aborted = false,
): Message | null {
  const message = text.trim()
    ? post(deps, threadId, text, { runId: chatRunId, ...(aborted ? { aborted: true } : {}) })
    : null;
  deps.broadcast("chat.final", { threadId, runId: chatRunId, messageId: message?.id ?? null, aborted });
  return message;
}

/** A failed turn: partial text (if any), then the error as an `error` message and chat.error. */
export function failSegment(deps: PostDeps, threadId: string, chatRunId: string, partial: string, error: string): void {
  if (partial.trim()) post(deps, threadId, partial, { runId: `${chatRunId}.partial` });
  const message = post(deps, threadId, error, { kind: "error", runId: chatRunId });
  deps.broadcast("chat.error", { threadId, runId: chatRunId, error, messageId: message?.id ?? null });
}

export const clipText = (text: string, max = MAX_TOOL_TEXT): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;
export const jsonText = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return String(value);
  }
};

/** The one readable line of a tool message, in words (shared/plain-words.ts): `Rename a thread: done`. */
export function toolLine(tool: MessageTool): string {
  const detail = tool.status === "ok" ? "" : tool.result ? `: ${tool.result.replace(/\s+/g, " ").slice(0, 200)}` : "";
  return `${toolLabel(tool.name)}: ${statusWords("tool", tool.status).toLowerCase()}${detail}`;
}
