// Plans through Stripe Billing (docs/billing.md, decision 61), the Worker's side: a Checkout
// Session in subscription mode for a first plan, a change of the subscription's price for the
// next (an upgrade at once, prorated; a downgrade at the period's end), the customer portal for
// the card and cancellation, and what a verified event says about a plan (the room applies it:
// subscription.ts). Only the fields this server set or reads are believed, each bounded.
import { z } from "zod";
import type { PlanConfig } from "./config";
import type { SubscriptionRef } from "./operator-rpc";
import { client, type StripeApiEnv, type StripeEvent } from "./stripe";
import type { PlanNews } from "./subscription";

/** Marks the subscriptions this server opened: other products on the same Stripe account get their events too. */
const PURPOSE = "autopilot_plan";

const Metadata = z.object({
  purpose: z.literal(PURPOSE),
  workspaceId: z.string().min(1).max(200),
  previousPlan: z.string().max(40).optional(),
  // Stripe removes a key set empty; an empty one is read as none all the same.
  changeAt: z
    .string()
    .regex(/^[0-9]{0,11}$/)
    .optional(),
});

const Seconds = z.number().int().min(0).max(1e11);
const PriceRef = z.union([z.string().max(210), z.object({ id: z.string().max(210) })]);
const priceId = (ref: z.infer<typeof PriceRef>) => (typeof ref === "string" ? ref : ref.id);

/** A subscription as Stripe sends it: its period on the item (since 2025) or on itself (before). */
const SubscriptionObject = z.object({
  id: z.string(),
  customer: z.union([z.string(), z.object({ id: z.string() })]),
  status: z.string().max(40),
  cancel_at_period_end: z.boolean().default(false),
  current_period_start: Seconds.optional(),
  current_period_end: Seconds.optional(),
  metadata: Metadata,
  items: z.object({
    data: z
      .array(
        z.object({
          id: z.string(),
          price: PriceRef,
          current_period_start: Seconds.optional(),
          current_period_end: Seconds.optional(),
        }),
      )
      .min(1)
      .max(20),
  }),
});

const InvoiceLine = z.object({
  amount: z.number().int(),
  period: z.object({ start: Seconds, end: Seconds }),
  /** Since 2025: the price is under `pricing.price_details`; before, `price`. */
  pricing: z.object({ price_details: z.object({ price: PriceRef }).nullish() }).nullish(),
  price: PriceRef.nullish(),
});

/** An invoice: its subscription and that subscription's metadata under `parent` (since 2025) or on itself (before). */
const InvoiceObject = z.object({
  id: z.string(),
  billing_reason: z.string().nullable(),
  parent: z
    .object({
      subscription_details: z
        .object({ subscription: z.union([z.string(), z.object({ id: z.string() })]), metadata: Metadata.nullish() })
        .nullish(),
    })
    .nullish(),
  subscription: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  subscription_details: z.object({ metadata: Metadata.nullish() }).nullish(),
  lines: z.object({ data: z.array(InvoiceLine).max(20) }),
});

const idOf = (ref: string | { id: string }) => (typeof ref === "string" ? ref : ref.id);
const SUBSCRIPTION_EVENTS = new Set([
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
]);
const INVOICE_REASONS = new Set(["subscription_create", "subscription_cycle", "subscription_update"]);

type Ignored = { kind: "ignored"; reason: string };

/** What a verified event says about a plan this server sold, or why it says nothing. */
export function planNewsOf(event: StripeEvent): PlanNews | Ignored {
  const base = { eventId: event.id, created: event.created };
  if (SUBSCRIPTION_EVENTS.has(event.type)) {
    const parsed = SubscriptionObject.safeParse(event.data.object);
    if (!parsed.success) return { kind: "ignored", reason: "not a subscription this server opened" };
    const sub = parsed.data;
    const item = sub.items.data[0] as (typeof sub.items.data)[number];
    const periodStart = item.current_period_start ?? sub.current_period_start;
    const periodEnd = item.current_period_end ?? sub.current_period_end;
    if (periodStart === undefined || periodEnd === undefined) return { kind: "ignored", reason: "no period" };
    return {
      kind: "subscription",
      ...base,
      workspaceId: sub.metadata.workspaceId,
      subscription: {
        id: sub.id,
        customerId: idOf(sub.customer),
        itemId: item.id,
        priceId: priceId(item.price),
        status: sub.status,
        periodStart,
        periodEnd,
        cancelAtPeriodEnd: sub.cancel_at_period_end,
        previousPlan: sub.metadata.previousPlan || null,
        changeAt: sub.metadata.changeAt ? Number(sub.metadata.changeAt) : null,
        ended: event.type === "customer.subscription.deleted",
      },
    };
  }
  if (event.type !== "invoice.paid" && event.type !== "invoice.payment_failed")
    return { kind: "ignored", reason: `event type ${event.type}` };
  const parsed = InvoiceObject.safeParse(event.data.object);
  if (!parsed.success) return { kind: "ignored", reason: "not an invoice this server reads" };
  const invoice = parsed.data;
  const details = invoice.parent?.subscription_details;
  const subscription = details?.subscription ?? invoice.subscription;
  const metadata = details?.metadata ?? invoice.subscription_details?.metadata;
  if (!subscription || !metadata) return { kind: "ignored", reason: "not a subscription this server opened" };
  const common = {
    ...base,
    workspaceId: metadata.workspaceId,
    invoiceId: invoice.id,
    subscriptionId: idOf(subscription),
  };
  if (event.type === "invoice.payment_failed") return { kind: "payment_failed", ...common };
  const reason = invoice.billing_reason ?? "";
  if (!INVOICE_REASONS.has(reason)) return { kind: "ignored", reason: `billing reason ${reason.slice(0, 40)}` };
  const lines = invoice.lines.data.flatMap((line) => {
    const ref = line.pricing?.price_details?.price ?? line.price;
    return ref ? [{ priceId: priceId(ref), amount: line.amount, start: line.period.start, end: line.period.end }] : [];
  });
  return { kind: "invoice_paid", ...common, reason: reason as "subscription_create", lines };
}

export interface PlanCheckout {
  secretKey: string;
  workspaceId: string;
  plan: PlanConfig & { stripePrice: string };
  /** The app's origin the buyer comes back to (a configured one, never the request's Host). */
  origin: string;
  email: string | null;
  /** The customer Stripe already knows the workspace as (an earlier subscription), so its card is kept. */
  customerId: string | null;
}

const backTo = (origin: string, workspaceId: string, outcome: string) =>
  `${origin}/?w=${encodeURIComponent(workspaceId)}&billing=${outcome}`;

/** A hosted Checkout Session that subscribes the workspace to the plan: the URL of Stripe's page. */
export async function openPlanCheckout(env: StripeApiEnv, request: PlanCheckout): Promise<string> {
  const { workspaceId, plan, origin } = request;
  const stripe = await client(request.secretKey, env);
  const metadata = { purpose: PURPOSE, workspaceId };
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: plan.stripePrice, quantity: 1 }],
    success_url: backTo(origin, workspaceId, "subscribed"),
    cancel_url: backTo(origin, workspaceId, "cancelled"),
    client_reference_id: workspaceId,
    metadata,
    subscription_data: { metadata },
    ...(request.customerId ? { customer: request.customerId } : request.email ? { customer_email: request.email } : {}),
  });
  if (!session.url) throw new Error(`Stripe opened checkout session ${session.id} without a URL`);
  return session.url;
}

/**
 * Moves the subscription to another plan's price. An upgrade takes effect at once and Stripe
 * invoices the rest of the period, prorated; a downgrade is billed from the next period and
 * the room keeps the current plan until then (the metadata says which and when). Choosing a
 * plan while cancelled keeps the subscription.
 */
export async function changePlan(
  env: StripeApiEnv,
  request: {
    secretKey: string;
    workspaceId: string;
    sub: SubscriptionRef;
    from: PlanConfig;
    to: PlanConfig & { stripePrice: string };
    upgrade: boolean;
  },
): Promise<void> {
  const { sub, from, to, upgrade } = request;
  if (!sub.itemId) throw new Error("the subscription has no item to change");
  const stripe = await client(request.secretKey, env);
  await stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.itemId, price: to.stripePrice }],
    proration_behavior: upgrade ? "always_invoice" : "none",
    cancel_at_period_end: false,
    metadata: {
      purpose: PURPOSE,
      workspaceId: request.workspaceId,
      // Stripe keeps metadata keys until they are set empty: an upgrade clears a downgrade's.
      previousPlan: upgrade ? "" : from.id,
      changeAt: upgrade ? "" : String(Math.floor(sub.periodEnd / 1000)),
    },
  });
}

/** The customer portal (card, invoices, cancellation): the URL of Stripe's page. */
export async function openPortal(
  env: StripeApiEnv,
  request: { secretKey: string; customerId: string; origin: string; workspaceId: string },
): Promise<string> {
  const stripe = await client(request.secretKey, env);
  const session = await stripe.billingPortal.sessions.create({
    customer: request.customerId,
    return_url: backTo(request.origin, request.workspaceId, "managed"),
  });
  return session.url;
}
