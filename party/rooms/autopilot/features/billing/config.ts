// The operator's price table and plans, from the Worker's vars (JSON), each bounded: a value
// that does not parse falls back to the default with a log line, never to "free" or to a
// refusal of everything. Read by the Autopilot room (metering, budgets) and the Worker's
// billing routes (Stripe Checkout, the operators' grants).
import { z } from "zod";

export interface BillingEnv {
  BILLING_PLANS?: string;
  BILLING_DEFAULT_PLAN?: string;
  BILLING_PRICES?: string;
  BILLING_TOPUPS?: string;
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  /** The most output tokens one of the Autopilot's model calls may take: the worst case a budget check counts. */
  AUTOPILOT_MODEL_MAX_OUTPUT_TOKENS?: string;
}

const credits = z.number().int().min(0).max(1_000_000_000_000);
/** Credits per million tokens: fractions of a credit per token are fine, the entry is rounded up. */
const perMillion = z.number().min(0).max(1_000_000_000);

const PlanSchema = z.object({
  name: z.string().min(1).max(80),
  includedCredits: credits,
  maxInstances: z.number().int().min(0).max(10_000).nullable().default(null),
  maxSeats: z.number().int().min(0).max(100_000).nullable().default(null),
  /** How long a hosted instance is idle before its gateway sleeps (decision 78); 0: it never sleeps. */
  sleepAfterMinutes: z.number().min(0).max(10_080).default(15),
  /** What a month of it costs, for people to read; with `stripePrice`, people choose it themselves. */
  monthlyPrice: z
    .object({ amount: z.number().int().min(0).max(100_000_000), currency: z.string().regex(/^[a-z]{3}$/) })
    .nullable()
    .default(null),
  /** The recurring monthly Stripe Price a subscription to the plan is billed by. */
  stripePrice: z
    .string()
    .regex(/^price_[A-Za-z0-9_]{1,200}$/)
    .nullable()
    .default(null),
});
const PlansSchema = z.record(z.string().regex(/^[a-z0-9_-]{1,40}$/), PlanSchema);

const TokenPrice = z.object({ input: perMillion, output: perMillion });
const PricesSchema = z.object({
  /** By model id; `default` for any other. */
  models: z.record(z.string().max(200), TokenPrice).default({}),
  default: TokenPrice.default({ input: 1000, output: 3000 }),
  /** What a gateway's model use costs (the runtime's pass-through counts its tokens). */
  gateway: TokenPrice.default({ input: 1000, output: 3000 }),
  /** An hour of a hosted instance running. */
  instanceHour: credits.default(100),
});

const TopUpsSchema = z
  .array(
    z.object({
      credits: credits.min(1),
      /** What the buyer pays, in the currency's smallest unit (cents). */
      amount: z.number().int().min(50).max(10_000_000),
      currency: z.string().regex(/^[a-z]{3}$/),
    }),
  )
  .max(10);

export type PlanConfig = z.infer<typeof PlanSchema> & { id: string };
export type PriceTable = z.infer<typeof PricesSchema>;
export type TopUp = z.infer<typeof TopUpsSchema>[number];

export interface BillingConfig {
  plans: Record<string, PlanConfig>;
  defaultPlan: string;
  prices: PriceTable;
  /** Worst-case output of one model call (also passed to the call, so it is a real bound). */
  maxOutputTokens: number;
  /** Null when Stripe is not configured: top-ups are off and operators grant credits by hand. */
  stripe: { secretKey: string; webhookSecret: string; topUps: TopUp[] } | null;
}

const DEFAULT_PLANS: Record<string, PlanConfig> = {
  standard: {
    id: "standard",
    name: "Standard",
    includedCredits: 100_000,
    maxInstances: 10,
    maxSeats: null,
    sleepAfterMinutes: 15,
    monthlyPrice: null,
    stripePrice: null,
  },
};

const DEFAULT_TOPUPS: TopUp[] = [
  { credits: 10_000, amount: 1000, currency: "usd" },
  { credits: 50_000, amount: 4500, currency: "usd" },
];

function parsed<T>(name: string, text: string | undefined, schema: z.ZodType<T>, fallback: T): T {
  if (!text?.trim()) return fallback;
  try {
    const result = schema.safeParse(JSON.parse(text));
    if (result.success) return result.data;
    console.error(
      JSON.stringify({ msg: `${name} is not valid; using the default`, issues: result.error.issues.length }),
    );
  } catch {
    console.error(JSON.stringify({ msg: `${name} is not JSON; using the default` }));
  }
  return fallback;
}

export function readBillingConfig(env: BillingEnv): BillingConfig {
  const given = parsed("BILLING_PLANS", env.BILLING_PLANS, PlansSchema, null);
  const plans: Record<string, PlanConfig> =
    given && Object.keys(given).length > 0
      ? Object.fromEntries(Object.entries(given).map(([id, plan]) => [id, { ...plan, id }]))
      : DEFAULT_PLANS;
  const wanted = env.BILLING_DEFAULT_PLAN?.trim();
  const defaultPlan = wanted && plans[wanted] ? wanted : (Object.keys(plans)[0] as string);
  const prices = parsed("BILLING_PRICES", env.BILLING_PRICES, PricesSchema, PricesSchema.parse({}));
  const maxOutput = Number(env.AUTOPILOT_MODEL_MAX_OUTPUT_TOKENS);
  const secretKey = env.STRIPE_SECRET_KEY?.trim();
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET?.trim();
  return {
    plans,
    defaultPlan,
    prices,
    maxOutputTokens: Number.isInteger(maxOutput) && maxOutput >= 256 && maxOutput <= 200_000 ? maxOutput : 8192,
    stripe:
      secretKey && webhookSecret
        ? {
            secretKey,
            webhookSecret,
            topUps: parsed("BILLING_TOPUPS", env.BILLING_TOPUPS, TopUpsSchema, DEFAULT_TOPUPS),
          }
        : null,
  };
}

/** Credits for tokens at a price per million, rounded up: a call is never free by rounding. */
export function tokenCost(price: { input: number; output: number }, inputTokens: number, outputTokens: number): number {
  return Math.ceil((inputTokens * price.input + outputTokens * price.output) / 1_000_000);
}

/** The price of the Autopilot's model calls with this model. */
export const modelPrice = (prices: PriceTable, modelId: string) => prices.models[modelId] ?? prices.default;

/** An amount in a currency's smallest unit, in words: "$10.00" or "45.00 EUR". */
export function moneyWords(amount: number, currency: string): string {
  const value = (amount / 100).toFixed(2);
  return currency === "usd" ? `$${value}` : `${value} ${currency.toUpperCase()}`;
}

/** A top-up's price in words, e.g. "$10.00" or "45.00 EUR". */
export const topUpPrice = (topUp: TopUp): string => moneyWords(topUp.amount, topUp.currency);

/** A plan people may choose themselves: Stripe is configured and the plan has a price and a Stripe Price. */
export type OfferedPlan = PlanConfig & { monthlyPrice: NonNullable<PlanConfig["monthlyPrice"]>; stripePrice: string };

export function offeredPlans(config: BillingConfig): OfferedPlan[] {
  if (!config.stripe) return [];
  return Object.values(config.plans).filter(
    (plan): plan is OfferedPlan => plan.monthlyPrice !== null && plan.stripePrice !== null,
  );
}

/** The plan a Stripe Price bills, or null (another product's price, or a plan the operator removed). */
export const planOfPrice = (config: BillingConfig, priceId: string): PlanConfig | null =>
  Object.values(config.plans).find((plan) => plan.stripePrice === priceId) ?? null;

/** Whether moving from `from` to `to` costs more a month (an upgrade: at once) or not (at the period's end). */
export const isUpgrade = (from: PlanConfig, to: PlanConfig): boolean =>
  (to.monthlyPrice?.amount ?? 0) > (from.monthlyPrice?.amount ?? 0);

/** The calendar month (UTC) `now` is in: the period plans credit and budgets count. */
export function periodOf(now: number): { start: number; end: number; key: string } {
  const date = new Date(now);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { start, end, key: new Date(start).toISOString().slice(0, 7) };
}
