import { Backoff } from "../../shared/backoff";
import type { Approval } from "../../shared/protocol/approvals";
import type { EventPayload } from "../../shared/protocol/events";
import type { ChatStream, SessionMessage } from "../../shared/protocol/gateway";
import type { Instance } from "../../shared/protocol/instances";
import type { Message } from "../../shared/protocol/threads";
import { createOpContext, type OpContext, type OpEffects } from "../domain/context";
import { RoomError } from "../domain/errors";
import {
  type Binding,
  bindingForSession,
  bindingForThread,
  bindingsOf,
  type GatewayRequest,
  gatewayUserActor,
  getDeviceDoc,
  instanceActor,
  isOurMessage,
  markImported,
  markOutbound,
  pendingGatewayApprovals,
  putDeviceDoc,
  putSessions,
  queuedFor,
  recordGatewayRequest,
  setCursor,
  settleGatewayRequest,
  wasImported,
} from "../domain/gateway";
import { getInstance, putInstance } from "../domain/instances";
import type { Sql } from "../domain/sql";
import { appendMessage, getThread } from "../domain/threads";
import type { RuntimeClient, RuntimeInstanceStatus } from "../runtime-client";
import { mirrorStatus } from "../rooms/instance-operations";
import { createDeviceIdentity, type DeviceIdentity } from "./device-identity";
import { clip, planHistoryImport, toolKey } from "./history-import";
import { GatewayConnection, GatewayRequestError } from "./gateway-connection";
import {
  AgentEvent,
  ApprovalResolveResult,
  ChannelPairingList,
  ChatEvent,
  ChatMessage,
  ExecApprovalRequest,
  ExecApprovalResolved,
  HistoryResult,
  messageText,
  PairList,
  PairRequest,
  PairResolved,
  SessionsListResult,
} from "./gateway-frames";

/**
 * `operator.admin` is required, not just `operator.approvals`: the gateway shows an agent
 * run's exec approvals only to admin connections, and with no one to ask it denies every
 * command at once (runtime/BRIDGE.md, Q1). Asked for on first pairing, because a later
 * scope upgrade raises a repair request.
 */
export const BRIDGE_SCOPES = ["operator.read", "operator.write", "operator.approvals", "operator.pairing", "operator.admin"] as const;
const BRIDGE_CAPS = ["tool-events", "approvals"] as const;
const LONG_POLL_MS = 20_000;
const SESSIONS_DEBOUNCE_MS = 300;
/** A connection that lasted this long resets the reconnect backoff. */
const STABLE_CONNECTION_MS = 30_000;
/** How soon a message that could not be sent (timeout, gateway busy) is tried again. */
const OUTBOX_RETRY_MS = 2_000;
const HISTORY_LIMIT = 100;

export interface BridgeDeps {
  workspaceId: string;
  instanceId: string;
  sql: Sql;
  retain: number;
  runtime: RuntimeClient;
  /** Durable effects, published by the room after commit. */
  publish(effects: OpEffects): void;
  /** Ephemeral events to every client. */
  broadcast<E extends "chat.delta" | "chat.final" | "chat.error" | "sessions.changed">(event: E, payload: EventPayload<E>): void;
}

export type Decision = "approve" | "deny";

/** The approval actions that stand for a gateway request. */
type GatewayAction = Exclude<NonNullable<Approval["action"]>, { kind: "instance" }>;

/**
 * The Autopilot's link to one OpenClaw instance: keeps a gateway connection up (waiting
 * for the runtime to report the gateway ready, reconnecting with jittered backoff), turns
 * gateway events into room state, and after every (re)connect catches up on what it may
 * have missed. Every write is idempotent, so a live event and the catch-up may overlap.
 */
export class InstanceBridge {
  readonly #d: BridgeDeps;
  /** Requests a person is deciding right now: the gateway's own resolved event for them is ours. */
  readonly deciding = new Set<string>();
  #stopped = false;
  /** Cancels the status long-poll when the bridge stops. */
  readonly #abort = new AbortController();
  #connection: GatewayConnection | null = null;
  #streams = new Map<string, ChatStream>();
  /** Commands by tool call id, so a tool's output can be shown with what ran. */
  #commands = new Map<string, string>();
  #backoff = new Backoff({ baseMs: 500, capMs: 15_000 });
  #wake: (() => void) | null = null;
  #sessionsTimer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> | null = null;
  #flushAgain = false;
  #flushRetry: ReturnType<typeof setTimeout> | null = null;
  /** True once the catch-up after the current connect is done: the outbox waits for it. */
  #caughtUp = false;
  /** When channel pairing requests were last listed (they raise no event). */
  #channelsCheckedAt = 0;
  /** Threads whose history could not be read after this connect: their messages wait. */
  #unsynced = new Set<string>();

  constructor(deps: BridgeDeps) {
    this.#d = deps;
  }

  get connected(): boolean {
    return this.#connection?.isOpen ?? false;
  }

  get streams(): ChatStream[] {
    return [...this.#streams.values()];
  }

  start(): void {
    void this.#run();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#connection?.close(1000, "instance removed from the Autopilot");
    this.#wake?.();
    if (this.#sessionsTimer) clearTimeout(this.#sessionsTimer);
    if (this.#flushRetry) clearTimeout(this.#flushRetry);
  }

  // --- lifecycle -------------------------------------------------------------------

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#waitUntilReady();
        if (this.#stopped) break;
        this.#setBridge("connecting", null);
        const connection = await this.#connect();
        // stop() may have landed while we were connecting: this connection must not live on.
        if (this.#stopped) {
          connection.close(1000, "instance removed from the Autopilot");
          break;
        }
        const openedAt = Date.now();
        this.#connection = connection;
        this.#caughtUp = false;
        this.#setBridge("connected", null);
        await this.#catchUp(connection);
        this.#caughtUp = true;
        void this.flush();
        const closed = await connection.closed;
        this.#connection = null;
        // A link that dies right after the handshake (or a catch-up that keeps failing)
        // must back off like any failure, not reconnect in a tight loop.
        if (Date.now() - openedAt > STABLE_CONNECTION_MS) this.#backoff.reset();
        this.#interruptStreams();
        if (this.#stopped) break;
        this.#setBridge("offline", `the gateway connection closed (${closed.code}${closed.reason ? `: ${closed.reason}` : ""})`);
        // Show why right away (e.g. "the gateway exited unexpectedly"), not after a poll.
        await this.#refreshStatus().catch(() => {});
      } catch (error) {
        // Nothing in here may throw: the loop is the bridge's only way back.
        try {
          this.#connection?.close(1000, "bridge error");
          this.#connection = null;
          this.#interruptStreams();
          if (this.#stopped) break;
          this.#log("bridge connection failed", error);
          this.#setBridge("offline", describe(error));
        } catch (inner) {
          this.#log("bridge recovery failed", inner);
        }
      }
      await this.#sleep(this.#backoff.next());
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Mirrors the runtime's status into the instance until the gateway is ready (long-poll). */
  async #waitUntilReady(): Promise<void> {
    let version = 0;
    for (;;) {
      const status = await this.#d.runtime.status(this.#d.workspaceId, this.#d.instanceId, version, version === 0 ? 0 : LONG_POLL_MS, this.#abort.signal).catch(async (error: unknown) => {
        // The runtime restarted and no longer runs this instance: start it again from its
        // state (provisioning is idempotent and keeps the state dir) — unless the instance
        // is being deleted, which is exactly when the runtime answers not_found too.
        if (this.#stopped || !(error instanceof RoomError) || error.details?.runtimeCode !== "not_found") throw error;
        this.#log("the runtime does not run this instance any more: starting it again", null);
        return this.#d.runtime.provision(this.#d.workspaceId, this.#d.instanceId);
      });
      if (this.#stopped) return;
      version = status.version;
      this.#mirror(status);
      if (status.state === "ready") return;
    }
  }

  async #refreshStatus(): Promise<void> {
    this.#mirror(await this.#d.runtime.status(this.#d.workspaceId, this.#d.instanceId, 0, 0));
  }

  #mirror(status: RuntimeInstanceStatus): void {
    if (this.#stopped) return;
    const { sql, retain, workspaceId, runtime, publish } = this.#d;
    mirrorStatus({ sql, retain, workspaceId, runtime, publish }, this.#d.instanceId, status);
  }

  async #connect(): Promise<GatewayConnection> {
    const { runtime, workspaceId, instanceId, sql } = this.#d;
    let device = getDeviceDoc<DeviceIdentity>(sql, instanceId);
    if (!device) {
      device = await createDeviceIdentity();
      putDeviceDoc(sql, instanceId, device);
    }
    const auth = device.deviceToken ? { deviceToken: device.deviceToken } : { token: (await runtime.credentials(workspaceId, instanceId)).token };
    const socket = await runtime.openGateway(workspaceId, instanceId);
    try {
      const { connection, hello } = await GatewayConnection.open(socket, {
        device,
        auth,
        scopes: BRIDGE_SCOPES,
        caps: BRIDGE_CAPS,
        mode: device.deviceToken ? "backend" : "ui",
        onEvent: (event, payload) => this.#onEvent(event, payload),
      });
      if (!BRIDGE_SCOPES.every((s) => hello.scopes.includes(s))) this.#log("gateway granted fewer scopes than asked", hello.scopes);
      if (!device.deviceToken && !hello.deviceToken) this.#log("the gateway paired the device but issued no device token", null);
      console.log(JSON.stringify({ msg: "gateway connected", workspace: this.#d.workspaceId, instance: this.#d.instanceId, device: device.deviceId.slice(0, 12), auth: hello.method }));
      if (hello.deviceToken && hello.deviceToken !== device.deviceToken) putDeviceDoc(sql, instanceId, { ...device, deviceToken: hello.deviceToken });
      return connection;
    } catch (error) {
      // A device token the gateway no longer knows (state restored elsewhere, device
      // removed): forget it, so the next attempt pairs again with the gateway token.
      if (device.deviceToken && error instanceof GatewayRequestError && /DEVICE_TOKEN|device token|NOT_PAIRED|TOKEN_MISMATCH/i.test(`${error.code} ${error.message} ${JSON.stringify(error.details ?? null)}`)) {
        putDeviceDoc(sql, instanceId, { ...device, deviceToken: null });
      }
      throw error;
    }
  }

  #setBridge(bridge: NonNullable<Instance["bridge"]>, error: string | null): void {
    this.#room(null, (ctx) => {
      const instance = getInstance(ctx.sql, this.#d.instanceId);
      if (!instance || instance.status === "stopped") return;
      if (instance.bridge === bridge && (instance.bridgeError ?? null) === error) return;
      putInstance(ctx, { ...instance, bridge, bridgeError: error, updatedAt: ctx.now });
    });
  }

  /** One room transaction as the instance (or the room itself), published after commit. */
  #room<T>(as: "instance" | null, fn: (ctx: OpContext) => T): T {
    const instance = getInstance(this.#d.sql, this.#d.instanceId);
    const actor = instance && as === "instance" ? instanceActor(instance) : null;
    const principal = actor ? { ...actor, scopes: ["admin" as const] } : null;
    const { ctx, effects } = createOpContext(this.#d.sql, principal, Date.now(), this.#d.retain);
    const result = this.#d.sql.transaction(() => fn(ctx));
    this.#d.publish(effects);
    return result;
  }

  // --- catch-up ----------------------------------------------------------------------

  /**
   * Events are never replayed by the gateway: after every connect, read what may have
   * changed while we were away. Approvals first (a person may be waiting on them).
   */
  async #catchUp(connection: GatewayConnection): Promise<void> {
    await connection.request("sessions.subscribe", {});
    await this.#reconcileExecApprovals(connection);
    await this.#reconcilePairing(connection, "device");
    await this.#reconcilePairing(connection, "node").catch((error) => this.#log("node.pair.list failed", error));
    await this.#reconcileChannelPairing(connection).catch((error) => this.#log("channels.pairing.list failed", error));
    await this.#refreshSessions(connection).catch((error) => this.#log("sessions.list failed", error));
    this.#unsynced.clear();
    for (const binding of bindingsOf(this.#d.sql, this.#d.instanceId)) {
      await this.#syncHistory(connection, binding).catch((error) => {
        // Its queued messages wait: one may already be in the gateway (sent just before a
        // crash), and only the history can tell.
        this.#unsynced.add(binding.threadId);
        this.#log(`chat.history failed for ${binding.sessionKey}`, error);
      });
    }
  }

  async #reconcileExecApprovals(connection: GatewayConnection): Promise<void> {
    const askedAt = Date.now();
    const listed = await connection.request("exec.approval.list", {});
    // Not a list: the answer is not understood, so nothing is concluded from it.
    if (!Array.isArray(listed)) throw new Error("exec.approval.list did not answer with a list");
    const requests = listed.map((r) => ExecApprovalRequest.safeParse(r)).filter((r) => r.success).map((r) => r.data);
    for (const request of requests) this.#onExecRequested(request);
    this.#closeVanished(askedAt, new Set(requests.map((r) => r.id)), (action) => action.kind === "exec", () => ["expired", "OpenClaw no longer has this request (it expired or the gateway restarted)"]);
  }

  /**
   * Settles the pending room approvals (of the kind `mine` selects) whose gateway request
   * is no longer in the list just read: `outcome` says how. Requests being decided right
   * now, or raised after the list was asked for, are not the list's to judge.
   */
  #closeVanished(
    askedAt: number,
    open: ReadonlySet<string>,
    mine: (action: GatewayAction) => boolean,
    outcome: (action: GatewayAction) => ["approved" | "expired", string],
  ): void {
    for (const approval of pendingGatewayApprovals(this.#d.sql, this.#d.instanceId)) {
      const action = approval.action;
      if (!action || action.kind === "instance" || !mine(action)) continue;
      if (open.has(action.requestId) || this.deciding.has(action.requestId) || approval.requestedAt >= askedAt) continue;
      const [status, note] = outcome(action);
      this.#room("instance", (ctx) => settleGatewayRequest(ctx, this.#d.instanceId, action.requestId, status, note));
    }
  }

  async #reconcilePairing(connection: GatewayConnection, target: "device" | "node"): Promise<void> {
    const askedAt = Date.now();
    const list = PairList.parse(await connection.request(`${target}.pair.list`, {}));
    for (const request of list.pending) this.#onPairRequested(target, request);
    const paired = new Set(list.paired.map((p) => p.deviceId ?? p.nodeId));
    this.#closeVanished(
      askedAt,
      new Set(list.pending.map((r) => r.requestId)),
      (action) => action.kind === "pairing" && action.target === target,
      (action) => (paired.has(action.kind === "pairing" ? action.subject : "") ? ["approved", "approved in OpenClaw"] : ["expired", "no longer pending in OpenClaw"]),
    );
  }

  /**
   * Channel senders (e.g. a Telegram user asking for DM access). The gateway broadcasts
   * no event for these (runtime/BRIDGE.md, channel pairing), so the list is read on every
   * connect and again on the gateway's periodic `health` event, at most once a minute.
   */
  async #reconcileChannelPairing(connection: GatewayConnection): Promise<void> {
    const askedAt = Date.now();
    this.#channelsCheckedAt = askedAt;
    const list = ChannelPairingList.parse(await connection.request("channels.pairing.list", {}));
    const { instanceId } = this.#d;
    const instance = getInstance(this.#d.sql, instanceId);
    for (const r of list.requests) {
      const name = typeof r.metadata?.username === "string" ? `@${r.metadata.username}` : r.senderId;
      const summary = `${r.channelLabel ?? r.channel} sender ${name} (account ${r.accountId})`;
      this.#record({
        instanceId,
        requestId: r.requestId,
        title: `Let ${name} on ${r.channelLabel ?? r.channel} talk to ${instance?.name ?? instanceId}`.slice(0, 200),
        details: summary,
        risk: "medium",
        threadId: null,
        expiresAt: r.expiresAt ? Date.parse(r.expiresAt) || null : null,
        action: { kind: "pairing", instanceId, target: "channel", requestId: r.requestId, subject: r.senderId, summary, scopes: [], channel: { channel: r.channel, accountId: r.accountId } },
      });
    }
    this.#closeVanished(askedAt, new Set(list.requests.map((r) => r.requestId)), (action) => action.kind === "pairing" && action.target === "channel", () => ["expired", "no longer pending in OpenClaw"]);
  }

  async #refreshSessions(connection: GatewayConnection): Promise<void> {
    const result = SessionsListResult.parse(await connection.request("sessions.list", { limit: 50 }));
    const sessions = result.sessions.map((s) => ({
      key: s.key,
      label: s.label || s.displayName || s.derivedTitle || s.key,
      preview: s.lastMessagePreview ?? null,
      status: s.status ?? null,
      running: s.hasActiveRun ?? false,
      updatedAt: s.updatedAt ?? null,
    }));
    const listed = this.#d.sql.transaction(() => putSessions(this.#d.sql, this.#d.instanceId, sessions));
    this.#d.broadcast("sessions.changed", listed);
  }

  #scheduleSessions(): void {
    if (this.#sessionsTimer) return;
    this.#sessionsTimer = setTimeout(() => {
      this.#sessionsTimer = null;
      const connection = this.#connection;
      if (connection?.isOpen) void this.#refreshSessions(connection).catch((error) => this.#log("sessions.list failed", error));
    }, SESSIONS_DEBOUNCE_MS);
  }

  /** Reads a thread's session from its cursor (or whole, on first sync or a reset). */
  async #syncHistory(connection: GatewayConnection, binding: Binding): Promise<void> {
    const ask = (cursor: string | null) => connection.request("chat.history", { sessionKey: binding.sessionKey, limit: HISTORY_LIMIT, ...(cursor ? { cursor } : {}) }).then((r) => HistoryResult.parse(r));
    let history = await ask(binding.cursor);
    if (history.kind === "reset") history = await ask(null);
    // Delta answers wrap each message ({message, messageId, …}); full answers do not.
    const messages = history.messages.map((m) => ChatMessage.safeParse(history.kind === "delta" ? (m as { message?: unknown })?.message : m)).filter((m) => m.success).map((m) => m.data);
    this.#room("instance", (ctx) => {
      const thread = getThread(ctx.sql, binding.threadId);
      if (!thread) return;
      for (const message of messages) this.#importHistoryMessage(ctx, binding, message);
      setCursor(ctx.sql, binding.threadId, history.deltaCursor ?? null);
    });
  }

  #importHistoryMessage(ctx: OpContext, binding: Binding, message: ChatMessage): void {
    const { instanceId } = this.#d;
    const thread = getThread(ctx.sql, binding.threadId);
    if (!thread) return;
    const plan = planHistoryImport(message, {
      threadId: binding.threadId,
      imported: (key) => wasImported(ctx.sql, instanceId, key),
      isOurs: (messageId) => isOurMessage(ctx.sql, messageId),
      streaming: (runId) => this.#streams.has(runId),
    });
    if (plan.kind === "delivered") markOutbound(ctx.sql, plan.messageId, "sent");
    if (plan.kind !== "append") return;
    const instance = getInstance(ctx.sql, instanceId);
    const author = plan.from === "gateway-user" ? gatewayUserActor(instanceId) : instanceActor(instance ?? { id: instanceId, name: instanceId });
    appendMessage(ctx, thread, author, plan.text, { ...(plan.runId ? { runId: plan.runId } : {}), ...(plan.tool ? { kind: "tool" as const } : {}) });
    markImported(ctx.sql, instanceId, plan.keys, ctx.now);
  }

  // --- live events -------------------------------------------------------------------

  #onEvent(event: string, payload: unknown): void {
    switch (event) {
      case "chat":
        return this.#onChat(payload);
      case "agent":
        return this.#onAgent(payload);
      case "exec.approval.requested": {
        const request = ExecApprovalRequest.safeParse(payload);
        if (request.success) this.#onExecRequested(request.data);
        return;
      }
      case "exec.approval.resolved": {
        const resolved = ExecApprovalResolved.safeParse(payload);
        if (resolved.success) {
          const d = resolved.data.decision ?? "";
          this.#onGatewayDecision(resolved.data.id, d.startsWith("allow") ? "approved" : d === "deny" ? "denied" : "expired");
        }
        return;
      }
      case "device.pair.requested":
      case "node.pair.requested": {
        const request = PairRequest.safeParse(payload);
        if (request.success) this.#onPairRequested(event.startsWith("device") ? "device" : "node", request.data);
        return;
      }
      case "device.pair.resolved":
      case "node.pair.resolved": {
        const resolved = PairResolved.safeParse(payload);
        if (resolved.success) this.#onGatewayDecision(resolved.data.requestId, resolved.data.decision === "approved" ? "approved" : "denied");
        return;
      }
      case "sessions.changed":
        return this.#scheduleSessions();
      case "health": {
        const connection = this.#connection;
        if (connection?.isOpen && Date.now() - this.#channelsCheckedAt > 60_000) void this.#reconcileChannelPairing(connection).catch((error) => this.#log("channels.pairing.list failed", error));
        return;
      }
    }
  }

  #onChat(payload: unknown): void {
    const parsed = ChatEvent.safeParse(payload);
    if (!parsed.success) return;
    const chat = parsed.data;
    const binding = bindingForSession(this.#d.sql, this.#d.instanceId, chat.sessionKey);
    if (!binding) return;
    switch (chat.state) {
      case "status":
      case "delta": {
        const stream = this.#stream(binding, chat.runId);
        if (!stream || chat.state !== "delta") return;
        const full = messageText(chat.message) || stream.text + (chat.deltaText ?? "");
        // Offsets come from the full text, never from the gateway's seq (it has gaps).
        if (full.startsWith(stream.text)) {
          if (full.length > stream.text.length) this.#d.broadcast("chat.delta", { threadId: stream.threadId, instanceId: stream.instanceId, runId: stream.runId, offset: stream.text.length, text: full.slice(stream.text.length) });
        } else {
          this.#d.broadcast("chat.delta", { threadId: stream.threadId, instanceId: stream.instanceId, runId: stream.runId, offset: 0, text: full });
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
    if (wasImported(this.#d.sql, this.#d.instanceId, `run:${runId}`)) return null;
    const stream: ChatStream = { threadId: binding.threadId, instanceId: this.#d.instanceId, runId, text: "", startedAt: Date.now() };
    this.#streams.set(runId, stream);
    this.#d.broadcast("chat.delta", { threadId: stream.threadId, instanceId: stream.instanceId, runId, offset: 0, text: "" });
    return stream;
  }

  /** A run ended: its reply (or error) becomes one durable message, exactly once. */
  #finish(binding: Binding, runId: string, text: string, extras: Pick<Message, "kind" | "aborted">): void {
    const message = this.#room("instance", (ctx) => {
      const thread = getThread(ctx.sql, binding.threadId);
      if (!thread || wasImported(ctx.sql, this.#d.instanceId, `run:${runId}`)) return null;
      markImported(ctx.sql, this.#d.instanceId, [`run:${runId}`], ctx.now);
      return text ? appendMessage(ctx, thread, ctx.actor, clip(text), { ...extras, runId }) : null;
    });
    this.#streams.delete(runId);
    const messageId = message?.id ?? null;
    if (extras.kind === "error") this.#d.broadcast("chat.error", { threadId: binding.threadId, runId, error: text, messageId });
    else this.#d.broadcast("chat.final", { threadId: binding.threadId, runId, messageId, aborted: extras.aborted ?? false });
  }

  /** The connection dropped mid-reply: the partial text is gone with it (BRIDGE.md, Q9). */
  #interruptStreams(): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    const text = "The connection to OpenClaw was lost mid-reply. The reply appears here if the gateway finishes it.";
    for (const stream of streams) {
      const message = this.#room("instance", (ctx) => {
        const thread = getThread(ctx.sql, stream.threadId);
        // No runId on purpose: if the gateway still finishes the run, catch-up imports it.
        return thread ? appendMessage(ctx, thread, ctx.actor, text, { kind: "error" }) : null;
      });
      this.#d.broadcast("chat.error", { threadId: stream.threadId, runId: stream.runId, error: text, messageId: message?.id ?? null });
    }
  }

  #onAgent(payload: unknown): void {
    const parsed = AgentEvent.safeParse(payload);
    if (!parsed.success || parsed.data.isHeartbeat) return;
    const { stream: kind, data, runId, sessionKey } = parsed.data;
    if (kind === "tool" && data?.phase === "start") {
      if (data.toolCallId && typeof data.args?.command === "string") this.#commands.set(data.toolCallId, data.args.command);
      return;
    }
    if (kind !== "command_output" || data?.phase !== "end") return;
    const threadId = (runId && this.#streams.get(runId)?.threadId) || (sessionKey && bindingForSession(this.#d.sql, this.#d.instanceId, sessionKey)?.threadId);
    if (!threadId) return;
    const toolCallId = (data.itemId ?? "").replace(/^command:/, "");
    const key = toolKey(threadId, toolCallId);
    const command = this.#commands.get(toolCallId);
    this.#commands.delete(toolCallId);
    const exit = data.exitCode === 0 ? "" : `\n(exit ${data.exitCode ?? "—"})`;
    this.#room("instance", (ctx) => {
      const thread = getThread(ctx.sql, threadId);
      if (!thread || (toolCallId && wasImported(ctx.sql, this.#d.instanceId, key))) return;
      appendMessage(ctx, thread, ctx.actor, clip(`${command ? `$ ${command}\n` : ""}${data.output ?? ""}${exit}`), { kind: "tool" });
      if (toolCallId) markImported(ctx.sql, this.#d.instanceId, [key], ctx.now);
    });
  }

  #onExecRequested(request: ReturnType<typeof ExecApprovalRequest.parse>): void {
    const { instanceId } = this.#d;
    const command = request.request?.command ?? "(command not shown)";
    const sessionKey = request.request?.sessionKey ?? null;
    const toolCallId = (request.request as { toolCallId?: unknown } | undefined)?.toolCallId;
    if (typeof toolCallId === "string") this.#commands.set(toolCallId, command);
    const binding = sessionKey ? bindingForSession(this.#d.sql, instanceId, sessionKey) : null;
    const instance = getInstance(this.#d.sql, instanceId);
    this.#record({
      instanceId,
      requestId: request.id,
      title: `${instance?.name ?? instanceId} wants to run: ${command}`.slice(0, 200),
      details: [`Command: ${command}`, request.request?.cwd ? `Working directory: ${request.request.cwd}` : null, request.request?.host ? `Host: ${request.request.host}` : null, sessionKey ? `Session: ${sessionKey}` : null]
        .filter(Boolean)
        .join("\n"),
      risk: "high",
      threadId: binding?.threadId ?? null,
      expiresAt: request.expiresAtMs ?? null,
      action: { kind: "exec", instanceId, requestId: request.id, command, cwd: request.request?.cwd ?? null, sessionKey },
    });
  }

  #onPairRequested(target: "device" | "node", request: ReturnType<typeof PairRequest.parse>): void {
    const { instanceId } = this.#d;
    const instance = getInstance(this.#d.sql, instanceId);
    const subject = request.deviceId ?? request.nodeId ?? request.requestId;
    const who = request.displayName ?? request.clientId ?? subject.slice(0, 12);
    const summary = [request.clientId, request.platform, request.remoteIp, request.isRepair ? "asks for more scopes" : null].filter(Boolean).join(" · ");
    this.#record({
      instanceId,
      requestId: request.requestId,
      title: `Pair ${target} "${who}" with ${instance?.name ?? instanceId}`.slice(0, 200),
      details: [`${target === "device" ? "Device" : "Node"} ${subject}`, summary, request.scopes?.length ? `Scopes: ${request.scopes.join(", ")}` : null].filter(Boolean).join("\n"),
      risk: "high",
      threadId: null,
      expiresAt: null,
      action: { kind: "pairing", instanceId, target, requestId: request.requestId, subject, summary, scopes: request.scopes ?? [] },
    });
  }

  #record(request: GatewayRequest): void {
    this.#room("instance", (ctx) => recordGatewayRequest(ctx, request));
  }

  #onGatewayDecision(requestId: string, status: "approved" | "denied" | "expired"): void {
    if (this.deciding.has(requestId)) return;
    this.#room("instance", (ctx) => settleGatewayRequest(ctx, this.#d.instanceId, requestId, status, `decided in OpenClaw`));
  }

  // --- room → gateway ----------------------------------------------------------------

  #open(): GatewayConnection {
    const connection = this.#connection;
    if (!connection?.isOpen) throw new RoomError("unavailable", `OpenClaw instance ${this.#d.instanceId} is not connected right now; try again when it is back`, { instanceId: this.#d.instanceId });
    return connection;
  }

  /**
   * Sends a person's decision to the gateway, which arbitrates: the first decision wins
   * there. Returns what actually applied, so the room records that and nothing else.
   */
  async decide(approval: Approval, decision: Decision): Promise<{ applied: boolean; status: "approved" | "denied" | "expired" }> {
    const action = approval.action;
    if (!action || action.kind === "instance") throw new RoomError("bad_request", "this approval is not an OpenClaw request");
    const connection = this.#open();
    const approve = decision === "approve";
    const mine = approve ? "approved" : "denied";
    const [method, params] = decisionRequest(action, approve);
    let answer: unknown;
    try {
      answer = await connection.request(method, params);
    } catch (error) {
      if (isGone(error)) return { applied: false, status: "expired" };
      throw asUnavailable(error);
    }
    if (action.kind !== "exec") return { applied: true, status: mine };
    // approval.resolve says which decision applied: the first one wins in the gateway.
    const result = ApprovalResolveResult.parse(answer);
    if (result.applied !== false) return { applied: true, status: mine };
    const theirs = result.approval?.status;
    return { applied: false, status: theirs === "denied" ? "denied" : theirs === "allowed" || theirs === "approved" ? "approved" : "expired" };
  }

  /** Queued messages → `chat.send`, in order; the message id is the idempotency key (and so the run id). */
  flush(): Promise<void> {
    if (this.#flushing) {
      this.#flushAgain = true;
      return this.#flushing;
    }
    this.#flushing = (async () => {
      do {
        this.#flushAgain = false;
        const connection = this.#connection;
        // Not before the catch-up: it tells which queued messages the gateway already has.
        if (!connection?.isOpen || !this.#caughtUp) return;
        for (const out of queuedFor(this.#d.sql, this.#d.instanceId)) {
          if (this.#unsynced.has(out.threadId)) continue;
          try {
            await connection.request("chat.send", { sessionKey: out.sessionKey, message: out.text, idempotencyKey: out.messageId });
            markOutbound(this.#d.sql, out.messageId, "sent");
          } catch (error) {
            if (!(error instanceof GatewayRequestError) || isTransient(error)) {
              // Timeout, busy gateway, dropped link: it stays queued (same idempotency key) and is tried again.
              this.#retryFlushSoon();
              return;
            }
            this.#room("instance", (ctx) => {
              markOutbound(ctx.sql, out.messageId, "failed");
              const thread = getThread(ctx.sql, out.threadId);
              if (thread) appendMessage(ctx, thread, ctx.actor, `OpenClaw did not accept this message: ${error.message}`, { kind: "error" });
            });
          }
        }
      } while (this.#flushAgain);
    })()
      .catch((error: unknown) => this.#log("sending queued messages failed", error))
      .finally(() => {
        this.#flushing = null;
      });
    return this.#flushing;
  }

  #retryFlushSoon(): void {
    if (this.#flushRetry || this.#stopped) return;
    this.#flushRetry = setTimeout(() => {
      this.#flushRetry = null;
      void this.flush();
    }, OUTBOX_RETRY_MS);
  }

  async abort(threadId: string): Promise<{ aborted: boolean; runIds: string[] }> {
    const binding = bindingForThread(this.#d.sql, threadId);
    if (!binding) throw new RoomError("conflict", "this thread is not attached to an OpenClaw instance", { threadId });
    const result = (await this.#open().request("chat.abort", { sessionKey: binding.sessionKey })) as { aborted?: boolean; runIds?: string[] } | null;
    return { aborted: result?.aborted ?? false, runIds: result?.runIds ?? [] };
  }

  /** A session's transcript straight from the gateway (`sessions.history`). */
  async history(sessionKey: string, limit: number): Promise<SessionMessage[]> {
    const history = HistoryResult.parse(await this.#open().request("chat.history", { sessionKey, limit }));
    const out: SessionMessage[] = [];
    for (const raw of history.messages) {
      const parsed = ChatMessage.safeParse(raw);
      if (!parsed.success) continue;
      const m = parsed.data;
      const role = m.role === "user" ? "user" : m.role === "assistant" ? "assistant" : m.role === "toolResult" ? "tool" : null;
      const text = messageText(m);
      if (!role || !text || text.startsWith("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>")) continue;
      out.push({ role, text, at: m.timestamp ?? null, runId: m.__openclaw?.runId ?? null });
    }
    return out;
  }

  /** Reads a newly bound thread's session history (sessions.open) if we are connected. */
  syncThread(threadId: string): void {
    const binding = bindingForThread(this.#d.sql, threadId);
    const connection = this.#connection;
    if (!binding || !connection?.isOpen) return;
    void this.#syncHistory(connection, binding).catch((error) => this.#log(`chat.history failed for ${binding.sessionKey}`, error));
  }

  #log(msg: string, detail: unknown): void {
    console.warn(JSON.stringify({ msg, workspace: this.#d.workspaceId, instance: this.#d.instanceId, detail: detail instanceof Error ? detail.message : detail }));
  }
}

/** The gateway request that carries a decision on `action`. */
function decisionRequest(action: GatewayAction, approve: boolean): [string, Record<string, unknown>] {
  if (action.kind === "exec") return ["approval.resolve", { id: action.requestId, kind: "exec", decision: approve ? "allow-once" : "deny" }];
  if (action.target === "channel") {
    const where = action.channel ?? { channel: "", accountId: "" };
    return [approve ? "channels.pairing.approve" : "channels.pairing.dismiss", { channel: where.channel, accountId: where.accountId, requestId: action.requestId }];
  }
  return [`${action.target}.pair.${approve ? "approve" : "reject"}`, { requestId: action.requestId }];
}

/** The gateway no longer has the request (decided, expired, or forgotten in a restart). */
function isGone(error: unknown): boolean {
  return error instanceof GatewayRequestError && /NOT_FOUND|unknown requestId|unknown approval|no longer exists|not found/i.test(`${error.code} ${error.message}`);
}

/** Any other failure leaves the approval pending: the person may try again. */
function asUnavailable(error: unknown): RoomError {
  return new RoomError("unavailable", `OpenClaw could not take the decision right now: ${error instanceof Error ? error.message : String(error)}`);
}

/** Gateway refusals worth retrying as they are (the gateway marks them, or is merely busy). */
function isTransient(error: GatewayRequestError): boolean {
  const details = error.details as { retryable?: unknown } | null | undefined;
  return details?.retryable === true || /UNAVAILABLE|RATE_LIMIT|BUSY|TIMEOUT/i.test(error.code);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
