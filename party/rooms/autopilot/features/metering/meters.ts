import { inArray, count } from "drizzle-orm";
import type { BillingConfig } from "../billing/index";
import { instancesTable, listInstances, type RuntimeClient } from "../instance-store";
import type { Sql } from "../../../../domain/sql";
import {
  closeInstanceTime,
  gatewaySpendAt,
  gatewaySpendTold,
  gatewaySpendWanted,
  isRunning,
  meterInstanceStatus,
  recordGatewayUsage,
  rememberGatewaySpend,
  runningSince,
} from "./billing-meters";
import type { Instance } from "../../../../../shared/protocol/instances";
import { instanceHours, isAsleep, meterInstanceSleep, sleepChanged } from "./sleep-hours";
import type { OpContext, RoomWriter } from "../../kernel/commit";

/** How often a room with running instances bills their time and reads their gateways' counters. */
export const HOUSEKEEPING_SECONDS = 24 * 3600;

export interface MeterParts {
  sql: Sql;
  /** Every entry is written in a commit, with the news that the money changed. */
  commit: RoomWriter["commit"];
  config: BillingConfig;
  workspaceId(): string;
  /** The runtime, or null when none is configured (then no hosted instance runs). */
  runtime(): RuntimeClient | null;
  /** Tells, in the commit that wrote to the ledger, that the money changed (billing's `billing.changed`). */
  changed(ctx: OpContext): void;
  /** The daily housekeeping's schedule: kept while an instance runs. */
  schedule: { every(seconds: number): Promise<unknown>; cancel(): Promise<void> };
}

const LIVE = ["provisioning", "starting", "ready", "error"] as const;

/**
 * The instances' side of the workspace's money (docs/billing.md, "Gateways and hosted
 * instances"): bills their gateways' model use when a run ends, their running time when their
 * status changes, both in the daily housekeeping for what runs long, and tells the runtime
 * whether their gateways may spend when that flips. No polling: each reading follows an event.
 */
export class InstanceMeters {
  readonly #p: MeterParts;
  /** Readings of one instance's counters run one after another, so a late answer never comes after a newer one. */
  readonly #readings = new Map<string, Promise<void>>();
  /** What the runtime is told goes out in order: a refusal never overtakes the allowance after it. */
  #telling: Promise<void> = Promise.resolve();
  #scheduled = false;

  constructor(parts: MeterParts) {
    this.#p = parts;
  }

  #log(msg: string, detail: Record<string, unknown>): void {
    console.warn(JSON.stringify({ msg, workspace: this.#p.workspaceId(), ...detail }));
  }

  /** A run of the instance's gateway ended (or it stopped): bills what its gateway spent since the last reading. */
  meterGateway(instanceId: string): Promise<void> {
    // After the one before, whatever became of it.
    const previous = this.#readings.get(instanceId)?.catch(() => undefined) ?? Promise.resolve();
    const reading = previous.then(() => this.#readGateway(instanceId));
    this.#readings.set(instanceId, reading);
    void reading.finally(() => {
      if (this.#readings.get(instanceId) === reading) this.#readings.delete(instanceId);
    });
    return reading;
  }

  async #readGateway(instanceId: string): Promise<void> {
    const runtime = this.#p.runtime();
    if (!runtime) return;
    try {
      const usage = await runtime.usage(this.#p.workspaceId(), instanceId);
      this.#p.commit(null, (ctx) => {
        const charged = recordGatewayUsage(ctx.sql, this.#p.config, instanceId, usage, ctx.now);
        if (charged !== null) this.#p.changed(ctx);
      });
    } catch (error) {
      // Read again at the next run's end or the housekeeping: the counters keep what is not billed yet.
      this.#log("could not read a gateway's usage", { instanceId, error: String(error) });
    }
  }

  /** Each hosted instance's awake and asleep hours this period (`billing.instanceHours`). */
  hours(now = Date.now()) {
    return instanceHours(this.#p.sql, this.#p.config, listInstances(this.#p.sql), now);
  }

  /** An instance's status changed: its running interval opens or is billed; a stopped gateway's last use is read. */
  statusChanged(instance: Instance, now = Date.now()): void {
    if (instance.kind === "linked") return;
    const wasRunning = runningSince(this.#p.sql, instance.id) !== null;
    // Only a start or a stop writes: the interval opens, or is billed and closed; likewise a sleep and a wake.
    const slept = sleepChanged(this.#p.sql, instance);
    if (isRunning(instance) !== wasRunning || slept)
      this.#p.commit(null, (ctx) => {
        if (slept) meterInstanceSleep(ctx.sql, instance, now);
        if (meterInstanceStatus(ctx.sql, this.#p.config, instance, now) > 0) this.#p.changed(ctx);
      });
    if (isRunning(instance)) this.#ensureSchedule();
    // Only when it stops running: an instance's other updates (its bridge, its threads) read nothing.
    else if (wasRunning) void this.meterGateway(instance.id);
  }

  /** Whether any instance (hosted or linked) exists that is not deleted: a workspace without one never calls the runtime. */
  #hasInstances(): boolean {
    const row = this.#p.sql.db
      .select({ n: count() })
      .from(instancesTable)
      .where(inArray(instancesTable.status, [...LIVE]))
      .get();
    return (row?.n ?? 0) > 0;
  }

  /**
   * Tells the runtime whether the workspace's gateways may spend (the balance above zero), when
   * that is not what it was last told; `force` tells it anyway (the room's start, an instance's
   * start: a runtime that lost its record learns it again). `balance`: the one the caller just
   * read (`billing.changed`), else it is read here. Cheap when nothing flipped: no request.
   */
  tellRuntime(force = false, balance?: number): Promise<void> {
    // A tell that failed (logged by the caller's keep-alive) does not stop the ones after it.
    this.#telling = this.#telling.catch(() => undefined).then(() => this.#tell(force, balance));
    return this.#telling;
  }

  async #tell(force: boolean, balance: number | undefined): Promise<void> {
    const runtime = this.#p.runtime();
    if (!runtime || !this.#hasInstances()) return;
    const wanted =
      balance === undefined ? gatewaySpendWanted(this.#p.sql, this.#p.config, Date.now()) : gatewaySpendAt(balance);
    const told = gatewaySpendTold(this.#p.sql);
    // The runtime lets a workspace it was never told about spend.
    if (!force && (told ? told.allowed === wanted.allowed : wanted.allowed)) return;
    try {
      await runtime.setSpend(
        this.#p.workspaceId(),
        wanted.allowed ? { allowed: true } : { allowed: false, reason: wanted.reason ?? "out_of_credits" },
      );
      rememberGatewaySpend(this.#p.sql, wanted);
    } catch (error) {
      // Left as last told: the next change, start or housekeeping tries again.
      this.#log("could not tell the runtime whether the gateways may spend", {
        allowed: wanted.allowed,
        error: String(error),
      });
    }
  }

  /**
   * The room started: an interval a restart cut off is closed when it last changed (or opened
   * now, for one that runs with none open: only what is sure is billed), the runtime is told,
   * and the housekeeping is kept while anything runs.
   */
  async start(now = Date.now()): Promise<void> {
    const running = this.#p.commit(null, (ctx) => {
      let charged = 0;
      let running = false;
      for (const instance of listInstances(ctx.sql)) {
        if (instance.kind === "linked") continue;
        // Asleep with no interval open: from when the room wrote it asleep; awake again: from its last change.
        if (sleepChanged(ctx.sql, instance))
          meterInstanceSleep(
            ctx.sql,
            instance,
            isAsleep(instance) ? Math.min(now, instance.sleep?.since ?? now) : Math.min(now, instance.updatedAt),
          );
        const since = runningSince(ctx.sql, instance.id);
        if (isRunning(instance)) {
          running = true;
          if (since === null) meterInstanceStatus(ctx.sql, this.#p.config, instance, now);
        } else if (since !== null)
          charged += closeInstanceTime(ctx.sql, this.#p.config, instance.id, Math.min(now, instance.updatedAt), false);
      }
      if (charged > 0) this.#p.changed(ctx);
      return running;
    });
    if (running) this.#ensureSchedule();
    await this.tellRuntime(true);
  }

  /**
   * The daily housekeeping: bills every running instance's time up to now (its interval goes
   * on from there), reads every gateway's counters, and tells the runtime again (a new month's
   * plan credits may have lifted a refusal). Without running instances the schedule goes.
   */
  async housekeeping(now = Date.now()): Promise<void> {
    const { running, metered } = this.#p.commit(null, (ctx) => {
      let charged = 0;
      let running = false;
      const metered: string[] = [];
      for (const instance of listInstances(ctx.sql)) {
        if (instance.kind === "linked" || instance.status === "stopped") continue;
        if (isRunning(instance)) {
          running = true;
          if (runningSince(ctx.sql, instance.id) === null) meterInstanceStatus(ctx.sql, this.#p.config, instance, now);
          else charged += closeInstanceTime(ctx.sql, this.#p.config, instance.id, now, true);
        }
        metered.push(instance.id);
      }
      if (charged > 0) this.#p.changed(ctx);
      return { running, metered };
    });
    await Promise.all(metered.map((instanceId) => this.meterGateway(instanceId)));
    await this.tellRuntime();
    if (!running) {
      await this.#p.schedule.cancel();
      this.#scheduled = false;
    }
  }

  #ensureSchedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    void this.#p.schedule.every(HOUSEKEEPING_SECONDS).catch((error: unknown) => {
      this.#scheduled = false;
      this.#log("could not schedule the instances' daily metering", { error: String(error) });
    });
  }
}
