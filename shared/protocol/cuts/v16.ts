import type { HelloPayload } from "../hello";
import { APPROVAL_RESULTS, type Cut } from "./cut";

/**
 * Protocol 16 → 15. Added in 16: plans people choose (Stripe Billing): the billing state's
 * `planSource`, `subscription` and `plans`; agent keys' spending allowances: the state's
 * `allowances`, `billing.setAllowance`, and an approval's `decidedIn: "allowance"` (left out
 * for 15, which then says nothing of where it was decided). All left out for 15 wherever they travel.
 */
type Obj = Record<string, unknown>;

const isBillingState = (value: Obj): boolean => "plan" in value && "period" in value && "topUps" in value;
const ADDED = new Set(["planSource", "subscription", "plans", "allowances"]);

/** `value` without what 15 lacks, however deep. */
function for15(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(for15);
  if (value === null || typeof value !== "object") return value;
  const state = isBillingState(value as Obj);
  // An approval its key's spending allowance approved: 15 knows no such place, and says none.
  const byAllowance = (value as Obj).decidedIn === "allowance";
  const entries = Object.entries(value as Obj).filter(
    ([key]) => !(state && ADDED.has(key)) && !(byAllowance && key === "decidedIn"),
  );
  return Object.fromEntries(entries.map(([key, inner]) => [key, for15(inner)]));
}

/** What a 15 server's state means in 16: the plan is not a subscription's, and none is on offer. */
function upTo16(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(upTo16);
  if (value === null || typeof value !== "object") return value;
  const obj = Object.fromEntries(Object.entries(value as Obj).map(([key, inner]) => [key, upTo16(inner)]));
  return isBillingState(obj) ? { planSource: "default", subscription: null, plans: [], allowances: [], ...obj } : obj;
}

const cut = (payload: Obj): unknown => for15(payload);
const up = (payload: Obj): unknown => upTo16(payload);

/** Every result that carries the billing state or an approval. */
const CHANGED_IN_16 = [...APPROVAL_RESULTS, "billing.setAlerts", "billing.setBudget", "billing.summary"] as const;
/** Only the billing state gained fields a 15 server's results lack; an approval's `decidedIn` was optional already. */
const STATE_RESULTS = ["billing.setAlerts", "billing.setBudget", "billing.summary"] as const;

export const cut16: Cut = {
  from: 16,
  methods: ["billing.setAllowance"],
  events: {
    hello: (h: HelloPayload) => ({ ...(for15(h) as Obj), protocol: 15 }),
    "approval.requested": cut,
    "approval.resolved": cut,
    "approval.updated": cut,
    "billing.changed": cut,
  },
  results: Object.fromEntries(CHANGED_IN_16.map((method) => [method, cut])),
  up: {
    events: { hello: (h: Obj): Obj => ({ ...h, protocol: 16 }), "billing.changed": up },
    results: Object.fromEntries(STATE_RESULTS.map((method) => [method, up])),
  },
};
