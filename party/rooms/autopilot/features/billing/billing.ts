// The workspace's money (protocol 10; decision 44): the ledger, budgets and their raises, and
// the state every interface shows, all derived from the room's tables. Usage is priced when it
// is recorded, from the operator's table (party/rooms/autopilot/features/billing/config.ts); an entry's id is unique to
// what it pays for, so recording the same thing twice is one entry. The spend gate
// (spend-gate.ts) reads what is left here before anything is spent.
import type { z } from "zod";
import {
  type BillingAlerts,
  BillingAlerts as BillingAlertsSchema,
  type BillingEntriesParams,
  type BillingState,
  type Budget,
  type BudgetScope,
  type LedgerEntry,
  type SpendGroupBy,
} from "../../../../../shared/protocol/billing";
import { and, count, desc, eq, gte, lt, or, sql as q } from "drizzle-orm";
import type { BillingConfig, PlanConfig } from "./config";
import { moneyWords, offeredPlans, periodOf, topUpPrice } from "./config";
import { allowanceStates } from "./allowances";
import { keptSubscription, subscribedPlanId, subscriptionHolds, subscriptionView } from "./subscription";
import { approvalsTable as approvals } from "../approvals/index";
import { billingMeta, budgetRaises, budgets, ledger } from "./tables";
import { defineRecord, readable } from "../../../../records/codec";
import { getMetaRecord, setMeta } from "../../../../domain/meta";
import { approvalRecord } from "../../../../records/documents";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Sql } from "../../../../domain/sql";
import { storedField } from "../../../../domain/db/client";
import { reads } from "./reads";
import { appendAudit } from "../../kernel/commit";
import type { Page } from "../../kernel/paging";
import { settleApproval } from "../approvals/index";
import type { OpContext } from "../../kernel/commit";
import { NO_LONGER_NEEDED } from "../../../../../shared/billing-words";
import { CommittedMemo } from "../../../../domain/turn-memo";
import { addTotals, appendLedger, planCredits } from "./ledger-write";

export { appendLedger, type NewLedgerEntry } from "./ledger-write";

function total(sql: Sql, key: string): number {
  return reads(sql.db).total.get({ key })?.amount ?? 0;
}

/**
 * A model call whose endpoint reported more than the call could have used (spend-gate.ts): the
 * workspace paid the call's worst case; the rest is kept for operators, a month's total and an
 * audit entry with the report, and a log line.
 */
export function recordOverReport(
  sql: Sql,
  call: { id: string; at: number; model: string; inputTokens: number | null; outputTokens: number | null },
  amounts: { reported: number; charged: number; excess: number },
): void {
  const month = periodOf(call.at).key;
  addTotals(sql, [
    [`overreported:${month}`, amounts.excess],
    [`overreported-calls:${month}`, 1],
  ]);
  const details = {
    entryId: call.id,
    model: call.model,
    inputTokens: call.inputTokens,
    outputTokens: call.outputTokens,
    ...amounts,
  };
  appendAudit(sql, null, "billing.overreport", "workspace", details, call.at);
  console.error(JSON.stringify({ msg: "model endpoint reported more usage than the call could use", ...details }));
}

/** What endpoints reported beyond their calls' worst cases in the month `now` is in (not charged). */
export function overReported(sql: Sql, now: number): { credits: number; calls: number } {
  const month = periodOf(now).key;
  return { credits: total(sql, `overreported:${month}`), calls: total(sql, `overreported-calls:${month}`) };
}

const PLAN_KEY = "plan";

/** Where the workspace's plan comes from. */
export type PlanSource = "default" | "subscription" | "operator";

/** An operator's override as last read, until setWorkspacePlan writes it: every model call's check reads it. */
const overridePlan = new CommittedMemo<string, string | null>(1);

/**
 * The workspace's plan at `now`: an operator's override, else the subscription's while it
 * holds (a downgrade's previous plan until the period's end), else the operator's default.
 */
export function effectivePlan(sql: Sql, config: BillingConfig, now: number): { plan: PlanConfig; source: PlanSource } {
  const planId = overridePlan.read(
    sql,
    PLAN_KEY,
    () => sql.db.select().from(billingMeta).where(eq(billingMeta.key, PLAN_KEY)).get()?.value ?? null,
  );
  const override = planId !== null && Object.hasOwn(config.plans, planId) ? config.plans[planId] : undefined;
  if (override) return { plan: override, source: "operator" };
  const sub = keptSubscription(sql);
  const subscribed = sub && subscriptionHolds(sub, now) ? config.plans[subscribedPlanId(sub, now)] : undefined;
  if (subscribed) return { plan: subscribed, source: "subscription" };
  return { plan: config.plans[config.defaultPlan] as PlanConfig, source: "default" };
}

/** The workspace's plan (see `effectivePlan`). */
export const workspacePlan = (sql: Sql, config: BillingConfig, now = Date.now()): PlanConfig =>
  effectivePlan(sql, config, now).plan;

/** An operator's override of the plan; null lifts it (the subscription's or the default plan applies again). */
export function setWorkspacePlan(sql: Sql, planId: string | null): void {
  overridePlan.written(sql, PLAN_KEY);
  if (planId === null) {
    sql.db.delete(billingMeta).where(eq(billingMeta.key, PLAN_KEY)).run();
    return;
  }
  sql.db
    .insert(billingMeta)
    .values({ key: PLAN_KEY, value: planId })
    .onConflictDoUpdate({ target: billingMeta.key, set: { value: planId } })
    .run();
}

/** A meter's watermark (billing_meta), e.g. the gateway usage counters billed so far. */
export function readMeter<T>(sql: Sql, key: string): T | null {
  const row = sql.db.select().from(billingMeta).where(eq(billingMeta.key, key)).get();
  return row ? (JSON.parse(row.value) as T) : null;
}

export function writeMeter(sql: Sql, key: string, value: unknown): void {
  const text = JSON.stringify(value);
  sql.db
    .insert(billingMeta)
    .values({ key, value: text })
    .onConflictDoUpdate({ target: billingMeta.key, set: { value: text } })
    .run();
}

/** The ledger id of the plan's credits for the month `now` is in. */
const planCreditId = (now: number): string => `plan:${periodOf(now).key}`;

/**
 * The plan's credits for the month `now` is in that no ledger entry holds yet: what the first
 * commit of the month that moves credits writes (`creditPeriod`). Nothing while a subscription
 * gives the plan (its paid invoices credit it) or the plan includes none. A pure read, so what a
 * query or the hello shows counts the month's credits without writing outside a commit.
 */
function pendingPlanCredit(sql: Sql, plan: PlanConfig, source: PlanSource, now: number): number {
  if (source === "subscription" || plan.includedCredits <= 0) return 0;
  const id = planCreditId(now);
  const written = planCredits.read(sql, id, () => reads(sql.db).entry.get({ id }) !== undefined);
  return written ? 0 : plan.includedCredits;
}

/** The balance counting this month's plan credits whether or not their entry is written yet (a pure read). */
export function creditedBalance(sql: Sql, config: BillingConfig, now: number): number {
  const { plan, source } = effectivePlan(sql, config, now);
  return balanceOf(sql) + pendingPlanCredit(sql, plan, source, now);
}

/**
 * Writes the plan's credits for the month `now` is in, once per month, in the caller's commit:
 * every commit that moves credits calls it before its own entry, so the month's credits come
 * before its first charge. Returns the plan it read, so a caller that needs it too does not
 * read it again.
 */
export function creditPeriod(sql: Sql, config: BillingConfig, now: number): { plan: PlanConfig; source: PlanSource } {
  const effective = effectivePlan(sql, config, now);
  const { plan, source } = effective;
  if (pendingPlanCredit(sql, plan, source, now) === 0) return effective;
  const period = periodOf(now);
  appendLedger(sql, {
    id: planCreditId(now),
    at: period.start,
    kind: "plan",
    amount: plan.includedCredits,
    note: `${plan.name} plan: credits for ${period.key}`,
  });
  return effective;
}

export function balanceOf(sql: Sql): number {
  return total(sql, "balance");
}

/** Credits spent against a budget: in the period `since` starts for all but a task's, which counts in total. */
export function spentAgainst(sql: Sql, scope: BudgetScope, subjectId: string | null, since: number): number {
  if (scope === "task") return total(sql, `spent:task:${subjectId ?? ""}`);
  const month = periodOf(since).key;
  return total(sql, scope === "workspace" ? `spent:workspace:${month}` : `spent:${scope}:${subjectId ?? ""}:${month}`);
}

function raisedFor(sql: Sql, scope: BudgetScope, subjectId: string, since: number): number {
  // A task's budget counts its raises in total; the others', this period's.
  const row =
    scope === "task"
      ? reads(sql.db).raisedEver.get({ scope, subjectId })
      : reads(sql.db).raisedSince.get({ scope, subjectId, since });
  return Number(row?.total ?? 0);
}

/** A budget's row, or null when none is set. */
export function budgetLimit(sql: Sql, scope: BudgetScope, subjectId: string | null): number | null {
  const row = reads(sql.db).limit.get({ scope, subjectId: subjectId ?? "" });
  return row ? row.limit : null;
}

export function setBudget(sql: Sql, scope: BudgetScope, subjectId: string | null, limit: number | null, now: number) {
  budgetRows.written(sql, "all");
  const where = and(eq(budgets.scope, scope), eq(budgets.subjectId, subjectId ?? ""));
  if (limit === null) {
    sql.db.delete(budgets).where(where).run();
    return;
  }
  sql.db
    .insert(budgets)
    .values({ scope, subjectId: subjectId ?? "", limit, updatedAt: now })
    .onConflictDoUpdate({ target: [budgets.scope, budgets.subjectId], set: { limit, updatedAt: now } })
    .run();
}

/** An approved spend approval raises its budget once: the approval's id is the raise's key. */
export function raiseBudget(
  sql: Sql,
  raise: { approvalId: string; scope: BudgetScope; subjectId: string | null; amount: number; at: number },
): boolean {
  const result = sql.db
    .insert(budgetRaises)
    .values({ ...raise, subjectId: raise.subjectId ?? "" })
    .onConflictDoNothing()
    .returning({ approvalId: budgetRaises.approvalId })
    .all();
  return result.length > 0;
}

// The alerts' thresholds (alerts.ts): what an owner or admin set, kept with the billing meta.
const SETTINGS_KEY = "billing.alerts";

/** The thresholds of a workspace nobody changed: a budget at 80 % and 100 %; the balance below a tenth of the plan's monthly credits. */
export function defaultAlerts(includedCredits: number): BillingAlerts {
  return { budgetPercents: [80, 100], lowBalance: includedCredits > 0 ? Math.ceil(includedCredits / 10) : null };
}

const alertsRecord = defineRecord("billing alerts", BillingAlertsSchema);

/** The thresholds an owner or admin set; null while nobody did (the plan's defaults apply). */
export function storedAlertSettings(sql: Sql): BillingAlerts | null {
  return getMetaRecord(sql, SETTINGS_KEY, alertsRecord);
}

/** The workspace's thresholds: what an owner or admin set, or the defaults for its plan. */
export function alertSettings(sql: Sql, config: BillingConfig): BillingAlerts {
  return storedAlertSettings(sql) ?? defaultAlerts(workspacePlan(sql, config).includedCredits);
}

export function setAlertSettings(sql: Sql, alerts: BillingAlerts): void {
  const budgetPercents = [...new Set(alerts.budgetPercents)].sort((a, b) => a - b);
  setMeta(sql, SETTINGS_KEY, alertsRecord.encode({ ...alerts, budgetPercents }));
}

/** One budget as clients see it; `limit` when its row was read already (`setBudgets`). */
export function budgetState(
  sql: Sql,
  scope: BudgetScope,
  subjectId: string | null,
  now: number,
  limit = budgetLimit(sql, scope, subjectId),
): Budget | null {
  if (limit === null) return null;
  const since = periodOf(now).start;
  const raised = raisedFor(sql, scope, subjectId ?? "", since);
  const used = spentAgainst(sql, scope, subjectId, since);
  return { scope, subjectId, limit, raised, used, remaining: limit + raised - used };
}

/**
 * The budgets' rows as last read, for the check before every model call and the money's state
 * after it: setBudget, their one writer, tells it first.
 */
const budgetRows = new CommittedMemo<"all", readonly { scope: BudgetScope; subjectId: string; limit: number }[]>(1);

/** Every budget that is set (its scope, subject and limit), in one statement. */
export function setBudgets(sql: Sql): { scope: BudgetScope; subjectId: string | null; limit: number }[] {
  return budgetRows
    .read(sql, "all", () => reads(sql.db).all.all())
    .map((row) => ({
      scope: row.scope,
      subjectId: row.scope === "workspace" ? null : row.subjectId,
      limit: row.limit,
    }));
}

/** Every budget that is set, the workspace's first. */
export function allBudgets(sql: Sql, now: number): Budget[] {
  return setBudgets(sql)
    .map((row) => budgetState(sql, row.scope, row.subjectId, now, row.limit))
    .filter((b): b is Budget => b !== null)
    .sort((a, b) => (a.scope === "workspace" ? -1 : b.scope === "workspace" ? 1 : 0));
}

/** What the alerts and the meters read of the money: these fields of `billingState`, and no more. */
export type MoneyNow = Pick<BillingState, "period" | "balance" | "budgets" | "alerts">;

/** The money's part of the state (`billingState` is it and more), for those that need no more. */
export function moneyNow(sql: Sql, config: BillingConfig, now: number, effective = effectivePlan(sql, config, now)) {
  const period = periodOf(now);
  return {
    period: { start: period.start, end: period.end },
    balance: balanceOf(sql) + pendingPlanCredit(sql, effective.plan, effective.source, now),
    budgets: allBudgets(sql, now),
    alerts: alertSettings(sql, config),
  } satisfies MoneyNow;
}

/** The state every interface shows (the Billing panel, `billing.summary`, `billing.changed`). */
export function billingState(sql: Sql, config: BillingConfig, now: number): BillingState {
  const { plan, source } = effectivePlan(sql, config, now);
  const { period, balance, budgets, alerts } = moneyNow(sql, config, now, { plan, source });
  return {
    plan: planView(plan),
    period,
    balance,
    periodUsed: spentAgainst(sql, "workspace", null, period.start),
    budgets,
    topUps: config.stripe !== null,
    topUpOptions: (config.stripe?.topUps ?? []).map((t) => ({ credits: t.credits, price: topUpPrice(t) })),
    alerts,
    planSource: source,
    subscription: subscriptionView(keptSubscription(sql), config, now),
    allowances: allowanceStates(sql, now),
    plans: offeredPlans(config).map((p) => ({
      ...planView(p),
      price: `${moneyWords(p.monthlyPrice.amount, p.monthlyPrice.currency)} a month`,
    })),
  };
}

const planView = (plan: PlanConfig) => ({
  id: plan.id,
  name: plan.name,
  includedCredits: plan.includedCredits,
  maxInstances: plan.maxInstances,
  maxSeats: plan.maxSeats,
});

const GROUP_KEY = {
  purpose: ledger.purpose,
  principal: ledger.principalId,
  project: ledger.projectId,
  thread: ledger.threadId,
  run: ledger.runId,
  instance: ledger.instanceId,
  day: q<string>`strftime('%Y-%m-%d', ${ledger.at} / 1000, 'unixepoch')`,
} as const;

/** Usage in [since, until) rolled up by one key, largest first. */
export function spendGroups(sql: Sql, groupBy: z.infer<typeof SpendGroupBy>, since: number, until: number) {
  const key = GROUP_KEY[groupBy];
  const credits = q<number>`coalesce(-sum(${ledger.amount}), 0)`.mapWith(Number);
  return sql.db
    .select({
      key,
      credits,
      entries: count(),
      inputTokens: q<number>`coalesce(sum(${ledger.inputTokens}), 0)`.mapWith(Number),
      outputTokens: q<number>`coalesce(sum(${ledger.outputTokens}), 0)`.mapWith(Number),
    })
    .from(ledger)
    .where(and(eq(ledger.kind, "usage"), gte(ledger.at, since), lt(ledger.at, until)))
    .groupBy(key)
    .orderBy(desc(credits))
    .limit(500)
    .all()
    .map((g) => ({ ...g, key: g.key === null ? null : String(g.key) }));
}

/**
 * Receipts, newest first; a page continues `before` the last one's time and row number. The
 * cursor names the row by its number, not its entry id: an entry id (a model call's usage
 * row: purpose, run and a UUID) runs past the 64 characters a PageCursor's id may have, and a
 * client refuses a whole answer whose cursor it cannot read.
 */
export function ledgerEntries(sql: Sql, params: z.output<typeof BillingEntriesParams>): Page<LedgerEntry> {
  const filter = and(
    params.runId === undefined ? undefined : eq(ledger.runId, params.runId),
    params.kind === undefined ? undefined : eq(ledger.kind, params.kind),
  );
  const before = params.before;
  const row = before && /^\d{1,15}$/.test(before.id) ? Number(before.id) : null;
  // A cursor that names no row number (none this room made) continues before its time.
  const cursor = before
    ? row === null
      ? lt(ledger.at, before.at)
      : or(lt(ledger.at, before.at), and(eq(ledger.at, before.at), lt(ledger.n, row)))
    : undefined;
  const rows = sql.db
    .select()
    .from(ledger)
    .where(and(filter, cursor))
    .orderBy(desc(ledger.at), desc(ledger.n))
    .limit(params.limit + 1)
    .all();
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  const items = page.map(({ n: _n, ...entry }): LedgerEntry => entry);
  return { items, next: rows.length > params.limit && last ? { at: last.at, id: String(last.n) } : null };
}

/** An approved spend approval raises its budget once (its id is the raise's key); true when it did now. */
export function applySpendApproval(sql: Sql, approval: Approval): boolean {
  const action = approval.action;
  if (action?.kind !== "spend" || approval.status !== "approved") return false;
  return raiseBudget(sql, {
    approvalId: approval.id,
    scope: action.budget.scope,
    subjectId: action.budget.subjectId,
    // What the person granted (approved before protocol 15: what it asked).
    amount: action.granted ?? action.amount,
    at: approval.resolvedAt ?? Date.now(),
  });
}

/** Approved spend approvals whose raise is not written (the room stopped between the two). */
export function unraisedSpendApprovals(sql: Sql): Approval[] {
  return spendApprovals(sql, "approved").filter(
    (approval) =>
      !sql.db
        .select({ approvalId: budgetRaises.approvalId })
        .from(budgetRaises)
        .where(eq(budgetRaises.approvalId, approval.id))
        .get(),
  );
}

/** Spend approvals in a status (approved ones: to write a raise the room stopped before writing). */
export function spendApprovals(sql: Sql, status: "approved" | "pending"): Approval[] {
  const rows = sql.db
    .select({ doc: approvals.doc })
    .from(approvals)
    .where(and(eq(approvals.status, status), eq(storedField(approvals.doc, "$.action.kind"), "spend")))
    .all();
  return readable(rows, (row) => approvalRecord.decode(row.doc));
}

/**
 * A budget came to have room by someone's act (raised or removed by a person, raised by
 * another spend approval): the pending spend approvals against it whose work now fits are
 * resolved as no longer needed, `why` in their note, with the actor named (shared
 * billing-words.ts `spendNoLongerNeeded`); what waited on them goes on at once (the runners
 * react to the resolution), without a raise. Answers how many it resolved.
 */
export function releaseFittingSpend(
  ctx: OpContext,
  budget: { scope: BudgetScope; subjectId: string | null },
  why: string,
): number {
  let released = 0;
  for (const approval of spendApprovals(ctx.sql, "pending")) {
    const action = approval.action;
    if (action?.kind !== "spend") continue;
    if (action.budget.scope !== budget.scope || action.budget.subjectId !== budget.subjectId) continue;
    const state = budgetState(ctx.sql, budget.scope, budget.subjectId, ctx.now);
    // The work's whole worst case, or (filed before it was kept) at least what it asked for.
    if (state && state.remaining < (action.needed ?? action.amount)) continue;
    settleApproval(ctx, approval, "expired", `${NO_LONGER_NEEDED}${why}`, false, ctx.actor);
    released += 1;
  }
  return released;
}
