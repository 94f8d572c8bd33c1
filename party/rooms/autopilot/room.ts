import { Agent, type Connection, type ConnectionContext, type WSMessage } from "agents";
import { CloseCode } from "../../../shared/protocol/errors";
import type { EventName, EventPayload } from "../../../shared/protocol/events";
import { MAX_CLIENT_FRAME_BYTES } from "../../../shared/protocol/frames";
import { agentInfo, type ModelConfig, readModelConfig } from "../../agent/config";
import { AutopilotAgent } from "../../agent/runner";
import type { AccessChange } from "../../access/access-change";
import { expireDueApprovals, nextApprovalExpiry } from "../../domain/approvals";
import { createOpContext, type OpEffects } from "../../domain/context";
import { planResume, type ResumePlan, roomEpoch } from "../../domain/eventlog";
import { allSessions, listSessions } from "../../domain/gateway";
import { type GraphFeed, readGraphFeed } from "../../domain/graph-feed";
import { listInstances } from "../../domain/instances";
import { migrate } from "../../domain/schema";
import { type Sql, sqlFromStorage } from "../../domain/sql";
import type { Env } from "../../env";
import { runtimeFromEnv } from "../../runtime-client";
import { type BackupPolicy, readBackupPolicy } from "../../domain/backup-policy";
import { BridgeSupervisor } from "../../instances/bridge-supervisor";
import { autopilotSocket } from "../shared/connection-access";
import { accessReader, applyAccessChange } from "./access-changed";
import { type ConnState, connState, presenceEntry, presenceOf } from "../shared/connection-state";
import { RecurringAlarms, wantedAlarms } from "./schedules/recurring-alarms";
import { runScheduledBackups } from "../../instances/scheduled-backups";
import { driveChatStarts } from "../../instances/chat-starts";
import { reactToEvents } from "./event-reactions";
import { dispatch, type DispatchOutcome, invokeAs, parseFrame, sniffRequestId } from "./methods/dispatch";
import { type OperationDeps, watchInstance } from "../../instances/operations";
import { settleInstanceApproval } from "../../instances/approvals";
import { readGatewayLimits } from "../../bridge/gateway-limits";
import { admitConnection } from "./connections/admission";
import { rateLimitedResponse, RequestMeter } from "../shared/rate-limit";
import { readRoomLimits, type RoomLimits } from "../shared/limits";
import { principalTag, principalTags, refuseOverCap } from "../shared/connection-cap";
import { eventFrame, sendQuietly } from "./connections/socket-send";
import { sendToAll } from "./connections/fanout";
import { buildHello } from "./connections/hello";
import { PresenceBroadcast } from "./connections/presence-broadcast";
import { PresenceIndex } from "./connections/presence-index";
import { skipUnusedFrameworkWork } from "./framework/skips";
import { ReplayPump } from "./connections/replay-pump";
import { boxTextFrames, unboxFrame } from "./framework/frames";
import { HatcheryLink } from "./hatchery-link";
import { RetentionSweep } from "./schedules/retention-sweep";
import { logRequest } from "./methods/request-log";
import type { AutopilotContext } from "./context";
import { instanceDetails } from "../../instances/details";
import type { GraphApplyOutcome } from "../hatchery/room";

/** How often a room with live instances wakes itself to make sure its bridges run. */
const BRIDGE_WATCH_SECONDS = 300;

/**
 * One Autopilot per workspace. This class holds lifecycle and dispatch only; the domain
 * lives in party/domain as plain functions over SQL.
 *
 * Hibernation: the object may be evicted between messages while sockets stay open. All
 * per-connection facts live in `connection.state` (serialized with the socket), durable
 * facts in SQLite; the in-memory rate-limit buckets are allowed to reset on wake.
 */
export class Autopilot extends Agent<Env> {
  static override options = { sendIdentityOnConnect: false };

  readonly #sql: Sql;
  readonly #meter = new RequestMeter(() => this.#limits);
  readonly #canvas = new HatcheryLink(this.env.Hatchery, () => this.name);
  readonly #retention: RetentionSweep;
  readonly #presence = new PresenceBroadcast((diff) => this.#broadcastEvent("presence.diff", diff));
  readonly #who = new PresenceIndex(() => presenceOf(this.getConnections()));
  readonly #replay: ReplayPump;
  readonly #bridges: BridgeSupervisor;
  readonly #alarms: RecurringAlarms;
  readonly #backupPolicy: BackupPolicy;
  readonly #agent: AutopilotAgent;
  /** The Autopilot's model as the Worker's vars and secrets configure it. */
  readonly #modelConfig: ModelConfig;
  readonly #currentAccess = accessReader(this.env.DB, () => this.name);
  /** What methods, tools and reactions act through (context.ts). */
  readonly #context: AutopilotContext;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = sqlFromStorage(ctx.storage);
    migrate(this.#sql);
    boxTextFrames(this);
    skipUnusedFrameworkWork(this);
    this.#replay = new ReplayPump({
      sql: this.#sql,
      reset: (conn) => this.#greet(conn as Connection, connState(conn as Connection)!, { kind: "snapshot", reset: true }),
      overflow: (conn) => (conn as Connection).close(CloseCode.rateLimited, JSON.stringify({ retryAfterMs: 1000 })),
    });
    this.#modelConfig = readModelConfig(env);
    this.#retention = new RetentionSweep({
      sql: this.#sql,
      every: (seconds) => this.scheduleEvery(seconds, "sweepRetention"),
      cancel: () => this.#cancelSchedules("sweepRetention"),
      auditRows: () => Math.max(1, Number(this.env.AUDIT_RETAIN ?? 10_000)),
      sweepCanvas: async (now) => (await this.#canvas.stub()).forgetExpired(now),
      workspaceId: () => this.name,
    });
    this.#backupPolicy = readBackupPolicy(env);
    this.#alarms = new RecurringAlarms(this, wantedAlarms(BRIDGE_WATCH_SECONDS, this.#backupPolicy.intervalSeconds), () => this.name);
    this.#bridges = new BridgeSupervisor({
      workspaceId: () => this.name,
      sql: this.#sql,
      retain: this.#retain,
      runtime: () => runtimeFromEnv(this.env),
      vars: () => this.env,
      currentAccess: this.#currentAccess,
      publish: (effects) => this.#publish(effects),
      broadcast: (event, payload) => this.#broadcastEvent(event, payload),
      sessionsChanged: () => this.#canvas.poke(),
    });
    this.#agent = new AutopilotAgent({
      sql: this.#sql,
      retain: this.#retain,
      config: () => this.#modelConfig,
      publish: (effects) => this.#publish(effects),
      broadcast: (event, payload) => this.#broadcastEvent(event, payload),
      keepAlive: () => this.keepAlive(),
      invoke: (principal, method, params) => invokeAs(this.#context, principal, method, params),
      gateway: (threadId) => this.#bridges.gatewayFor(threadId),
      currentAccess: this.#currentAccess,
    });
    this.#context = {
      sql: this.#sql,
      retain: this.#retain,
      workspaceId: () => this.name,
      publish: (effects) => this.#publish(effects),
      bridges: this.#bridges,
      agent: this.#agent,
      presence: () => this.#who.entries(),
      modelConfigured: () => this.#modelConfig.configured,
      instanceDetails: (instanceId) => instanceDetails({ ...this.#operationDeps(), bridge: this.#bridges.get(instanceId), policy: this.#backupPolicy }, instanceId),
      // RPC results lose their discriminated-union narrowing; read them as the plain union.
      applyGraph: async (principalId, idempotencyKey, commands) => (await (await this.#canvas.stub()).applyCommands(principalId, idempotencyKey, commands)) as GraphApplyOutcome,
      currentAccess: this.#currentAccess,
    };
  }

  // Our clients speak our protocol only: no agents state/identity frames, and no client
  // state writes through the agents `cf_agent_state` frame (readonly blocks those).
  override shouldSendProtocolMessages(): boolean {
    return false;
  }
  override shouldConnectionBeReadonly(): boolean {
    return true;
  }

  override async onStart(): Promise<void> {
    this.#retention.ensure();
    // Runs cut off by the restart resume or end visibly; paused ones decided meanwhile resume.
    this.#agent.recover();
    const next = nextApprovalExpiry(this.#sql);
    if (next !== null) await this.#wakeAt(next, true);
    // A restart (deploy, crash, eviction) cut any watch short: pick up starting instances.
    for (const instance of listInstances(this.#sql)) {
      if (instance.status === "provisioning" || instance.status === "starting") void this.#keepAliveWhile(() => watchInstance(this.#operationDeps(), instance.id));
    }
    this.#ensureBridges();
  }

  /** Starts and stops bridges to match the instances; keeps the recurring alarms while any runs. */
  #ensureBridges(): void {
    this.#bridges.ensure();
    if (this.#bridges.size > 0) void this.#alarms.sync(true);
  }

  /**
   * Scheduled while any instance exists. A room evicted (deploy, crash) with no client to
   * wake it would leave its gateways unwatched until someone connects; this alarm wakes it,
   * and waking restarts the bridges (onStart), which then catch up on what they missed.
   */
  async watchBridges(): Promise<void> {
    this.#ensureBridges();
    if (this.#bridges.size === 0) await this.#alarms.sync(false);
  }

  /** Scheduled callback (BACKUP_INTERVAL_SECONDS): a backup job per ready instance. */
  async backupInstances(): Promise<void> {
    await this.#keepAliveWhile(() => runScheduledBackups(this.#operationDeps(), this.#backupPolicy));
  }

  async #cancelSchedules(callback: string): Promise<void> {
    for (const schedule of await this.listSchedules()) if (schedule.callback === callback) await this.cancelSchedule(schedule.id);
  }

  /**
   * onStart runs on every wake, so its wake-up is deduplicated (same time, same row).
   * Nothing else may be: the scheduler would fold a re-check into the very job that is
   * running and then delete it, leaving no alarm at all.
   */
  #wakeAt(at: number, idempotent = false): Promise<unknown> {
    const when = Math.max(at, Date.now());
    return this.schedule(new Date(when), "expireApprovals", { at: when }, { idempotent }).catch((error: unknown) => {
      console.error(JSON.stringify({ msg: "could not schedule approval expiry", workspace: this.name, at: when, error: String(error) }));
    });
  }

  get #retain(): number {
    return Math.max(1, Number(this.env.EVENT_LOG_RETAIN ?? 10_000));
  }
  get #limits(): RoomLimits {
    return readRoomLimits(this.env);
  }

  /** To one socket (quietly: it may have closed); held while that socket is still replaying (replay-pump.ts). */
  #sendText(conn: Connection, text: string): void {
    this.#replay.send(conn, text);
  }

  #broadcastEvent<E extends EventName>(event: E, payload: EventPayload<E>, seq?: number): void {
    const text = eventFrame(event, payload, seq);
    sendToAll(this.ctx, text, this.#replay.size > 0 ? this.#replay.holdBroadcast(text, seq) : undefined);
  }

  override getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    return principalTags(ctx.request);
  }

  override onConnect(conn: Connection, ctx: ConnectionContext): void {
    const admission = admitConnection(ctx.request, Date.now());
    if (!admission.ok) {
      conn.close(admission.code, admission.reason);
      return;
    }
    const { state } = admission;
    if (refuseOverCap(conn, this.ctx.getWebSockets(principalTag(state.principal.id)), this.#limits.connectionsPerPrincipal)) return;
    conn.setState(state);
    const entry = presenceEntry(conn.id, state);
    this.#who.set(entry);
    const plan = planResume(this.#sql, roomEpoch(this.#sql), admission.lastSeq, admission.epoch);
    this.#greet(conn, state, plan);
    // The replay goes out in pages; frames for this socket wait until it has caught up.
    if (plan.kind === "replay")
      void this.#replay.start(conn, plan.from).catch((error: unknown) => console.error(JSON.stringify({ msg: "replay failed", workspace: this.name, connection: conn.id, error: String(error) })));
    this.#presence.joined(entry);
  }

  /** Sends the hello (bounded snapshot, or where the replay starts); returns the seq it covers. */
  #greet(conn: Connection, state: ConnState, plan: ResumePlan): number {
    const { perSecond, burst } = this.#limits.connection;
    const hello = buildHello({
      sql: this.#sql,
      connectionId: conn.id,
      workspaceId: this.name,
      epoch: roomEpoch(this.#sql),
      principal: state.principal,
      plan,
      presence: () => this.#who.entries(),
      live: { streams: [...this.#bridges.streams, ...this.#agent.streams], sessions: allSessions(this.#sql) },
      agent: agentInfo(this.#modelConfig),
      limits: { maxFrameBytes: MAX_CLIENT_FRAME_BYTES, requestsPerSecond: perSecond, burst },
      streamBytes: readGatewayLimits(this.env).helloStreamBytes,
    });
    sendQuietly(conn, eventFrame("hello", hello));
    return hello.seq;
  }

  override onMessage(conn: Connection, frame: WSMessage): void {
    this.#presence.flushIfDue();
    const message = unboxFrame(frame);
    const state = connState(conn);
    if (!state) {
      // A socket refused in onConnect (no state) may still have frames on their way.
      if (conn.readyState === WebSocket.OPEN) conn.close(CloseCode.unauthenticated, "unauthenticated");
      return;
    }
    const now = Date.now();
    // Every frame costs a token, garbage included: the limiter runs before any parsing.
    const token = this.#meter.take(conn.id, state.principal.id, now);
    if (!token.ok) {
      if (token.close) conn.close(CloseCode.rateLimited, JSON.stringify({ retryAfterMs: Math.max(token.retryAfterMs, 1000) }));
      else this.#sendText(conn, rateLimitedResponse(token, sniffRequestId(message)));
      return;
    }
    const parsed = parseFrame(message);
    if (!parsed.ok) {
      logRequest(this.name, conn.id, state.principal.id, "bad frame", parsed.outcome.error?.error);
      this.#sendText(conn, JSON.stringify(parsed.outcome.response));
      return;
    }
    const setStatus = (status: string | null) => {
      const next = { ...state, status };
      conn.setState(next);
      const entry = presenceEntry(conn.id, next);
      this.#who.set(entry);
      this.#presence.updated(entry);
      return entry;
    };
    const outcome = dispatch({ room: this.#context, principal: state.principal, now, setStatus }, parsed.frame);
    const method = parsed.frame.method;
    if (outcome instanceof Promise) void outcome.then((done) => this.#finish(conn, state, method, done));
    else this.#finish(conn, state, method, outcome);
  }

  #finish(conn: Connection, state: ConnState, method: string, outcome: DispatchOutcome): void {
    if (outcome.error) logRequest(this.name, conn.id, state.principal.id, `request failed: ${outcome.error.method}`, outcome.error.error, outcome.error.cause);
    this.#publish(outcome.effects);
    this.#sendText(conn, JSON.stringify(outcome.response));
    // Only here are the sender's scopes known: the Autopilot's run acts with at most those.
    if (method === "chat.send" && outcome.response.ok) this.#agent.onPosted((outcome.response.payload as EventPayload<"message.created">).message, state.principal);
  }

  override onClose(conn: Connection): void {
    this.#meter.forget(conn.id, Date.now());
    this.#replay.forget(conn.id);
    this.#who.left(conn.id);
    const state = connState(conn);
    if (state) this.#presence.left(conn.id, state.principal.id);
  }

  /** Events first, so every client (the requester too) has the change before the response. */
  #publish(effects: OpEffects): void {
    for (const e of effects.events) this.#broadcastEvent(e.event, e.payload, e.seq);
    for (const at of effects.wakeups) void this.#wakeAt(at);
    if (effects.events.length > 0) this.#canvas.poke();
    this.#retention.ensure();
    reactToEvents(
      {
        sql: this.#sql,
        bridges: this.#bridges,
        instanceApprovalResolved: (approval) => void this.#keepAliveWhile(() => settleInstanceApproval(this.#operationDeps(), approval)),
        approvalResolved: (approval) => this.#agent.onApprovalResolved(approval),
        instancesChanged: () => this.#ensureBridges(),
        sessionBound: (instanceId) => this.#broadcastEvent("sessions.changed", listSessions(this.#sql, instanceId)),
      },
      effects,
    );
    driveChatStarts(this.#operationDeps(), effects, (instanceId) => void this.#bridges.get(instanceId)?.flush());
  }

  #operationDeps(): OperationDeps {
    return {
      sql: this.#sql,
      retain: this.#retain,
      workspaceId: this.name,
      runtime: runtimeFromEnv(this.env),
      backupKeep: this.#backupPolicy.keep,
      gateway: (instanceId) => this.#bridges.get(instanceId),
      publish: (effects) => this.#publish(effects),
      deleting: (instanceId, active) => {
        this.#bridges.deleting(instanceId, active);
        this.#ensureBridges();
      },
      awaitingRuntime: (instanceId, active) => this.#bridges.awaitingRuntime(instanceId, active),
    };
  }

  /** An instance operation outlives its request (a gateway starts in ~15 s): stay awake until it is done. */
  async #keepAliveWhile(work: () => Promise<void>): Promise<void> {
    const release = await this.keepAlive();
    try {
      await work();
    } catch (error) {
      console.error(JSON.stringify({ msg: "background work failed", workspace: this.name, error: String(error) }));
    } finally {
      release();
    }
  }

  /** Scheduled callback (alarm, while there is anything to forget): the tables' retention. */
  async sweepRetention(): Promise<void> {
    await this.#retention.run(Date.now());
  }

  /**
   * RPC for the Hatchery: a page of durable events after `since`, or of the domain state
   * when `since` is from another epoch or fell out of the log (graph-feed.ts).
   */
  async graphFeed(since: number, epoch: string | null, limit = 500, snapshotCursor: string | null = null, sessionsDigest: string | null = null): Promise<GraphFeed> {
    // Called by native RPC, which skips the framework's start: the Hatchery no longer asks for it separately.
    await this.__unsafe_ensureInitialized();
    return readGraphFeed(this.#sql, roomEpoch(this.#sql), since, epoch, limit, snapshotCursor, sessionsDigest);
  }

  /** Scheduled callback (alarm): resolves pending approvals whose time ran out. */
  async expireApprovals(): Promise<void> {
    const { ctx, effects } = createOpContext(this.#sql, null, Date.now(), this.#retain);
    this.#sql.transaction(() => expireDueApprovals(ctx));
    this.#publish(effects);
    // Scheduled times have one-second granularity and workerd's clock only advances with
    // I/O, so an alarm can run before the expiry it was set for and find nothing due:
    // look again a second later.
    const next = nextApprovalExpiry(this.#sql);
    if (next !== null && next - Date.now() < 1000) await this.#wakeAt(Math.max(next, Date.now()) + 1000);
  }

  /** RPC from the Worker (party/access/revalidate.ts): access in this workspace changed. */
  async accessChanged(message: AccessChange): Promise<void> {
    const sockets = [...this.getConnections()].flatMap((conn) => autopilotSocket(conn, (text) => this.#sendText(conn, text)) ?? []);
    const room = { sql: this.#sql, db: this.env.DB, workspaceId: this.name, retain: this.#retain, currentAccess: this.#currentAccess, sockets };
    await applyAccessChange({ ...room, publish: (effects) => this.#publish(effects), recheckRuns: () => this.#agent.recheckActive() }, message);
  }
}
