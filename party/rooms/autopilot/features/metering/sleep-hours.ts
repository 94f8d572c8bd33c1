// Each hosted instance's hours this billing period (decision 78, docs/billing.md): awake hours
// are the instance-time intervals the ledger billed plus the one open now; asleep hours are kept
// as the instance-time meters are, an interval opened when the gateway falls asleep and added to
// the period's total when it wakes, stops or is deleted (one meter row per instance, no history).
import { and, eq, gt } from "drizzle-orm";
import type { InstanceHours } from "../../../../../shared/protocol/billing";
import type { Instance } from "../../../../../shared/protocol/instances";
import { type BillingConfig, billingMetaTable, ledgerTable, periodOf, readMeter, writeMeter } from "../billing/index";
import type { Sql } from "../../../../domain/sql";
import { runningSince } from "./billing-meters";

const HOUR_MS = 3_600_000;
const asleepMeterKey = (instanceId: string) => `meter:asleep:${instanceId}`;
const sleptKey = (instanceId: string) => `slept:${instanceId}`;

/** The asleep time added up in one period (its start's key). */
interface Slept {
  period: number;
  ms: number;
}

/** Asleep: hosted and started, its gateway stopped by the sleep (not billed: decision 78). */
export const isAsleep = (instance: Pick<Instance, "kind" | "status" | "sleep">): boolean =>
  instance.kind !== "linked" &&
  instance.sleep?.state === "asleep" &&
  (instance.status === "provisioning" || instance.status === "starting" || instance.status === "ready");

/** When the instance's current asleep interval started, or null when it is not asleep. */
export const asleepSince = (sql: Sql, instanceId: string): number | null =>
  readMeter<{ since: number }>(sql, asleepMeterKey(instanceId))?.since ?? null;

/** Adds [from, to) to the asleep total of `to`'s period (what lay in an earlier period is that one's). */
function addSlept(sql: Sql, instanceId: string, from: number, to: number): void {
  const period = periodOf(to).start;
  const kept = readMeter<Slept>(sql, sleptKey(instanceId));
  const before = kept?.period === period ? kept.ms : 0;
  writeMeter(sql, sleptKey(instanceId), { period, ms: before + Math.max(0, to - Math.max(from, period)) });
}

/**
 * Follows an instance's sleep: opens its asleep interval when it falls asleep (at `at`), adds
 * it to the period's total when it no longer is. Repeating a state changes nothing.
 */
export function meterInstanceSleep(sql: Sql, instance: Instance, at: number): void {
  const since = asleepSince(sql, instance.id);
  if (isAsleep(instance)) {
    if (since === null) writeMeter(sql, asleepMeterKey(instance.id), { since: at });
    return;
  }
  if (since === null) return;
  addSlept(sql, instance.id, since, Math.max(since, at));
  sql.db
    .delete(billingMetaTable)
    .where(eq(billingMetaTable.key, asleepMeterKey(instance.id)))
    .run();
}

/** Whether the instance's asleep interval is open while it is not asleep, or the reverse: a change to record. */
export const sleepChanged = (sql: Sql, instance: Instance): boolean =>
  instance.kind !== "linked" && isAsleep(instance) !== (asleepSince(sql, instance.id) !== null);

/** The time within [start, now) of the intervals the ledger billed for the instance, and of the one open now. */
function awakeMs(sql: Sql, instanceId: string, start: number, now: number): number {
  const billed = sql.db
    .select({ at: ledgerTable.at, seconds: ledgerTable.seconds })
    .from(ledgerTable)
    .where(
      and(eq(ledgerTable.purpose, "instance_time"), eq(ledgerTable.instanceId, instanceId), gt(ledgerTable.at, start)),
    )
    .all();
  let ms = 0;
  for (const entry of billed) ms += Math.max(0, entry.at - Math.max(entry.at - (entry.seconds ?? 0) * 1000, start));
  const open = runningSince(sql, instanceId);
  if (open !== null) ms += Math.max(0, now - Math.max(open, start));
  return ms;
}

/** Each hosted instance's awake and asleep time this period, and the credits sleeping saved. */
export function instanceHours(sql: Sql, config: BillingConfig, instances: readonly Instance[], now: number) {
  const period = periodOf(now);
  const rows: InstanceHours[] = instances
    .filter((instance) => instance.kind !== "linked")
    .map((instance) => {
      const kept = readMeter<Slept>(sql, sleptKey(instance.id));
      const open = asleepSince(sql, instance.id);
      const asleepMs =
        (kept?.period === period.start ? kept.ms : 0) +
        (open === null ? 0 : Math.max(0, now - Math.max(open, period.start)));
      return {
        instanceId: instance.id,
        name: instance.name,
        awakeMs: awakeMs(sql, instance.id, period.start, now),
        asleepMs,
        savedCredits: Math.floor((asleepMs / HOUR_MS) * config.prices.instanceHour),
      };
    });
  return {
    period: { start: period.start, end: period.end },
    instanceHour: config.prices.instanceHour,
    instances: rows,
  };
}
