// Top-ups through Stripe Checkout (docs/billing.md): a hosted checkout session for one of the
// operator's top-up options, and the webhook that says it was paid, verified by Stripe's
// signature over the raw body before anything in it is believed. The `stripe` package is
// imported on first use: it is large, and most requests never touch it.
import { z } from "zod";
import type { TopUp } from "./config";

type StripeModule = typeof import("stripe");
type StripeClass = StripeModule["default"];
let loaded: Promise<StripeModule> | undefined;
async function stripeClass(): Promise<StripeClass> {
  loaded ??= import("stripe");
  return (await loaded).default;
}

/** Where the Stripe API is: unset for Stripe itself; a local stand-in (stripe-mock) when set. */
export interface StripeApiEnv {
  STRIPE_API_BASE?: string;
}

/** Marks the sessions this server opened: other products on the same Stripe account get their own events too. */
const PURPOSE = "autopilot_topup";

function apiAddress(base: string | undefined): { host: string; port: number; protocol: "http" | "https" } | null {
  if (!base?.trim()) return null;
  const url = new URL(base);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return { host: url.hostname, port: Number(url.port) || (protocol === "http" ? 80 : 443), protocol };
}

export async function client(secretKey: string, env: StripeApiEnv) {
  const Stripe = await stripeClass();
  return new Stripe(secretKey, {
    // Workers have fetch, not Node's http.
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 1,
    timeout: 20_000,
    telemetry: false,
    ...apiAddress(env.STRIPE_API_BASE),
  });
}

export interface CheckoutRequest {
  secretKey: string;
  workspaceId: string;
  topUp: TopUp;
  /** The app's origin the buyer comes back to (a configured one, never the request's Host). */
  origin: string;
  /** Prefills Stripe's form with the buyer's address. */
  email: string | null;
}

/** A hosted Checkout Session for the top-up: the URL of Stripe's page, or an error from Stripe. */
export async function createCheckout(env: StripeApiEnv, request: CheckoutRequest): Promise<string> {
  const { workspaceId, topUp, origin } = request;
  const stripe = await client(request.secretKey, env);
  const back = (outcome: string) => `${origin}/?w=${encodeURIComponent(workspaceId)}&billing=${outcome}`;
  const metadata = { purpose: PURPOSE, workspaceId, credits: String(topUp.credits) };
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: topUp.currency,
          unit_amount: topUp.amount,
          product_data: { name: `${topUp.credits.toLocaleString("en-US")} credits` },
        },
      },
    ],
    success_url: back("paid"),
    cancel_url: back("cancelled"),
    client_reference_id: workspaceId,
    metadata,
    payment_intent_data: { metadata },
    ...(request.email ? { customer_email: request.email } : {}),
  });
  if (!session.url) throw new Error(`Stripe opened checkout session ${session.id} without a URL`);
  return session.url;
}

/** What a top-up's webhook delivery comes to. */
export type WebhookOutcome =
  /** From Stripe, but nothing to credit (another event type, not paid yet, another product's session): 200. */
  | { kind: "ignored"; reason: string }
  | { kind: "paid"; eventId: string; sessionId: string; workspaceId: string; credits: number };

/** A delivery whose signature held: Stripe's event, or why nothing in it is believed (400). */
export type Verified = { kind: "refused"; reason: string } | { kind: "event"; event: StripeEvent };
export type StripeEvent = Awaited<ReturnType<StripeClass["webhooks"]["constructEventAsync"]>>;

/** The events that say a checkout session was paid: at once (a card), or later (a bank debit). */
const PAID_EVENTS = new Set(["checkout.session.completed", "checkout.session.async_payment_succeeded"]);

/** What of a paid session this server reads: the fields it set itself when it opened it. */
const PaidSession = z.object({
  id: z.string().regex(/^cs_[A-Za-z0-9_]{1,200}$/),
  mode: z.literal("payment"),
  payment_status: z.string(),
  client_reference_id: z.string().nullable(),
  metadata: z.object({
    purpose: z.literal(PURPOSE),
    workspaceId: z.string().min(1).max(200),
    credits: z.string().regex(/^[1-9][0-9]{0,11}$/),
  }),
});

/** Why a signed session cannot be credited, or null. */
function unusable(session: z.infer<typeof PaidSession>): string | null {
  if (session.payment_status !== "paid") return `payment status ${session.payment_status.slice(0, 40)}`;
  if (session.client_reference_id !== session.metadata.workspaceId) return "client_reference_id and metadata differ";
  return null;
}

/** How far a delivery's signed timestamp may be from now, either way (Stripe's own default). */
const TOLERANCE_S = 300;

/**
 * Why a header's timestamps are not within the tolerance of now, or null. The package refuses
 * one too old, but not one in the future (its age is then negative): a delivery signed ahead
 * of time would stay good until then. Every `t=` is checked, whichever the package reads.
 */
function timestampRefusal(header: string, nowS: number): string | null {
  const stamps = header
    .split(",")
    .map((item) => item.split("="))
    .filter(([key]) => key?.trim() === "t")
    .map(([, value]) => Number(value));
  if (stamps.length === 0) return "no timestamp in the Stripe-Signature header";
  if (stamps.some((t) => !Number.isSafeInteger(t) || Math.abs(nowS - t) > TOLERANCE_S))
    return "Timestamp outside the tolerance zone";
  return null;
}

/**
 * Verifies a delivery's `Stripe-Signature` over its raw body with the endpoint's secret, and its
 * timestamp within five minutes of now either way (an old one is a replay; one ahead of time is
 * no delivery Stripe made now).
 */
export async function verifiedEvent(secret: string, payload: string, signature: string | null): Promise<Verified> {
  if (!signature) return { kind: "refused", reason: "no Stripe-Signature header" };
  const Stripe = await stripeClass();
  let event: StripeEvent;
  try {
    event = await Stripe.webhooks.constructEventAsync(
      payload,
      signature,
      secret,
      TOLERANCE_S,
      Stripe.createSubtleCryptoProvider(),
    );
  } catch (error) {
    return { kind: "refused", reason: error instanceof Error ? error.message.slice(0, 200) : "bad signature" };
  }
  const early = timestampRefusal(signature, Math.floor(Date.now() / 1000));
  if (early) return { kind: "refused", reason: early };
  return { kind: "event", event };
}

/** A verified event as a top-up: a paid checkout session this server opened, or why it is none. */
export function topUpOf(event: StripeEvent): WebhookOutcome {
  if (!PAID_EVENTS.has(event.type)) return { kind: "ignored", reason: `event type ${event.type}` };
  const session = PaidSession.safeParse(event.data.object);
  if (!session.success) return { kind: "ignored", reason: "not a top-up this server opened" };
  const reason = unusable(session.data);
  if (reason) return { kind: "ignored", reason };
  return {
    kind: "paid",
    eventId: event.id,
    sessionId: session.data.id,
    workspaceId: session.data.metadata.workspaceId,
    credits: Number(session.data.metadata.credits),
  };
}
