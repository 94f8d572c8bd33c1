import { SessionKey } from "../../../../../shared/protocol/gateway";
import type { OpContext } from "../../kernel/commit";
import {
  type Binding,
  bindingForThread,
  bindingsOf,
  gatewayUserActor,
  getInstance,
  instanceActor,
  isOurMessage,
  markImported,
  markOutbound,
  putSessions,
  setCursor,
  wasImported,
} from "../instance-store";
import { appendMessage, getThread } from "../threads/index";
import type { BridgeLink } from "./bridge-link";
import type { ChatRuns } from "./chat-runs";
import type { Decisions } from "./decisions";
import type { GatewayConnection } from "./gateway-connection";
import {
  ChannelPairingList,
  ChatMessage,
  ExecApprovalRequest,
  HistoryResult,
  PairList,
  SessionsListResult,
} from "./gateway-frames";
import { historyBytes } from "./gateway-limits";
import { cutText } from "../../../../../shared/clip";
import { planHistoryImport } from "./history-import";

const HISTORY_LIMIT = 100;
const SESSIONS_LIMIT = 50;
/** A session's label and preview as the room keeps them. */
const SESSION_TEXT_CHARS = 200;

/**
 * Events are never replayed by the gateway: after every connect, read what may have
 * changed while we were away. Every write is idempotent, so this may overlap with the
 * live events of the same connection.
 */
export class CatchUp {
  readonly #link: BridgeLink;
  readonly #runs: ChatRuns;
  readonly #decisions: Decisions;
  /** When channel pairing requests were last listed (they raise no event). */
  #channelsCheckedAt = 0;
  /** Threads whose history could not be read after this connect: their messages wait. */
  #unsynced = new Set<string>();

  constructor(link: BridgeLink, runs: ChatRuns, decisions: Decisions) {
    this.#link = link;
    this.#runs = runs;
    this.#decisions = decisions;
  }

  get channelsCheckedAt(): number {
    return this.#channelsCheckedAt;
  }

  /** A thread whose history was not read since the connect: the gateway may already have its queued messages. */
  unsynced(threadId: string): boolean {
    return this.#unsynced.has(threadId);
  }

  /** Approvals first (a person may be waiting on them), then sessions and thread histories. */
  async run(connection: GatewayConnection): Promise<void> {
    await connection.request("sessions.subscribe", {});
    await this.#reconcileExecApprovals(connection);
    await this.#reconcilePairing(connection, "device");
    await this.#reconcilePairing(connection, "node").catch((error) => this.#link.log("node.pair.list failed", error));
    await this.reconcileChannelPairing(connection).catch((error) =>
      this.#link.log("channels.pairing.list failed", error),
    );
    await this.refreshSessions(connection).catch((error) => this.#link.log("sessions.list failed", error));
    this.#unsynced.clear();
    for (const binding of bindingsOf(this.#link.sql, this.#link.instanceId)) {
      await this.#syncHistory(connection, binding).catch((error) => {
        // Its queued messages wait: one may already be in the gateway (sent just before a
        // crash), and only the history can tell.
        this.#unsynced.add(binding.threadId);
        this.#link.log(`chat.history failed for ${binding.sessionKey}`, error);
      });
    }
  }

  async #reconcileExecApprovals(connection: GatewayConnection): Promise<void> {
    const askedAt = Date.now();
    const listed = await connection.request("exec.approval.list", {});
    // Not a list: the answer is not understood, so nothing is concluded from it.
    if (!Array.isArray(listed)) throw new Error("exec.approval.list did not answer with a list");
    const requests = listed
      .map((r) => ExecApprovalRequest.safeParse(r))
      .filter((r) => r.success)
      .map((r) => r.data);
    for (const request of requests) this.#decisions.recordExec(request);
    this.#decisions.closeVanished(
      askedAt,
      new Set(requests.map((r) => r.id)),
      (action) => action.kind === "exec",
      () => ["expired", "OpenClaw no longer has this request (it expired or the gateway restarted)"],
    );
  }

  async #reconcilePairing(connection: GatewayConnection, target: "device" | "node"): Promise<void> {
    const askedAt = Date.now();
    const list = PairList.parse(await connection.request(`${target}.pair.list`, {}));
    for (const request of list.pending) this.#decisions.recordPairing(target, request);
    const paired = new Set(list.paired.map((p) => p.deviceId ?? p.nodeId));
    this.#decisions.closeVanished(
      askedAt,
      new Set(list.pending.map((r) => r.requestId)),
      (action) => action.kind === "pairing" && action.target === target,
      (action) =>
        paired.has(action.kind === "pairing" ? action.subject : "")
          ? ["approved", "approved in OpenClaw"]
          : ["expired", "no longer pending in OpenClaw"],
    );
  }

  /**
   * Channel senders (e.g. a Telegram user asking for DM access). The gateway broadcasts
   * no event for these (runtime/BRIDGE.md, channel pairing), so the list is read on every
   * connect and again on the gateway's periodic `health` event, at most once a minute.
   */
  async reconcileChannelPairing(connection: GatewayConnection): Promise<void> {
    const askedAt = Date.now();
    this.#channelsCheckedAt = askedAt;
    const list = ChannelPairingList.parse(await connection.request("channels.pairing.list", {}));
    for (const r of list.requests) this.#decisions.recordChannel(r);
    this.#decisions.closeVanished(
      askedAt,
      new Set(list.requests.map((r) => r.requestId)),
      (action) => action.kind === "pairing" && action.target === "channel",
      () => ["expired", "no longer pending in OpenClaw"],
    );
  }

  async refreshSessions(connection: GatewayConnection): Promise<void> {
    const result = SessionsListResult.parse(await connection.request("sessions.list", { limit: SESSIONS_LIMIT }));
    // Sessions are in every hello: no more than were asked for, each cut to what a list shows.
    const sessions = result.sessions
      .filter((s) => SessionKey.safeParse(s.key).success)
      .slice(0, SESSIONS_LIMIT)
      .map((s) => ({
        key: s.key,
        label: cutText(s.label || s.displayName || s.derivedTitle || s.key, SESSION_TEXT_CHARS),
        preview: s.lastMessagePreview ? cutText(s.lastMessagePreview, SESSION_TEXT_CHARS) : null,
        status: s.status ? cutText(s.status, 64) : null,
        running: s.hasActiveRun ?? false,
        updatedAt: s.updatedAt ?? null,
      }));
    const { sql, instanceId } = this.#link;
    const listed = sql.transaction(() => putSessions(sql, instanceId, sessions));
    this.#link.deps.broadcast("sessions.changed", listed);
  }

  /** Reads a newly bound thread's session history (sessions.open) if we are connected. */
  syncThread(threadId: string): void {
    const binding = bindingForThread(this.#link.sql, threadId);
    const connection = this.#link.live;
    if (!binding || !connection) return;
    void this.#syncHistory(connection, binding).catch((error) =>
      this.#link.log(`chat.history failed for ${binding.sessionKey}`, error),
    );
  }

  /** Reads a thread's session from its cursor (or whole, on first sync or a reset). */
  async #syncHistory(connection: GatewayConnection, binding: Binding): Promise<void> {
    const ask = (cursor: string | null) =>
      connection
        .request("chat.history", {
          sessionKey: binding.sessionKey,
          limit: HISTORY_LIMIT,
          maxBytes: historyBytes(this.#link.limits),
          ...(cursor ? { cursor } : {}),
        })
        .then((r) => HistoryResult.parse(r));
    let history = await ask(binding.cursor);
    if (history.kind === "reset") history = await ask(null);
    // Delta answers wrap each message ({message, messageId, …}); full answers do not.
    const messages = history.messages
      .map((m) => ChatMessage.safeParse(history.kind === "delta" ? (m as { message?: unknown })?.message : m))
      .filter((m) => m.success)
      .map((m) => m.data);
    this.#link.room("instance", (ctx) => {
      const thread = getThread(ctx.sql, binding.threadId);
      if (!thread) return;
      for (const message of messages) this.#importHistoryMessage(ctx, binding, message);
      setCursor(ctx.sql, binding.threadId, history.deltaCursor ?? null);
    });
  }

  #importHistoryMessage(ctx: OpContext, binding: Binding, message: ChatMessage): void {
    const { instanceId } = this.#link;
    const thread = getThread(ctx.sql, binding.threadId);
    if (!thread) return;
    const plan = planHistoryImport(message, {
      threadId: binding.threadId,
      imported: (key) => wasImported(ctx.sql, instanceId, key),
      isOurs: (messageId) => isOurMessage(ctx.sql, messageId),
      streaming: (runId) => this.#runs.streaming(runId),
    });
    if (plan.kind === "delivered") markOutbound(ctx.sql, plan.messageId, "sent");
    if (plan.kind !== "append") return;
    const instance = getInstance(ctx.sql, instanceId);
    const author =
      plan.from === "gateway-user"
        ? gatewayUserActor(instanceId)
        : instanceActor(instance ?? { id: instanceId, name: instanceId });
    appendMessage(ctx, thread, author, plan.text, {
      ...(plan.runId ? { runId: plan.runId } : {}),
      ...(plan.tool ? { kind: "tool" as const } : {}),
    });
    markImported(ctx.sql, instanceId, plan.keys, ctx.now);
  }
}
