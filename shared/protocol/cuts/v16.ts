import type { HelloPayload } from "../hello";
import type { Cut } from "./cut";

/**
 * Protocol 16 → 15. Added in 16: plans people choose (Stripe Billing): the billing state's
 * `planSource`, `subscription` and `plans`, left out for 15 wherever the state travels.
 */
type Obj = Record<string, unknown>;

const isBillingState = (value: Obj): boolean => "plan" in value && "period" in value && "topUps" in value;
const ADDED = new Set(["planSource", "subscription", "plans"]);

/** `value` without what 15 lacks, however deep. */
function for15(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(for15);
  if (value === null || typeof value !== "object") return value;
  const state = isBillingState(value as Obj);
  const entries = Object.entries(value as Obj).filter(([key]) => !(state && ADDED.has(key)));
  return Object.fromEntries(entries.map(([key, inner]) => [key, for15(inner)]));
}

/** What a 15 server's state means in 16: the plan is not a subscription's, and none is on offer. */
function upTo16(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(upTo16);
  if (value === null || typeof value !== "object") return value;
  const obj = Object.fromEntries(Object.entries(value as Obj).map(([key, inner]) => [key, upTo16(inner)]));
  return isBillingState(obj) ? { planSource: "default", subscription: null, plans: [], ...obj } : obj;
}

const cut = (payload: Obj): unknown => for15(payload);
const up = (payload: Obj): unknown => upTo16(payload);

/** Every result that carries the billing state. */
const CHANGED_IN_16 = ["billing.setAlerts", "billing.setBudget", "billing.summary"] as const;

export const cut16: Cut = {
  from: 16,
  methods: [],
  events: {
    hello: (h: HelloPayload) => ({ ...h, protocol: 15 }),
    "billing.changed": cut,
  },
  results: Object.fromEntries(CHANGED_IN_16.map((method) => [method, cut])),
  up: {
    events: { hello: (h: Obj): Obj => ({ ...h, protocol: 16 }), "billing.changed": up },
    results: Object.fromEntries(CHANGED_IN_16.map((method) => [method, up])),
  },
};
