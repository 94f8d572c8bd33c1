import type { ChatStream } from "../../../../../shared/protocol/gateway";
import type { Message } from "../../../../../shared/protocol/threads";
import { type Binding, bindingForSession, markImported, wasImported } from "../instance-store";
import { appendMessage, getThread } from "../threads/index";
import type { BridgeLink } from "./bridge-link";
import { AgentEvent, ChatEvent, messageText } from "./gateway-frames";
import { cutText } from "../../../../../shared/clip";
import { clip, toolKey } from "./history-import";
import { BoundedMap } from "../../../../domain/bounded-map";
import { gatewaySpendTold } from "../metering";

/**
 * What a gateway thread says when the runtime refused its model call because the workspace is
 * out of credits (HTTP 402). The gateway words that as a billing error of "your API key" and
 * "your provider's dashboard", which is not what a person here can act on.
 */
export const GATEWAY_OUT_OF_CREDITS =
  "This workspace is out of credits, so its OpenClaw gateway cannot use the model. Top up in Billing (or ask an operator for a grant), then send your message again.";

/** Commands remembered for their output (a tool call may never report one); the oldest go first. */
const MAX_COMMANDS = 500;
/** A command as a tool message shows it: the output gets the rest of the message. */
const MAX_COMMAND_CHARS = 4000;

/** A streamed run and how much text was relayed for it, rewrites included. */
interface LiveRun {
  stream: ChatStream;
  relayed: number;
  /** Its relay budget ran out: nothing more is shown until the reply lands. */
  frozen: boolean;
}

/**
 * The gateway's runs as they happen: a reply streams to clients as `chat.delta` and lands
 * as one durable message when it ends; a command's output lands as a tool message. What a
 * run streams is bounded (GatewayLimits): every delta is sent to every client and every
 * live text is in every hello, so a gateway that never ends its replies must not grow them.
 */
export class ChatRuns {
  readonly #link: BridgeLink;
  #runs = new Map<string, LiveRun>();
  /** Commands by tool call id, so a tool's output can be shown with what ran. */
  #commands = new BoundedMap<string, string>(MAX_COMMANDS);

  constructor(link: BridgeLink) {
    this.#link = link;
  }

  get streams(): ChatStream[] {
    return [...this.#runs.values()].map((run) => run.stream);
  }

  /** A run streaming live right now: its reply comes as an event, not from history. */
  streaming(runId: string): boolean {
    return this.#runs.has(runId);
  }

  rememberCommand(toolCallId: string, command: string): void {
    if (toolCallId.length > 200) return;
    this.#commands.set(toolCallId, cutText(command, MAX_COMMAND_CHARS));
  }

  onChat(payload: unknown): void {
    const parsed = ChatEvent.safeParse(payload);
    if (!parsed.success) return;
    const chat = parsed.data;
    const binding = bindingForSession(this.#link.sql, this.#link.instanceId, chat.sessionKey);
    if (!binding) return;
    switch (chat.state) {
      case "status":
      case "delta": {
        const run = this.#run(binding, chat.runId);
        if (!run || chat.state !== "delta") return;
        return this.#relay(run, messageText(chat.message) || run.stream.text + (chat.deltaText ?? ""));
      }
      case "final":
        return this.#finish(
          binding,
          chat.runId,
          messageText(chat.message) || this.#runs.get(chat.runId)?.stream.text || "",
          {},
        );
      case "aborted":
        return this.#finish(
          binding,
          chat.runId,
          messageText(chat.message) || this.#runs.get(chat.runId)?.stream.text || "(stopped before any reply)",
          { aborted: true },
        );
      case "error": {
        // The room told the runtime this workspace may not spend, and the gateway's call failed on billing.
        const billing = chat.errorDetail?.failoverReason === "billing" || /\bbilling\b/i.test(chat.errorMessage ?? "");
        if (billing && gatewaySpendTold(this.#link.sql)?.allowed === false)
          return this.#finish(binding, chat.runId, GATEWAY_OUT_OF_CREDITS, { kind: "error" }, "payment_required");
        return this.#finish(binding, chat.runId, chat.errorMessage || "OpenClaw reported an error without a message", {
          kind: "error",
        });
      }
    }
  }

  /**
   * The live run, announced to clients (empty text = "thinking") on first sight; null when
   * it already landed, or when the gateway streams as many runs as it may (its reply still
   * lands when it ends).
   */
  #run(binding: Binding, runId: string): LiveRun | null {
    const existing = this.#runs.get(runId);
    if (existing) return existing;
    if (this.#runs.size >= this.#link.limits.maxLiveRuns) return null;
    if (wasImported(this.#link.sql, this.#link.instanceId, `run:${runId}`)) return null;
    const stream: ChatStream = {
      threadId: binding.threadId,
      instanceId: this.#link.instanceId,
      runId,
      text: "",
      startedAt: Date.now(),
    };
    const run = { stream, relayed: 0, frozen: false };
    this.#runs.set(runId, run);
    this.#link.deps.broadcast("chat.delta", {
      threadId: stream.threadId,
      instanceId: stream.instanceId,
      runId,
      offset: 0,
      text: "",
    });
    return run;
  }

  /**
   * Relays what changed of a run's text, cut to the run cap. Offsets come from the full
   * text, never from the gateway's seq (it has gaps). A text that does not extend the last
   * one is sent whole (offset 0), so a gateway could rewrite its text forever: every
   * character sent counts against the run's relay budget, and a run that spent it shows
   * no more until its reply lands.
   */
  #relay(run: LiveRun, full: string): void {
    const { stream } = run;
    const max = this.#link.limits.maxRunChars;
    const text = cutText(full, max);
    if (run.frozen || text === stream.text) return;
    const grows = text.startsWith(stream.text);
    const offset = grows ? stream.text.length : 0;
    const sent = grows ? text.slice(offset) : text;
    if (run.relayed + sent.length > 2 * max) {
      run.frozen = true;
      this.#link.log("a streamed reply spent its relay budget: no more of it is shown until it ends", {
        runId: stream.runId.slice(0, 64),
      });
      return;
    }
    run.relayed += sent.length;
    stream.text = text;
    this.#link.deps.broadcast("chat.delta", {
      threadId: stream.threadId,
      instanceId: stream.instanceId,
      runId: stream.runId,
      offset,
      text: sent,
    });
  }

  /**
   * A run ended: its reply (or error) becomes one durable message, exactly once, and the room
   * reads what the gateway spent on it. `code` types an error (`payment_required`: out of credits).
   */
  #finish(
    binding: Binding,
    runId: string,
    text: string,
    extras: Pick<Message, "kind" | "aborted">,
    code?: "payment_required",
  ): void {
    const { instanceId } = this.#link;
    const message = this.#link.room("instance", (ctx) => {
      const thread = getThread(ctx.sql, binding.threadId);
      if (!thread || wasImported(ctx.sql, instanceId, `run:${runId}`)) return null;
      markImported(ctx.sql, instanceId, [`run:${runId}`], ctx.now);
      return text ? appendMessage(ctx, thread, ctx.actor, clip(text), { ...extras, runId }) : null;
    });
    this.#runs.delete(runId);
    const messageId = message?.id ?? null;
    if (extras.kind === "error")
      this.#link.deps.broadcast("chat.error", {
        threadId: binding.threadId,
        runId,
        error: clip(text),
        messageId,
        ...(code ? { code } : {}),
      });
    else
      this.#link.deps.broadcast("chat.final", {
        threadId: binding.threadId,
        runId,
        messageId,
        aborted: extras.aborted ?? false,
      });
    this.#link.deps.runEnded?.(instanceId);
  }

  /** The connection dropped mid-reply: the partial text is gone with it (BRIDGE.md, Q9). */
  interrupt(): void {
    const streams = this.streams;
    this.#runs.clear();
    const text = "The connection to OpenClaw was lost mid-reply. The reply appears here if the gateway finishes it.";
    for (const stream of streams) {
      const message = this.#link.room("instance", (ctx) => {
        const thread = getThread(ctx.sql, stream.threadId);
        // No runId on purpose: if the gateway still finishes the run, catch-up imports it.
        return thread ? appendMessage(ctx, thread, ctx.actor, text, { kind: "error" }) : null;
      });
      this.#link.deps.broadcast("chat.error", {
        threadId: stream.threadId,
        runId: stream.runId,
        error: text,
        messageId: message?.id ?? null,
      });
    }
  }

  onAgent(payload: unknown): void {
    const parsed = AgentEvent.safeParse(payload);
    if (!parsed.success || parsed.data.isHeartbeat) return;
    const { stream: kind, data, runId, sessionKey } = parsed.data;
    if (kind === "tool" && data?.phase === "start") {
      if (data.toolCallId && typeof data.args?.command === "string")
        this.rememberCommand(data.toolCallId, data.args.command);
      return;
    }
    if (kind !== "command_output" || data?.phase !== "end") return;
    const { sql, instanceId } = this.#link;
    const threadId =
      (runId && this.#runs.get(runId)?.stream.threadId) ||
      (sessionKey && bindingForSession(sql, instanceId, sessionKey)?.threadId);
    if (!threadId) return;
    const toolCallId = (data.itemId ?? "").replace(/^command:/, "");
    const key = toolKey(threadId, toolCallId);
    const command = this.#commands.get(toolCallId);
    this.#commands.delete(toolCallId);
    const exit = data.exitCode === 0 ? "" : `\n(exit ${data.exitCode ?? "—"})`;
    this.#link.room("instance", (ctx) => {
      const thread = getThread(ctx.sql, threadId);
      if (!thread || (toolCallId && wasImported(ctx.sql, instanceId, key))) return;
      appendMessage(ctx, thread, ctx.actor, clip(`${command ? `$ ${command}\n` : ""}${data.output ?? ""}${exit}`), {
        kind: "tool",
      });
      if (toolCallId) markImported(ctx.sql, instanceId, [key], ctx.now);
    });
  }
}
