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
   * Runs a feature's RPC method once the room has started: native RPC skips the lifecycle's
   * automatic start (fetch, alarm and socket events do it).
   */
  async #started<K extends keyof RoomRpc>(method: K, args: Parameters<RoomRpc[K]>): Promise<ReturnType<RoomRpc[K]>> {
    await this.lifecycle.start();
    const rpc = this.#kernel.features.rpc;
    return (rpc[method] as (...args: Parameters<RoomRpc[K]>) => ReturnType<RoomRpc[K]>).apply(rpc, args);
  }

  /** RPC for the Hatchery: a page of durable events, or of the domain state (features/canvas/). */
  async graphFeed(...args: Parameters<RoomRpc["graphFeed"]>): Promise<ReturnType<RoomRpc["graphFeed"]>> {
    return this.#started("graphFeed", args);
  }

  /** RPC from the Worker (party/files/routes.ts): a file's bytes are stored; the room records it. */
  async recordFile(...args: Parameters<RoomRpc["recordFile"]>): Promise<ReturnType<RoomRpc["recordFile"]>> {
    return this.#started("recordFile", args);
  }

  /** RPC from the Worker (party/api/device-entry.ts): only a hosted instance that is ready takes devices. */
  async deviceEntryState(
    ...args: Parameters<RoomRpc["deviceEntryState"]>
  ): Promise<ReturnType<RoomRpc["deviceEntryState"]>> {
    return this.#started("deviceEntryState", args);
  }

  /** RPC from the Worker (party/api/admin-routes.ts): the workspace's money, for operators. */
  async billingState(): Promise<ReturnType<RoomRpc["billingState"]>> {
    return this.#started("billingState", []);
  }

  /** RPC from the Worker (party/api/billing-routes.ts, admin-routes.ts): a top-up or a grant, written once by its id. */
  async creditLedger(...args: Parameters<RoomRpc["creditLedger"]>): Promise<ReturnType<RoomRpc["creditLedger"]>> {
    return this.#started("creditLedger", args);
  }

  /** RPC from the Worker (party/api/admin-routes.ts): an operator sets the workspace's plan. */
  async setWorkspacePlan(
    ...args: Parameters<RoomRpc["setWorkspacePlan"]>
  ): Promise<ReturnType<RoomRpc["setWorkspacePlan"]>> {
    return this.#started("setWorkspacePlan", args);
  }

  /** RPC from the Worker (party/api/billing-routes.ts): one of Stripe's signed events about the plan. */
  async applyPlanNews(...args: Parameters<RoomRpc["applyPlanNews"]>): Promise<ReturnType<RoomRpc["applyPlanNews"]>> {
    return this.#started("applyPlanNews", args);
  }

  /** RPC from the Worker (party/api/billing-routes.ts): the subscription a plan change or the portal is for. */
  async planSubscription(): Promise<ReturnType<RoomRpc["planSubscription"]>> {
    return this.#started("planSubscription", []);
  }

  /** RPC from the Worker (party/api/billing-routes.ts, routes.ts): the plan now, for a checkout and the seats. */
  async planOf(): Promise<ReturnType<RoomRpc["planOf"]>> {
    return this.#started("planOf", []);
  }

  /** RPC from the Worker (party/api/schedule-hook-routes.ts): a call of a schedule's webhook. */
  async callScheduleHook(
    ...args: Parameters<RoomRpc["callScheduleHook"]>
  ): Promise<Awaited<ReturnType<RoomRpc["callScheduleHook"]>>> {
    return this.#started("callScheduleHook", args);
  }

  /** RPC from the Worker (party/api/decision-links.ts): what a mail's decision link shows. */
  async decisionLinkView(
    ...args: Parameters<RoomRpc["decisionLinkView"]>
  ): Promise<Awaited<ReturnType<RoomRpc["decisionLinkView"]>>> {
    return this.#started("decisionLinkView", args);
  }

  /** RPC from the Worker (party/api/decision-links.ts): a decision link's button. */
  async decideByLink(
    ...args: Parameters<RoomRpc["decideByLink"]>
  ): Promise<Awaited<ReturnType<RoomRpc["decideByLink"]>>> {
    return this.#started("decideByLink", args);
  }

  /** RPC from the Worker (party/api/chat-webhooks.ts): an update a chat platform sent. */
  async chatWebhook(...args: Parameters<RoomRpc["chatWebhook"]>): Promise<Awaited<ReturnType<RoomRpc["chatWebhook"]>>> {
    return this.#started("chatWebhook", args);
  }

  /** RPC from the Nostr relay (party/rooms/relay/notify.ts): news of a community this room shows. */
  async communityNews(...args: Parameters<RoomRpc["communityNews"]>): Promise<void> {
    await this.#started("communityNews", args);
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

  /** RPC from the Worker (party/access/revalidate.ts): access in this workspace changed. */
  async accessChanged(...args: Parameters<RoomRpc["accessChanged"]>): Promise<void> {
    await this.#started("accessChanged", args);
  }
}
