import { Lifecycle, type LifecycleJobContext, type LifecycleJobOutcome, type LifecycleJobs } from "agents/lifecycle";
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../env";
import { ROOM_FEATURES, type RoomRpc } from "./features";
import { RoomKernel, type RoomTierRpc, type TierEvent } from "./kernel/host";

/** A scheduled backup may take minutes: until then the scheduler must not take it for abandoned and run it again. */
const LONGEST_SCHEDULED_RUN_SECONDS = 30 * 60;

/**
 * One Autopilot per workspace: the host its kernel (kernel/) and features (features/) are
 * installed on, with its RPC surface for the Hatchery and the Worker. A plain Durable
 * Object of the `agents` lifecycle's stable parts (docs/decisions/014-agents-lifecycle.md):
 * `WebSockets` (hibernating sockets, none of the framework's own frames), `Scheduler` (approval expiry,
 * the bridge watch, backups, retention, mail) and MCP (features/mcp/). Evicted between messages, it
 * keeps per-connection facts in `connection.state`, durable ones in SQLite; the in-memory
 * rate-limit buckets and MCP sessions may reset on wake.
 */
export class Autopilot extends DurableObject<Env> implements RoomTierRpc {
  readonly #kernel = new RoomKernel(
    {
      ctx: this.ctx,
      env: this.env,
      workspaceId: () => this.name,
      jobs: (): LifecycleJobs => this.lifecycle.jobs,
      longestScheduledRunSeconds: LONGEST_SCHEDULED_RUN_SECONDS,
    },
    ROOM_FEATURES,
  );
  /** The room's scheduled callbacks, by the names stored in their schedule rows. */
  readonly scheduler = this.#kernel.scheduler;
  readonly lifecycle: Lifecycle = this.#kernel.features.capabilities.reduce(
    (lifecycle, capability) => lifecycle.use(capability),
    Lifecycle.install(this).use(this.scheduler).use(this.#kernel.sockets),
  );

  /** The workspace this room serves (the name it is addressed by). */
  get name(): string {
    return this.lifecycle.name;
  }

  /** Lifecycle hook: once per object lifetime, before any socket, alarm or request is handled. */
  onStart(): Promise<void> {
    return this.#kernel.start();
  }

  /** Lifecycle hook: a host job came due (kernel/keep-alive.ts). */
  onJob(context: LifecycleJobContext): LifecycleJobOutcome {
    return this.#kernel.onJob(context);
  }

  /**
   * The room's one entry for other Workers' and objects' calls (the Worker's routes, the
   * Hatchery, the Nostr relay): a feature's RPC by its name (each feature's `rpc`, put
   * together in kernel/features.ts), once the room has started (native RPC skips the
   * lifecycle's automatic start, which fetch, alarm and socket events do). The name comes
   * over the wire, so one no feature gives is refused. Callers type it with `roomCall`
   * (party/room-rpc.ts).
   */
  async call<K extends keyof RoomRpc>(
    name: K,
    ...args: Parameters<RoomRpc[K]>
  ): Promise<Awaited<ReturnType<RoomRpc[K]>>> {
    await this.lifecycle.start();
    return this.#kernel.features.call(name, args) as Awaited<ReturnType<RoomRpc[K]>>;
  }

  /** RPC from a delivery object (party/rooms/delivery/): its sockets' opens, frames and closes. */
  async tierEvents(tier: number, events: TierEvent[]): Promise<void> {
    await this.lifecycle.start();
    this.#kernel.tier.events(tier, events);
  }

  /** RPC from a delivery object as it starts: the sockets it holds. */
  async tierHolds(tier: number, ids: string[]): Promise<void> {
    await this.lifecycle.start();
    this.#kernel.tier.holds(tier, ids);
  }
}
