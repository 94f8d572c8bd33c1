// Alerts before the money runs out (docs/billing.md): owners and admins are told when a budget
// passes each of its thresholds (80 % and 100 % unless they set others) and when the balance
// falls below its threshold, once per threshold per period. A crossing is recorded when the
// billing state shows it; the inbox item it makes stands while the room's state still shows
// it (a budget raised or a top-up takes it away), and says the numbers as they are now.
import { z } from "zod";
import { BudgetScope } from "../../../../../shared/protocol/billing";
import type { BillingAlerts, Budget } from "../../../../../shared/protocol/billing";
import { featureStore } from "../../kernel/feature-store";
import type { Sql } from "../../../../domain/sql";
import { defineRecord } from "../../../../records/codec";
import { balanceOf, budgetState, type MoneyNow, storedAlertSettings } from "./billing";
import { periodOf } from "./config";
import { keptSubscription, PAYMENT_GRACE_MS, subscriptionHolds } from "./subscription";

/** One threshold crossed in one period, as recorded (its key says which and when). */
const Crossing = z.object({
  at: z.number().int(),
  of: z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("budget"),
      scope: BudgetScope,
      subjectId: z.string().max(128).nullable(),
      percent: z.number().int().min(1).max(100),
    }),
    z.object({ kind: z.literal("balance"), below: z.number().int().nonnegative() }),
  ]),
});
type Crossing = z.infer<typeof Crossing>;
const crossings = featureStore(defineRecord("billing alert crossing", Crossing));

/** An alert as the inbox shows it to owners and admins. */
export interface StandingAlert {
  key: string;
  at: number;
  title: string;
  detail: string;
}

const n = (credits: number) => credits.toLocaleString("en-US");

const budgetName = (scope: BudgetScope) =>
  scope === "key" ? "An agent key's" : scope === "workspace" ? "The workspace's" : `A ${scope}'s`;

/** Whether a budget is past `percent` of what it allows (its limit and what spend approvals added). */
const pastPercent = (budget: Budget, percent: number) => budget.used * 100 >= (budget.limit + budget.raised) * percent;

/** The key of a crossing: which threshold, in which period. */
function keyOf(of: Crossing["of"], period: number): string {
  return of.kind === "budget"
    ? `${period}:budget:${of.scope}:${of.subjectId ?? ""}:${of.percent}`
    : `${period}:balance:${of.below}`;
}

/** A threshold crossed in this period, by its key. */
export interface NewCrossing {
  key: string;
  of: Crossing["of"];
}

/**
 * The thresholds the state shows crossed that were not recorded yet this period: read only, so
 * the common case (nothing new, after every model call) writes nothing.
 */
export function newCrossings(sql: Sql, state: MoneyNow, alerts: BillingAlerts): NewCrossing[] {
  const crossed: Crossing["of"][] = [];
  for (const budget of state.budgets)
    for (const percent of alerts.budgetPercents)
      if (pastPercent(budget, percent))
        crossed.push({ kind: "budget", scope: budget.scope, subjectId: budget.subjectId, percent });
  if (alerts.lowBalance !== null && state.balance < alerts.lowBalance)
    crossed.push({ kind: "balance", below: alerts.lowBalance });
  return crossed
    .map((of) => ({ key: keyOf(of, state.period.start), of }))
    .filter(({ key }) => !crossings.get(sql, key));
}

/** Records new crossings, and drops those of earlier periods (they stand for nothing now). */
export function recordCrossings(sql: Sql, fresh: NewCrossing[], periodStart: number, now: number): void {
  for (const { key, of } of fresh) crossings.put(sql, key, { at: now, of }, now);
  crossings.deleteWrittenBefore(sql, periodStart);
}

/**
 * The alerts that stand now: crossed this period and still shown by the room's state, each
 * in words with today's numbers; of a budget's thresholds only the highest (a budget used up
 * is not also "80% used").
 */
export function standingAlerts(sql: Sql, now: number): StandingAlert[] {
  const period = periodOf(now).start;
  // A threshold changed since it was crossed stands no more (unset, the defaults it was crossed under stand).
  const set = storedAlertSettings(sql);
  const highest = new Map<string, { percent: number; alert: StandingAlert }>();
  let balance: StandingAlert | null = null;
  for (const { key, value } of crossings.entries(sql, `${period}:`)) {
    const of = value.of;
    if (of.kind === "balance") {
      if (set && set.lowBalance !== of.below) continue;
      const left = balanceOf(sql);
      if (left >= of.below) continue;
      balance = {
        key: `billing:${key}`,
        at: value.at,
        title: left <= 0 ? "The workspace is out of credits" : "The workspace's credits are running low",
        detail: `${n(Math.max(0, left))} credits left (the alert is at ${n(of.below)}). Top up in Billing or ask an operator for credits: the Autopilot, tasks and instances stop when none are left.`,
      };
      continue;
    }
    if (set && !set.budgetPercents.includes(of.percent)) continue;
    const budget = budgetState(sql, of.scope, of.subjectId, now);
    if (!budget || !pastPercent(budget, of.percent)) continue;
    const subject = `${of.scope}:${of.subjectId ?? ""}`;
    if ((highest.get(subject)?.percent ?? 0) >= of.percent) continue;
    const allowed = budget.limit + budget.raised;
    highest.set(subject, {
      percent: of.percent,
      alert: {
        key: `billing:${key}`,
        at: value.at,
        title: `${budgetName(of.scope)} budget is ${of.percent >= 100 ? "used up" : `${of.percent}% used`}`,
        detail: `${n(budget.used)} of ${n(allowed)} credits used ${of.scope === "task" ? "by the task" : "this month"}, ${n(Math.max(0, budget.remaining))} left. Raise the budget in Billing, or what would pass it waits for a spend approval.`,
      },
    });
  }
  const payment = paymentAlert(sql, now);
  return [...[...highest.values()].map((h) => h.alert), ...(balance ? [balance] : []), ...(payment ? [payment] : [])];
}

/** A renewal's payment that failed, while Stripe retries and the plan still holds or has just lapsed. */
function paymentAlert(sql: Sql, now: number): StandingAlert | null {
  const sub = keptSubscription(sql);
  if (!sub || sub.ended || sub.paymentFailedAt === null) return null;
  const until = new Date(sub.paymentFailedAt + PAYMENT_GRACE_MS).toUTCString().slice(0, 16);
  const holds = subscriptionHolds(sub, now);
  return {
    key: `billing:payment:${sub.id}:${sub.paymentFailedAt}`,
    at: sub.paymentFailedAt,
    title: "The plan's payment failed",
    detail: holds
      ? `Stripe could not charge the card for the plan. Update the card in Billing › Manage card and invoices by ${until}: after that the workspace moves to the default plan's limits.`
      : "Stripe could not charge the card for the plan, and its grace has passed: the workspace has the default plan's limits. Update the card in Billing › Manage card and invoices.",
  };
}
