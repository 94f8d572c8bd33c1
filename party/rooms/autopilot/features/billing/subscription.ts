// Plans people choose (docs/billing.md, decision 61): the workspace's subscription through
// Stripe Billing as the Worker read it from Stripe's signed events, kept in the room, and the
// plan it makes the workspace's. The room believes the subscription's latest state, not the
// order events arrive in: a snapshot older than the one kept changes nothing, and an event
// applied once is applied once. A renewal's included credits are a ledger entry keyed by the
// subscription and its period, so however often Stripe says it was paid, it credits once.
import { z } from "zod";
import type { PlanSubscription } from "../../../../../shared/protocol/billing";
import { getMetaRecord, setMeta } from "../../../../domain/meta";
import type { Sql } from "../../../../domain/sql";
import { defineRecord } from "../../../../records/codec";
import type { OpContext } from "../../kernel/commit";
import { type BillingConfig, type PlanConfig, planOfPrice } from "./config";

/** How long a plan holds after a renewal's payment failed, while Stripe retries the card. */
export const PAYMENT_GRACE_MS = 7 * 24 * 3600_000;

/** Stripe's statuses in which the plan it bills holds (past_due and unpaid only within the grace). */
const PAYING = new Set(["active", "trialing"]);
const RETRYING = new Set(["past_due", "unpaid"]);

const StripeId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_]{1,200}$`));
const Seconds = z.number().int().min(0).max(1e11);
const PlanId = z.string().regex(/^[a-z0-9_-]{1,40}$/);

/** What the Worker read from one of Stripe's signed events about a plan (stripe-plans.ts). */
export const PlanNews = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("subscription"),
    eventId: StripeId("evt"),
    /** The event's `created` (seconds): which snapshot of the subscription is newer. */
    created: Seconds,
    workspaceId: z.string().min(1).max(200),
    subscription: z.object({
      id: StripeId("sub"),
      customerId: StripeId("cus"),
      itemId: StripeId("si").nullable(),
      priceId: z.string().max(210),
      status: z.string().max(40),
      periodStart: Seconds,
      periodEnd: Seconds,
      cancelAtPeriodEnd: z.boolean(),
      /** A downgrade the app asked for: the plan that holds until `changeAt` (seconds). */
      previousPlan: PlanId.nullable(),
      changeAt: Seconds.nullable(),
      /** Stripe deleted it (cancelled, or ended unpaid). */
      ended: z.boolean(),
    }),
  }),
  z.object({
    kind: z.literal("invoice_paid"),
    eventId: StripeId("evt"),
    created: Seconds,
    workspaceId: z.string().min(1).max(200),
    invoiceId: StripeId("in"),
    subscriptionId: StripeId("sub"),
    reason: z.enum(["subscription_create", "subscription_cycle", "subscription_update"]),
    /** The invoice's lines that bill a price: what they charge (negative: unused time credited back) and for when. */
    lines: z
      .array(z.object({ priceId: z.string().max(210), amount: z.number().int(), start: Seconds, end: Seconds }))
      .max(20),
  }),
  z.object({
    kind: z.literal("payment_failed"),
    eventId: StripeId("evt"),
    created: Seconds,
    workspaceId: z.string().min(1).max(200),
    invoiceId: StripeId("in"),
    subscriptionId: StripeId("sub"),
  }),
]);
export type PlanNews = z.infer<typeof PlanNews>;

const Kept = z.object({
  id: z.string(),
  customerId: z.string(),
  itemId: z.string().nullable(),
  planId: z.string(),
  status: z.string(),
  periodEnd: z.number(),
  cancelAtPeriodEnd: z.boolean(),
  previousPlan: z.string().nullable(),
  changeAt: z.number().nullable(),
  ended: z.boolean(),
  /** The first failed payment since the last one that succeeded (ms). */
  paymentFailedAt: z.number().nullable(),
  /** The `created` of the event this snapshot came from (seconds). */
  eventAt: z.number(),
  /** Stripe events applied, newest last (a replay is recognised and changes nothing). */
  applied: z.array(z.string()).max(100),
});
export type KeptSubscription = z.infer<typeof Kept>;
const kept = defineRecord("plan subscription", Kept);
const KEY = "billing.subscription";

/** The subscription kept; null while there is none or it does not read (the workspace is then on the default plan until Stripe says otherwise again). */
export function keptSubscription(sql: Sql): KeptSubscription | null {
  return getMetaRecord(sql, KEY, kept);
}

const keep = (sql: Sql, value: KeptSubscription) => setMeta(sql, KEY, kept.encode(value));
const remember = (applied: string[], eventId: string) => [...applied, eventId].slice(-100);

/** Whether the kept subscription's plan holds at `now`: paying, or a failed payment still within its grace. */
export function subscriptionHolds(sub: KeptSubscription, now: number): boolean {
  if (sub.ended) return false;
  if (PAYING.has(sub.status)) return true;
  return RETRYING.has(sub.status) && now < (sub.paymentFailedAt ?? sub.eventAt * 1000) + PAYMENT_GRACE_MS;
}

/**
 * Whether Stripe still retries a subscription whose grace is over: it gives no plan, yet a new
 * one through Checkout would be a second subscription billing the same workspace.
 */
export function subscriptionLapsed(sub: KeptSubscription | null, now: number): boolean {
  return sub !== null && !sub.ended && RETRYING.has(sub.status) && !subscriptionHolds(sub, now);
}

/** The plan a subscription that holds gives at `now`: a downgrade's previous plan until its change. */
export function subscribedPlanId(sub: KeptSubscription, now: number): string {
  return sub.previousPlan && sub.changeAt !== null && now < sub.changeAt ? sub.previousPlan : sub.planId;
}

/** The subscription as clients see it, or null when there is none to show. */
export function subscriptionView(
  sub: KeptSubscription | null,
  config: BillingConfig,
  now: number,
): PlanSubscription | null {
  if (!sub || sub.ended) return null;
  const name = (id: string) => config.plans[id]?.name ?? id;
  const downgrading = sub.previousPlan !== null && sub.changeAt !== null && now < sub.changeAt;
  const failed = sub.paymentFailedAt !== null && RETRYING.has(sub.status);
  return {
    plan: { id: sub.planId, name: name(sub.planId) },
    status: sub.status,
    periodEnd: sub.periodEnd,
    endsAt: sub.cancelAtPeriodEnd ? sub.periodEnd : null,
    next: downgrading ? { id: sub.planId, name: name(sub.planId), at: sub.changeAt as number } : null,
    paymentFailed: failed
      ? { since: sub.paymentFailedAt as number, graceUntil: (sub.paymentFailedAt as number) + PAYMENT_GRACE_MS }
      : null,
  };
}

const n = (credits: number) => credits.toLocaleString("en-US");
const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/**
 * One of Stripe's events about the workspace's plan, applied once: the subscription's newer
 * snapshot, a paid invoice's credits, a failed payment. `credit` writes a ledger entry once by
 * its id. Answers whether anything changed.
 */
export function applyPlanNews(
  ctx: OpContext,
  config: BillingConfig,
  news: PlanNews,
  credit: (entry: { id: string; amount: number; note: string }) => boolean,
): boolean {
  const sub = keptSubscription(ctx.sql);
  if (sub?.applied.includes(news.eventId)) return false;
  if (news.kind === "subscription") {
    const s = news.subscription;
    const plan = planOfPrice(config, s.priceId);
    if (!plan) {
      console.error(JSON.stringify({ msg: "a subscription bills a price of no plan", price: s.priceId.slice(0, 80) }));
      return false;
    }
    // An older snapshot of the same subscription, or the end of one that was replaced, changes nothing.
    if (sub && sub.id === s.id && news.created < sub.eventAt) return false;
    if (sub && sub.id !== s.id && !sub.ended && s.ended) return false;
    const sameSub = sub?.id === s.id;
    keep(ctx.sql, {
      id: s.id,
      customerId: s.customerId,
      itemId: s.itemId,
      planId: plan.id,
      status: s.status,
      periodEnd: s.periodEnd * 1000,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      previousPlan: s.previousPlan && config.plans[s.previousPlan] ? s.previousPlan : null,
      changeAt: s.changeAt === null ? null : s.changeAt * 1000,
      ended: s.ended,
      paymentFailedAt: sameSub && PAYING.has(s.status) ? null : sameSub ? (sub?.paymentFailedAt ?? null) : null,
      eventAt: news.created,
      applied: remember(sameSub ? (sub?.applied ?? []) : [], news.eventId),
    });
    ctx.audit("billing.subscription", "workspace", {
      subscription: s.id,
      plan: plan.id,
      status: s.status,
      ...(s.cancelAtPeriodEnd ? { endsAt: s.periodEnd * 1000 } : {}),
      ...(s.ended ? { ended: true } : {}),
    });
    return true;
  }
  if (news.kind === "payment_failed") {
    // Of a subscription the room has not heard of: its snapshot's status says it when it comes.
    if (!sub || sub.id !== news.subscriptionId) return false;
    keep(ctx.sql, {
      ...sub,
      paymentFailedAt: sub.paymentFailedAt ?? news.created * 1000,
      applied: remember(sub.applied, news.eventId),
    });
    ctx.audit("billing.payment_failed", "workspace", { subscription: news.subscriptionId, invoice: news.invoiceId });
    return true;
  }
  // An invoice of a subscription the room has not heard of yet is credited all the same: its
  // snapshot may arrive after it.
  const credited = creditInvoice(config, news, credit);
  if (sub && sub.id === news.subscriptionId)
    keep(ctx.sql, { ...sub, paymentFailedAt: null, applied: remember(sub.applied, news.eventId) });
  return credited || sub?.paymentFailedAt != null;
}

/**
 * A paid invoice's credits: a new or renewed period credits its plan's included credits once
 * per subscription and period; an upgrade's prorated invoice credits the difference between
 * the plans' included credits once per period and plan.
 */
function creditInvoice(
  config: BillingConfig,
  news: Extract<PlanNews, { kind: "invoice_paid" }>,
  credit: (entry: { id: string; amount: number; note: string }) => boolean,
): boolean {
  const charged = news.lines.filter((line) => line.amount >= 0 && planOfPrice(config, line.priceId));
  const line = charged.at(-1);
  const plan = line ? (planOfPrice(config, line.priceId) as PlanConfig) : null;
  if (!line || !plan) return false;
  const period = `${day(line.start)} to ${day(line.end)}`;
  if (news.reason !== "subscription_update") {
    if (plan.includedCredits <= 0) return false;
    return credit({
      id: `stripe:plan-${news.subscriptionId}-${line.start}`,
      amount: plan.includedCredits,
      note: `${plan.name} plan: ${n(plan.includedCredits)} credits for ${period}`,
    });
  }
  const before = news.lines
    .filter((l) => l.amount < 0)
    .map((l) => planOfPrice(config, l.priceId))
    .find((p): p is PlanConfig => p !== null);
  const more = plan.includedCredits - (before?.includedCredits ?? 0);
  if (!before || more <= 0) return false;
  return credit({
    id: `stripe:upgrade-${news.subscriptionId}-${line.end}-${plan.id}`,
    amount: more,
    note: `Upgrade from ${before.name} to ${plan.name}: ${n(more)} more credits for ${period}`,
  });
}
