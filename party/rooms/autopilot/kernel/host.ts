import type { LifecycleJobContext, LifecycleJobOutcome, LifecycleJobs } from "agents/lifecycle";
import { Scheduler } from "agents/schedules";
import { WebSockets } from "agents/websockets";
import type { EphemeralEventName } from "../../../../shared/protocol/events";
import { type MethodName, Methods } from "../../../../shared/protocol/methods";
import { recheckPrincipal } from "../../../auth/current-access";
import { migrateAutopilot } from "../../../domain/db/migrate";
import { sqlFromStorage } from "../../../domain/sql";
import type { Env } from "../../../env";
import { autopilotSocket } from "../../shared/connection-access";
import { principalTags } from "../../shared/connection-cap";
import { readRoomLimits } from "../../shared/limits";
import { CommitBus, commitTo } from "./commit";
import { type Executor, roomExecutor } from "./dispatch";
import type { AnyFeatureDefinition, Feature } from "./feature";
import { type BuiltFeatures, buildFeatures, type RpcOf, scheduleNames } from "./features";
import { methodTable } from "./handlers";
import { fanoutTags } from "../../shared/socket-fanout";
import { protocolWindowOf } from "../../shared/protocol-window";
import { KEEP_ALIVE_JOB, KeepAlive } from "./keep-alive";
import type { RoomServices } from "./services";
import { RoomSockets } from "./sockets";
import { DeliveryTier } from "./tier";
import type { ClientSocket } from "../../shared/connection-state";
import { alarmsOnTestClock } from "../../../domain/test-clock";

/** What the room answers to its delivery objects (room.ts carries it). */
export type { RoomTierRpc, TierEvent } from "../../shared/delivery-link";

export interface HostDeps {
  ctx: DurableObjectState;
  env: Env;
  /** The workspace the room serves: known once a request, alarm or RPC named it. */
  workspaceId(): string;
  jobs(): LifecycleJobs;
  /** How long a scheduled callback may run before the scheduler takes it for abandoned and runs it again. */
  longestScheduledRunSeconds: number;
}

/**
 * The Autopilot room's kernel, what every feature is built on: its SQL (migrated), the
 * one commit, the after-commit bus, the one entry for requests and the client sockets.
 * Each feature builds itself on the services (kernel/features.ts); the kernel then runs
 * them only through the Feature interface.
 */
export class RoomKernel<const Definitions extends readonly AnyFeatureDefinition[]> {
  /** The room's scheduled callbacks, by the names stored in their schedule rows. */
  readonly scheduler: Scheduler;
  /** Hibernating sockets, none of the framework's own frames. */
  readonly sockets: WebSockets;
  readonly services: RoomServices;
  readonly clients: RoomSockets;
  /** The sockets the workspace's delivery objects hold for the room. */
  readonly tier: DeliveryTier;
  readonly features: BuiltFeatures<RpcOf<Definitions>>;
  readonly #keepAlive: KeepAlive;
  readonly #bus: CommitBus;
  readonly #executor: Executor;
  /** The features that listen to broadcasts (Feature.heard). */
  #hearing: Feature[] | undefined;

  constructor(d: HostDeps, definitions: Definitions) {
    // A test's server only (DEV_TEST_CLOCK=1): the room's alarms follow the clock the test moved.
    alarmsOnTestClock(d.ctx.storage, d.env);
    this.scheduler = new Scheduler({
      callbacks: Object.fromEntries(scheduleNames(definitions).map((name) => [name, () => this.#runSchedule(name)])),
      hungScheduleTimeoutSeconds: d.longestScheduledRunSeconds,
    });
    const sql = sqlFromStorage(d.ctx.storage);
    migrateAutopilot(sql);
    this.#keepAlive = new KeepAlive(d.jobs);
    const limits = () => readRoomLimits(d.env);
    // The sockets the workspace's delivery objects hold, served as the room's own (kernel/tier.ts).
    this.tier = new DeliveryTier({
      sql,
      workspaceId: d.workspaceId,
      stub: (name) => d.env.Delivery.getByName(name),
      opened: (socket, admitted, request) => this.clients.onConnect(socket, { request }, admitted),
      active: (tier) => this.clients.remote(tier),
      message: (socket, data) => this.clients.onMessage(socket, data),
      closed: (socket) => this.clients.onClose(socket),
      skipped: (socket, threads) => this.clients.bumpTo(socket, threads),
    });
    const tier = this.tier;
    const own = (tag?: string) => this.sockets.getConnections(tag);
    const everySocket = function* (tag?: string): Iterable<ClientSocket> {
      yield* own(tag);
      yield* tier.connections(tag);
    };
    this.clients = new RoomSockets({
      ctx: d.ctx,
      sql,
      workspaceId: d.workspaceId,
      limits,
      protocolWindow: (now) => protocolWindowOf(d.env, now),
      connections: everySocket,
      ownConnections: own,
      hello: (principal) => this.features.hello(principal),
      snapshot: () => this.features.snapshot(),
      joined: (conn, principal, request) => this.features.joined(conn, principal, request),
      streams: () => this.features.streams(),
      bump: (threadId) => this.features.bump(threadId),
    });
    // The client sockets' events go straight to the room's sockets (RoomSockets' methods).
    this.sockets = new WebSockets({
      protocol: false,
      handlers: this.clients,
      getConnectionTags: (_conn, ctx) => [...principalTags(ctx.request), ...fanoutTags(ctx.request)],
    });
    this.#bus = new CommitBus(this.clients.deliver);
    const commit = commitTo(sql, Math.max(1, Number(d.env.EVENT_LOG_RETAIN ?? 10_000)), this.#bus.publish);
    this.services = {
      sql,
      commit,
      env: d.env,
      workspaceId: d.workspaceId,
      scheduler: this.scheduler,
      sockets: { getConnections: everySocket },
      clients: this.clients,
      limits,
      broadcast: (event, payload) => {
        this.clients.broadcast(event, payload);
        this.#hearing ??= this.features.list.filter((feature) => feature.heard);
        for (const feature of this.#hearing) feature.heard?.[event as EphemeralEventName]?.(payload as never);
      },
      toScope: (scope, event, payload) => this.clients.toScope(scope, event, payload),
      toPrincipal: (principalId, event, payload) => this.clients.toPrincipal(principalId, event, payload),
      keepAlive: () => this.#keepAlive.hold(),
      keepAliveWhile: (work) =>
        this.#keepAlive.during(work, (error) =>
          console.error(
            JSON.stringify({ msg: "background work failed", workspace: d.workspaceId(), error: String(error) }),
          ),
        ),
      currentAccess: (principal) => recheckPrincipal(d.env.DB, d.workspaceId(), principal),
      invoke: (as, method, params) => this.#executor.invoke(as, method, params),
      call: (as, method, params) => this.#executor.call(as, method, params),
      guardedSockets: () =>
        [...everySocket()].flatMap((conn) => autopilotSocket(conn, (text) => this.clients.send(conn, text)) ?? []),
    };
    this.features = buildFeatures(definitions, this.services);
    this.#bus.serve(this.features.list);
    const methods = methodTable(this.features.list, Object.keys(Methods) as MethodName[]);
    this.#executor = roomExecutor(methods, { sql, commit }, this.features.claimApprovedCall, this.#bus.answered);
    this.clients.serve(this.#executor);
  }

  /** Once per object lifetime, before any socket, alarm or request: the delivery objects' sockets, then each feature's start, in order. */
  async start(): Promise<void> {
    this.tier.start();
    for (const feature of this.features.list) await feature.start?.();
  }

  /** A schedule came due: the feature that declares it runs it. */
  async #runSchedule(name: string): Promise<void> {
    const run = this.features.list.find((f) => f.schedules?.[name])?.schedules?.[name];
    if (!run) throw new Error(`no feature runs the schedule ${name}`);
    await run();
  }

  /** A host job came due. Only the keep-alive beat is the kernel's; another is an earlier version's (the framework's own beat): done. */
  onJob({ job }: LifecycleJobContext): LifecycleJobOutcome {
    return job.fn === KEEP_ALIVE_JOB ? this.#keepAlive.beat() : undefined;
  }
}
