import type { ChatStream } from "../../shared/protocol/gateway";
import type { Message } from "../../shared/protocol/threads";
import { type Binding, bindingForSession } from "../domain/gateway-bindings";
import { markImported, wasImported } from "../domain/gateway";
import { appendMessage, getThread } from "../domain/threads";
import type { BridgeLink } from "./bridge-link";
import { AgentEvent, ChatEvent, messageText } from "./gateway-frames";
import { clip, toolKey } from "./history-import";

/**
 * The gateway's runs as they happen: a reply streams to clients as `chat.delta` and lands
 * as one durable message when it ends; a command's output lands as a tool message.
 */
export class ChatRuns {
  readonly #link: BridgeLink;
  #streams = new Map<string, ChatStream>();
  /** Commands by tool call id, so a tool's output can be shown with what ran. */
  #commands = new Map<string, string>();

  constructor(link: BridgeLink) {
    this.#link = link;
  }

  get streams(): ChatStream[] {
    return [...this.#streams.values()];
  }

  /** A run streaming live right now: its reply comes as an event, not from history. */
  streaming(runId: string): boolean {
    return this.#streams.has(runId);
  }

  rememberCommand(toolCallId: string, command: string): void {
    this.#commands.set(toolCallId, command);
  }

  onChat(payload: unknown): void {
    const parsed = ChatEvent.safeParse(payload);
    if (!parsed.success) return;
    const chat = parsed.data;
    const binding = bindingForSession(this.#link.sql, this.#link.instanceId, chat.sessionKey);
    if (!binding) return;
    const { broadcast } = this.#link.deps;
    switch (chat.state) {
      case "status":
      case "delta": {
        const stream = this.#stream(binding, chat.runId);
        if (!stream || chat.state !== "delta") return;
        const full = messageText(chat.message) || stream.text + (chat.deltaText ?? "");
        // Offsets come from the full text, never from the gateway's seq (it has gaps).
        if (full.startsWith(stream.text)) {
          if (full.length > stream.text.length)
            broadcast("chat.delta", { threadId: stream.threadId, instanceId: stream.instanceId, runId: stream.runId, offset: stream.text.length, text: full.slice(stream.text.length) });
        } else {
          broadcast("chat.delta", { threadId: stream.threadId, instanceId: stream.instanceId, runId: stream.runId, offset: 0, text: full });
        }
        stream.text = full;
        return;
      }
      case "final":
        return this.#finish(binding, chat.runId, messageText(chat.message) || this.#streams.get(chat.runId)?.text || "", {});
      case "aborted":
        return this.#finish(binding, chat.runId, messageText(chat.message) || this.#streams.get(chat.runId)?.text || "(stopped before any reply)", { aborted: true });
      case "error":
        return this.#finish(binding, chat.runId, chat.errorMessage || "OpenClaw reported an error without a message", { kind: "error" });
    }
  }

  /** The stream of a run, announced to clients (empty text = "thinking") on first sight. */
  #stream(binding: Binding, runId: string): ChatStream | null {
    const existing = this.#streams.get(runId);
    if (existing) return existing;
    if (wasImported(this.#link.sql, this.#link.instanceId, `run:${runId}`)) return null;
    const stream: ChatStream = { threadId: binding.threadId, instanceId: this.#link.instanceId, runId, text: "", startedAt: Date.now() };
    this.#streams.set(runId, stream);
    this.#link.deps.broadcast("chat.delta", { threadId: stream.threadId, instanceId: stream.instanceId, runId, offset: 0, text: "" });
    return stream;
  }

  /** A run ended: its reply (or error) becomes one durable message, exactly once. */
  #finish(binding: Binding, runId: string, text: string, extras: Pick<Message, "kind" | "aborted">): void {
    const { instanceId } = this.#link;
    const message = this.#link.room("instance", (ctx) => {
      const thread = getThread(ctx.sql, binding.threadId);
      if (!thread || wasImported(ctx.sql, instanceId, `run:${runId}`)) return null;
      markImported(ctx.sql, instanceId, [`run:${runId}`], ctx.now);
      return text ? appendMessage(ctx, thread, ctx.actor, clip(text), { ...extras, runId }) : null;
    });
    this.#streams.delete(runId);
    const messageId = message?.id ?? null;
    if (extras.kind === "error") this.#link.deps.broadcast("chat.error", { threadId: binding.threadId, runId, error: text, messageId });
    else this.#link.deps.broadcast("chat.final", { threadId: binding.threadId, runId, messageId, aborted: extras.aborted ?? false });
  }

  /** The connection dropped mid-reply: the partial text is gone with it (BRIDGE.md, Q9). */
  interrupt(): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    const text = "The connection to OpenClaw was lost mid-reply. The reply appears here if the gateway finishes it.";
    for (const stream of streams) {
      const message = this.#link.room("instance", (ctx) => {
        const thread = getThread(ctx.sql, stream.threadId);
        // No runId on purpose: if the gateway still finishes the run, catch-up imports it.
        return thread ? appendMessage(ctx, thread, ctx.actor, text, { kind: "error" }) : null;
      });
      this.#link.deps.broadcast("chat.error", { threadId: stream.threadId, runId: stream.runId, error: text, messageId: message?.id ?? null });
    }
  }

  onAgent(payload: unknown): void {
    const parsed = AgentEvent.safeParse(payload);
    if (!parsed.success || parsed.data.isHeartbeat) return;
    const { stream: kind, data, runId, sessionKey } = parsed.data;
    if (kind === "tool" && data?.phase === "start") {
      if (data.toolCallId && typeof data.args?.command === "string") this.#commands.set(data.toolCallId, data.args.command);
      return;
    }
    if (kind !== "command_output" || data?.phase !== "end") return;
    const { sql, instanceId } = this.#link;
    const threadId = (runId && this.#streams.get(runId)?.threadId) || (sessionKey && bindingForSession(sql, instanceId, sessionKey)?.threadId);
    if (!threadId) return;
    const toolCallId = (data.itemId ?? "").replace(/^command:/, "");
    const key = toolKey(threadId, toolCallId);
    const command = this.#commands.get(toolCallId);
    this.#commands.delete(toolCallId);
    const exit = data.exitCode === 0 ? "" : `\n(exit ${data.exitCode ?? "—"})`;
    this.#link.room("instance", (ctx) => {
      const thread = getThread(ctx.sql, threadId);
      if (!thread || (toolCallId && wasImported(ctx.sql, instanceId, key))) return;
      appendMessage(ctx, thread, ctx.actor, clip(`${command ? `$ ${command}\n` : ""}${data.output ?? ""}${exit}`), { kind: "tool" });
      if (toolCallId) markImported(ctx.sql, instanceId, [key], ctx.now);
    });
  }
}
