// What the workspace's OpenClaw instances cost (docs/billing.md, "Gateways and hosted
// instances"): their gateways' model tokens, which the runtime's pass-through counts per
// instance, and the time hosted instances run. Each is written to the ledger exactly once:
//   - a gateway's entry is the difference between the runtime's counters and the watermark
//     billed so far, its id made of the counters (`gateway:<instanceId>:<prompt>:<completion>`),
//     written in one transaction with the new watermark;
//   - an instance's time is one entry per interval it ran (`instance:<id>:<from>:<to>`), the
//     interval's start kept as a meter in the same transaction.
// Which instances may start (the plan's limit, the balance) is decided here too, before anything
// starts, and so is what the runtime is told of the gateways' spending.
import { eq } from "drizzle-orm";
import type { Instance, InstanceOperation } from "../../../../../shared/protocol/instances";
import type { SpendRefusal } from "../../../../../shared/runtime/spend";
import {
  appendLedger,
  type BillingConfig,
  billingMetaTable as billingMeta,
  creditedBalance,
  readMeter,
  type SpendGate,
  type SpendSubject,
  tokenCost,
  workspacePlan,
  writeMeter,
} from "../billing/index";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";

/** The runtime's token counters for one instance (shared/runtime/usage.ts). */
export interface GatewayCounters {
  promptTokens: number;
  completionTokens: number;
}

const gatewayMeterKey = (instanceId: string) => `meter:gateway:${instanceId}`;
const instanceMeterKey = (instanceId: string) => `meter:instance:${instanceId}`;
const SPEND_TOLD_KEY = "spend:gateways";
const HOUR_MS = 3_600_000;

function deleteMeter(sql: Sql, key: string): void {
  sql.db.delete(billingMeta).where(eq(billingMeta.key, key)).run();
}

/**
 * Bills what the runtime counted for an instance's gateway since the last time: one entry for
 * the difference, priced with the gateways' token price, and the new watermark, in one
 * transaction. The runtime's counters only grow; a reading below the watermark (a runtime that
 * lost its count, or an answer from before the last one) is left out rather than billed twice.
 * Answers the credits charged, or null when nothing was written.
 */
export function recordGatewayUsage(
  sql: Sql,
  config: BillingConfig,
  instanceId: string,
  counters: GatewayCounters,
  now: number,
): number | null {
  return sql.transaction(() => {
    const key = gatewayMeterKey(instanceId);
    const billed = readMeter<GatewayCounters>(sql, key) ?? { promptTokens: 0, completionTokens: 0 };
    const input = counters.promptTokens - billed.promptTokens;
    const output = counters.completionTokens - billed.completionTokens;
    if (input < 0 || output < 0 || (input === 0 && output === 0)) return null;
    const cost = tokenCost(config.prices.gateway, input, output);
    const written = appendLedger(sql, {
      id: `gateway:${instanceId}:${counters.promptTokens}:${counters.completionTokens}`,
      at: now,
      kind: "usage",
      amount: -cost,
      purpose: "gateway",
      instanceId,
      inputTokens: input,
      outputTokens: output,
    });
    writeMeter(sql, key, { promptTokens: counters.promptTokens, completionTokens: counters.completionTokens });
    return written ? cost : null;
  });
}

/** A hosted instance runs (its gateway takes a machine) while it is being started or is ready. */
/** Running: hosted and started, and not asleep (decision 78: an asleep gateway's hours are not billed). */
export const isRunning = (instance: Pick<Instance, "kind" | "status" | "sleep">): boolean =>
  instance.kind !== "linked" &&
  instance.sleep?.state !== "asleep" &&
  (instance.status === "provisioning" || instance.status === "starting" || instance.status === "ready");

/** When the instance's current running interval started, or null when none is open. */
export const runningSince = (sql: Sql, instanceId: string): number | null =>
  readMeter<{ since: number }>(sql, instanceMeterKey(instanceId))?.since ?? null;

/** The price of running from `from` to `to`: the hour's price prorated, rounded up to a credit. */
export const instanceTimeCost = (config: BillingConfig, from: number, to: number): number =>
  Math.ceil(((to - from) / HOUR_MS) * config.prices.instanceHour);

/**
 * Bills the instance's open interval up to `to` (one entry, by the interval's ends) and, when it
 * still runs, opens the next one at `to`; otherwise closes it. Answers the credits charged.
 */
export function closeInstanceTime(
  sql: Sql,
  config: BillingConfig,
  instanceId: string,
  to: number,
  stillRunning: boolean,
): number {
  return sql.transaction(() => {
    const key = instanceMeterKey(instanceId);
    const since = runningSince(sql, instanceId);
    if (since === null) return 0;
    const end = Math.max(since, to);
    let cost = 0;
    if (end > since) {
      cost = instanceTimeCost(config, since, end);
      appendLedger(sql, {
        id: `instance:${instanceId}:${since}:${end}`,
        at: end,
        kind: "usage",
        amount: -cost,
        purpose: "instance_time",
        instanceId,
        seconds: Math.round((end - since) / 1000),
      });
    }
    if (stillRunning) writeMeter(sql, key, { since: end });
    else deleteMeter(sql, key);
    return cost;
  });
}

/**
 * Follows an instance's status: opens its interval when it starts running (at `at`), bills and
 * closes it when it stops, fails or is deleted. Repeating a state changes nothing. Answers the
 * credits charged.
 */
export function meterInstanceStatus(sql: Sql, config: BillingConfig, instance: Instance, at: number): number {
  const open = runningSince(sql, instance.id) !== null;
  if (isRunning(instance)) {
    if (!open) writeMeter(sql, instanceMeterKey(instance.id), { since: at });
    return 0;
  }
  return open ? closeInstanceTime(sql, config, instance.id, at, false) : 0;
}

/** Hosted instances that run now, other than `except`. */
export const runningInstances = (instances: readonly Instance[], except?: string): Instance[] =>
  instances.filter((instance) => instance.id !== except && isRunning(instance));

export const STARTS: ReadonlySet<InstanceOperation> = new Set<InstanceOperation>(["provision", "restart", "restore"]);

/**
 * The refusal of a start (or a wake: decision 78) of `instanceId` that would run more
 * instances at once than the workspace's plan allows (`conflict`, reason `plan_limit`: a
 * top-up does not lift it, an operator's plan does); null when the plan allows it.
 */
export function planLimitRefusal(
  sql: Sql,
  config: BillingConfig,
  instances: readonly Instance[],
  instanceId: string,
): RoomError | null {
  const plan = workspacePlan(sql, config);
  const others = runningInstances(instances, instanceId).length;
  if (plan.maxInstances === null || others < plan.maxInstances) return null;
  return new RoomError(
    "conflict",
    `The ${plan.name} plan runs at most ${plan.maxInstances} OpenClaw instance${plan.maxInstances === 1 ? "" : "s"} at once: stop or delete one first, or ask an operator for a larger plan.`,
    { reason: "plan_limit", plan: plan.id, maxInstances: plan.maxInstances, running: others, instanceId },
  );
}

/**
 * Refuses to start an instance (before anything starts) over the plan's limit of running
 * instances (`conflict`, reason `plan_limit`: a top-up does not lift it, an operator's plan
 * does), when an hour of it would cross a budget (`conflict`, reason `over_budget`), or when
 * the balance cannot pay for an hour of it (`payment_required`). Nothing is reserved: the
 * instance's time is billed as it runs.
 */
export function checkInstanceStart(
  sql: Sql,
  gate: SpendGate,
  instances: readonly Instance[],
  instanceId: string,
  subject: SpendSubject,
  now: number,
): void {
  const overLimit = planLimitRefusal(sql, gate.config, instances, instanceId);
  if (overLimit) throw overLimit;
  const hour = Math.max(1, gate.config.prices.instanceHour);
  const verdict = gate.check(subject, hour, now);
  if (verdict.kind === "ok") gate.release(verdict.reservation);
  // A start is asked by a person, or by an agent through an approval a person decides: the
  // budget is not raised by a second approval here; whoever manages it raises it in Billing.
  if (verdict.kind === "over") {
    const whose = verdict.budget.scope === "key" ? "this agent key's" : "the workspace's";
    throw new RoomError(
      "conflict",
      `Starting it would cross ${whose} budget: an hour of an OpenClaw instance costs ${hour} credits and ${Math.max(0, verdict.remaining)} are left this month. An owner or admin can raise the budget in Billing.`,
      { reason: "over_budget", budget: verdict.budget, needed: hour, remaining: verdict.remaining, instanceId },
    );
  }
  if (verdict.kind === "payment_required")
    throw new RoomError(
      "payment_required",
      `This workspace is out of credits: an hour of an OpenClaw instance costs ${hour} and ${verdict.balance} are left. Top up in Billing, or ask an operator for a grant.`,
      { reason: "payment_required", balance: verdict.balance, needed: hour, instanceId },
    );
}

/** What the runtime is to be told of the workspace's gateways at this balance: they may spend while it is above zero. */
export const gatewaySpendAt = (balance: number): SpendState =>
  balance > 0 ? { allowed: true, reason: null } : { allowed: false, reason: "out_of_credits" };

/** What the runtime is to be told of the workspace's gateways now (this period's plan credits counted). */
export function gatewaySpendWanted(sql: Sql, config: BillingConfig, now: number): SpendState {
  return gatewaySpendAt(creditedBalance(sql, config, now));
}

export interface SpendState {
  allowed: boolean;
  reason: SpendRefusal | null;
}

/** What the runtime was last told (and took), or null when it never was. */
export const gatewaySpendTold = (sql: Sql): SpendState | null => readMeter<SpendState>(sql, SPEND_TOLD_KEY);

export const rememberGatewaySpend = (sql: Sql, state: SpendState): void => writeMeter(sql, SPEND_TOLD_KEY, state);
