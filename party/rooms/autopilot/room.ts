import { Lifecycle, type LifecycleJobContext, type LifecycleJobOutcome } from "agents/lifecycle";
import { Scheduler } from "agents/schedules";
import { WebSockets } from "agents/websockets";
import { DurableObject } from "cloudflare:workers";
import type { EventName, EventPayload } from "../../../shared/protocol/events";
import { agentInfo, type ModelConfig, readModelConfig } from "../../agent/config";
import { AutopilotAgent } from "../../agent/runner";
import type { AccessChange } from "../../access/access-change";
import { commitTo, type OpEffects } from "../../domain/context";
import { roomEpoch } from "../../domain/eventlog";
import { allSessions } from "../../domain/gateway";
import { type GraphFeed, readGraphFeed } from "../../domain/graph-feed";
import type { DeviceEntryState } from "../../devices/pipe";
import { deviceEntryState } from "../../devices/setup";
import { migrateAutopilot } from "../../domain/db/migrate";
import { type Sql, sqlFromStorage } from "../../domain/sql";
import type { Env } from "../../env";
import { autopilotSocket } from "../shared/connection-access";
import { accessReader, applyAccessChange } from "./access-changed";
import { KEEP_ALIVE_JOB, KeepAlive } from "./schedules/keep-alive";
import { ApprovalExpiry } from "./features/approvals";
import { dispatch } from "./kernel/dispatch";
import { CommitBus } from "./kernel/bus";
import { methodTable } from "./kernel/handlers";
import { type MethodName, Methods } from "../../../shared/protocol/methods";
import { Executor } from "./kernel/execute";
import { roomFeatures } from "./features";
import { InstanceHost } from "./features/instances";
import type { RoomServices } from "./kernel/services";
import { RoomSockets } from "./kernel/sockets";
import { readGatewayLimits } from "../../bridge/gateway-limits";
import { readRoomLimits, type RoomLimits } from "../shared/limits";
import { principalTags } from "../shared/connection-cap";
import { protocolTags } from "./connections/protocol-frames";
import { HatcheryLink } from "./hatchery-link";
import { RetentionSweep } from "./schedules/retention-sweep";
import type { AutopilotContext } from "./context";
import type { GraphApplyOutcome } from "../hatchery/room";
import { roomInbox } from "./inbox/room-inbox";
import { McpSessions } from "./mcp/sessions";
import { fileById, recordFile, type StoredFile } from "../../domain/files";
import { fileWorkspaceMaxBytes } from "../../files/content";
import { deleteFileObjects, deleteOrphanFiles, fileBytes } from "../../files/storage";

/** A scheduled backup may take minutes: until then the scheduler must not take it for abandoned and run it again. */
const LONGEST_SCHEDULED_RUN_SECONDS = 30 * 60;

/**
 * One Autopilot per workspace: the host its kernel (kernel/) and features (features/) are
 * installed on, with its RPC surface for the Hatchery and the Worker. A plain Durable Object of the `agents` lifecycle's stable parts
 * (docs/decisions.md): `WebSockets` (hibernating sockets, none of the framework's own frames),
 * `Scheduler` (approval expiry, the bridge watch, backups, retention) and MCP (mcp/).
 * Evicted between messages, it keeps per-connection facts in `connection.state`, durable ones
 * in SQLite; the in-memory rate-limit buckets and MCP sessions may reset on wake.
 */
export class Autopilot extends DurableObject<Env> {
  /** The room's scheduled callbacks, by the names stored in their schedule rows. */
  readonly scheduler = new Scheduler({
    callbacks: {
      expireApprovals: () => this.#expiry.run(),
      sweepRetention: () => this.#retention.run(Date.now()),
      watchBridges: () => this.#instances.watch(),
      backupInstances: () => this.#instances.backup(),
      mailInbox: () => this.#inbox.mail.run(),
    },
    hungScheduleTimeoutSeconds: LONGEST_SCHEDULED_RUN_SECONDS,
  });
  readonly #sockets = new WebSockets({
    protocol: false,
    handlers: {
      onConnect: (conn, ctx) => this.#clients.onConnect(conn, ctx),
      onMessage: (conn, message) => this.#clients.onMessage(conn, message),
      onClose: (conn) => this.#clients.onClose(conn),
    },
    getConnectionTags: (_conn, ctx) => [...principalTags(ctx.request), ...protocolTags(ctx.request)],
  });
  readonly #mcp = new McpSessions({ room: () => this.#context, meter: () => this.#clients.meter, limits: () => this.#limits, call: (as, method, params) => this.#executor.call(as, method, params) });
  readonly lifecycle = Lifecycle.install(this).use(this.scheduler).use(this.#sockets).use(this.#mcp);
  readonly #keepAlive = new KeepAlive(() => this.lifecycle.jobs);
  readonly #sql: Sql = sqlFromStorage(this.ctx.storage);
  /** The one way anything in the room writes: a transaction as someone, published after commit. */
  readonly #commit = commitTo(
    this.#sql,
    () => this.#retain,
    (effects) => this.#publish(effects),
  );
  readonly #expiry = new ApprovalExpiry({ sql: this.#sql, commit: this.#commit, scheduler: this.scheduler, workspaceId: () => this.name });

  readonly #canvas = new HatcheryLink(this.env.Hatchery, () => this.name);
  readonly #retention: RetentionSweep;
  /** The room's client sockets: admission, hello and replay, metering, presence, fan-out (kernel/sockets.ts). */
  readonly #clients: RoomSockets = new RoomSockets({
    ctx: this.ctx,
    sql: this.#sql,
    workspaceId: () => this.name,
    limits: () => this.#limits,
    connections: () => this.#sockets.getConnections(),
    hello: () => ({
      live: { streams: [...this.#instances.bridges.streams, ...this.#agent.streams], sessions: allSessions(this.#sql) },
      agent: agentInfo(this.#modelConfig),
      streamBytes: readGatewayLimits(this.env).helloStreamBytes,
    }),
    joined: (conn, principal, request) => this.#inbox.hub.greet(conn, principal, this.#inbox.originOf(request), Date.now()),
    executor: () => this.#executor,
  });
  readonly #instances: InstanceHost;
  readonly #agent: AutopilotAgent;
  /** The Autopilot's model as the Worker's vars and secrets configure it. */
  readonly #modelConfig: ModelConfig;
  readonly #currentAccess = accessReader(this.env.DB, () => this.name);
  /** What methods, tools and reactions act through (context.ts). */
  readonly #context: AutopilotContext;
  /** After each commit: the fan-out, then the features in order (features/index.ts). */
  readonly #bus: CommitBus;
  /** The one entry for requests: sockets, MCP and the Autopilot's tools (kernel/execute.ts). */
  readonly #executor: Executor;
  /** People's inboxes: live to their tabs, mailed after a while (inbox/). */
  readonly #inbox = roomInbox({ env: this.env, name: () => this.name, scheduler: this.scheduler, sockets: this.#sockets, room: () => this.#context, send: (c, t) => this.#clients.send(c, t) });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrateAutopilot(this.#sql);
    this.#modelConfig = readModelConfig(env);
    this.#retention = new RetentionSweep({
      sql: this.#sql,
      every: (seconds) => this.scheduler.every(seconds, "sweepRetention"),
      cancel: () => this.#cancelSchedules("sweepRetention"),
      auditRows: () => Math.max(1, Number(this.env.AUDIT_RETAIN ?? 10_000)),
      sweepCanvas: async (now) => (await this.#canvas.stub()).forgetExpired(now),
      workspaceId: () => this.name,
      deleteFiles: (ids) => deleteFileObjects(this.env.FILES, this.name, ids),
      deleteOrphans: (before) => deleteOrphanFiles(this.env.FILES, this.name, (id) => fileById(this.#sql, id) !== null, before),
    });
    const services: RoomServices = {
      sql: this.#sql,
      commit: this.#commit,
      env,
      workspaceId: () => this.name,
      scheduler: this.scheduler,
      broadcast: (event, payload) => this.#broadcastEvent(event, payload),
      keepAliveWhile: (work) => this.#keepAliveWhile(work),
      currentAccess: this.#currentAccess,
    };
    this.#instances = new InstanceHost(services, () => this.#canvas.poke());
    this.#agent = new AutopilotAgent({
      sql: this.#sql,
      commit: this.#commit,
      config: () => this.#modelConfig,
      broadcast: (event, payload) => this.#broadcastEvent(event, payload),
      keepAlive: () => this.#keepAlive.hold(),
      invoke: (principal, method, params, onBehalfOf) => this.#executor.invoke({ principal, via: "tool", ...(onBehalfOf ? { onBehalfOf } : {}) }, method, params),
      gateway: (threadId) => this.#instances.bridges.gatewayFor(threadId),
      currentAccess: this.#currentAccess,
      files: (fileId) => fileBytes(this.env.FILES, this.name)(fileId),
    });
    this.#context = {
      sql: this.#sql,
      commit: this.#commit,
      ...this.#instances.context(),
      agent: this.#agent,
      presence: () => this.#clients.presence(),
      modelConfigured: () => this.#modelConfig.configured,
      // RPC results lose their discriminated-union narrowing; read them as the plain union.
      applyGraph: async (principalId, idempotencyKey, commands) => (await (await this.#canvas.stub()).applyCommands(principalId, idempotencyKey, commands)) as GraphApplyOutcome,
      currentAccess: this.#currentAccess,
      inbox: { refresh: (ids) => this.#inbox.hub.refresh(ids), preferencesChanged: () => this.#inbox.mail.soon(Date.now(), true), push: this.#inbox.pushConfig },
    };
    const features = roomFeatures({
      instances: this.#instances,
      expiry: this.#expiry,
      canvas: this.#canvas,
      inbox: this.#inbox.hub,
      mcp: this.#mcp,
      retention: this.#retention,
      agent: this.#agent,
    });
    this.#bus = new CommitBus((effects) => {
      for (const e of effects.events) this.#broadcastEvent(e.event, e.payload, e.seq);
    }, features);
    const methods = methodTable(features, Object.keys(Methods) as MethodName[]);
    this.#executor = new Executor(
      (as, frame) => dispatch(methods, { room: this.#context, ...as }, frame),
      (answer) => this.#bus.answered(answer),
    );
  }

  /** The workspace this room serves (the name it is addressed by). */
  get name(): string {
    return this.lifecycle.name;
  }

  /** Lifecycle hook: once per object lifetime, before any socket, alarm or request is handled. */
  async onStart(): Promise<void> {
    this.#retention.ensure();
    // Runs cut off by the restart resume or end visibly; paused ones decided meanwhile resume.
    this.#agent.recover();
    await this.#expiry.ensure();
    this.#instances.start();
  }

  async #cancelSchedules(callback: string): Promise<void> {
    for (const schedule of await this.scheduler.list()) if (schedule.callback === callback) await this.scheduler.cancel(schedule.id);
  }

  get #retain(): number {
    return Math.max(1, Number(this.env.EVENT_LOG_RETAIN ?? 10_000));
  }
  get #limits(): RoomLimits {
    return readRoomLimits(this.env);
  }

  readonly #broadcastEvent = <E extends EventName>(event: E, payload: EventPayload<E>, seq?: number): void => this.#clients.broadcast(event, payload, seq);

  /** Events first, so every client (the requester too) has the change before the response; then the features (kernel/bus.ts). */
  #publish(effects: OpEffects): void {
    this.#bus.publish(effects);
  }

  /** An instance operation outlives its request (a gateway takes a while to start): stay awake until it is done. */
  #keepAliveWhile(work: () => Promise<void>): Promise<void> {
    return this.#keepAlive.during(work, (error) => console.error(JSON.stringify({ msg: "background work failed", workspace: this.name, error: String(error) })));
  }

  /** Lifecycle hook: a host job came due. Only the keep-alive beat is ours; another is an earlier version's (the framework's own beat): done. */
  onJob({ job }: LifecycleJobContext): LifecycleJobOutcome {
    return job.fn === KEEP_ALIVE_JOB ? this.#keepAlive.beat() : undefined;
  }

  /** RPC for the Hatchery: a page of durable events after `since`, or of the domain state when `since` is from another epoch or fell out of the log (graph-feed.ts). */
  async graphFeed(since: number, epoch: string | null, limit = 500, snapshotCursor: string | null = null, sessionsDigest: string | null = null): Promise<GraphFeed> {
    // Native RPC skips the lifecycle's automatic start (fetch, alarm and socket events do it).
    await this.lifecycle.start();
    return readGraphFeed(this.#sql, roomEpoch(this.#sql), since, epoch, limit, snapshotCursor, sessionsDigest);
  }

  /** RPC from the Worker (party/files/routes.ts): a file's bytes are stored; the room records it, within the workspace's cap. */
  async recordFile(file: StoredFile): Promise<{ recorded: boolean; maxBytes: number }> {
    await this.lifecycle.start();
    const maxBytes = fileWorkspaceMaxBytes(this.env);
    const recorded = recordFile(this.#sql, file, maxBytes);
    if (recorded) this.#retention.ensure();
    return { recorded, maxBytes };
  }

  /** RPC from the Worker (party/devices/entry.ts): only a hosted instance that is ready takes devices. */
  async deviceEntryState(instanceId: string): Promise<DeviceEntryState> {
    await this.lifecycle.start();
    return deviceEntryState(this.#sql, instanceId);
  }

  /** RPC from the Worker (party/access/revalidate.ts): access in this workspace changed. */
  async accessChanged(message: AccessChange): Promise<void> {
    await this.lifecycle.start();
    const sockets = [...this.#sockets.getConnections()].flatMap((conn) => autopilotSocket(conn, (text) => this.#clients.send(conn, text)) ?? []).concat(this.#mcp.guarded());
    const room = { sql: this.#sql, commit: this.#commit, db: this.env.DB, workspaceId: this.name, currentAccess: this.#currentAccess, sockets };
    await applyAccessChange({ ...room, recheckRuns: () => this.#agent.recheckActive() }, message);
    this.#inbox.hub.refreshEveryone();
  }
}
