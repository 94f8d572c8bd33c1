// The Autopilot's recurring alarms, on the one scheduler the room has (agents' Scheduler
// on the lifecycle's job queue, behind the Durable Object alarm): the bridge watch, and scheduled backups. Both run
// while the room has instances and are cancelled when it has none, so an idle workspace
// costs no wake-ups.

/** The scheduler callbacks the alarms call (registered by these names in room.ts). */
export type RecurringCallback = "watchBridges" | "backupInstances";

interface ScheduleRow {
  id: string;
  callback: string;
  type: string;
  intervalSeconds?: number;
}

/** The part of the agents Scheduler these alarms use. */
export interface RecurringScheduler {
  every(intervalSeconds: number, callback: RecurringCallback): Promise<unknown>;
  list(): Promise<ScheduleRow[]>;
  cancel(id: string): Promise<boolean>;
}

/** Which alarms a room with instances keeps, and how often each fires (seconds). */
export function wantedAlarms(
  bridgeWatchSeconds: number,
  backupIntervalSeconds: number,
): Map<RecurringCallback, number> {
  const wanted = new Map<RecurringCallback, number>([["watchBridges", bridgeWatchSeconds]]);
  if (backupIntervalSeconds > 0) wanted.set("backupInstances", backupIntervalSeconds);
  return wanted;
}

/**
 * The rows to cancel: ours that are no longer wanted, or wanted at another interval (the
 * scheduler keeps a row per interval, so a changed BACKUP_INTERVAL_SECONDS would otherwise
 * leave the old schedule firing beside the new one).
 */
export function staleAlarms(rows: readonly ScheduleRow[], wanted: ReadonlyMap<RecurringCallback, number>): string[] {
  const ours = new Set<string>(["watchBridges", "backupInstances"]);
  return rows
    .filter(
      (row) =>
        ours.has(row.callback) &&
        wanted.get(row.callback as RecurringCallback) !== (row.type === "interval" ? row.intervalSeconds : undefined),
    )
    .map((row) => row.id);
}

export class RecurringAlarms {
  /** Scheduled in this object's lifetime (`every` is idempotent, this spares the calls). */
  #on = false;

  constructor(
    private readonly scheduler: RecurringScheduler,
    private readonly wanted: ReadonlyMap<RecurringCallback, number>,
    private readonly workspace: () => string,
  ) {}

  /**
   * Keeps the alarms while `active` (the room has instances), cancels them when not. Only
   * the first activation per object lifetime does any work; a deactivation always looks,
   * since a woken object does not know what an earlier one scheduled.
   */
  async sync(active: boolean): Promise<void> {
    if (active && this.#on) return;
    this.#on = active;
    try {
      for (const id of staleAlarms(await this.scheduler.list(), active ? this.wanted : new Map()))
        await this.scheduler.cancel(id);
      if (active) for (const [callback, seconds] of this.wanted) await this.scheduler.every(seconds, callback);
    } catch (error) {
      this.#on = !active;
      console.error(
        JSON.stringify({
          msg: "could not update the recurring alarms",
          workspace: this.workspace(),
          active,
          error: String(error),
        }),
      );
    }
  }
}
