import type { HelloPayload } from "../hello";
import { APPROVAL_RESULTS, type Cut } from "./cut";

/**
 * Protocol 15 → 14. Added in 15: a spend approval's `granted` (what a person approved, their
 * figure or what it asked) and `waiting` (other replies waiting on it), left out for 14
 * wherever an approval travels; `approvals.resolve`'s `amount` (14 never sends it); the
 * durable `approval.updated`, which 14 takes as an event it does not know (its approvals
 * list shows what was asked when the approval was filed until it is decided); money alerts:
 * the billing state's `alerts`, `billing.setAlerts`, the inbox's `billing` items (left out,
 * and out of the unread count) and preferences.
 */
type Obj = Record<string, unknown>;

/** A spend approval's action is the one object with these; the billing state, the inbox and its preferences likewise. */
const isSpendAction = (value: Obj): boolean => value.kind === "spend" && "budget" in value && "for" in value;
const isBillingState = (value: Obj): boolean => "plan" in value && "period" in value && "topUps" in value;
const isInbox = (value: Obj): boolean => "items" in value && "unread" in value && "preferences" in value;
const isPreferences = (value: Obj): boolean => "approval" in value && "failure" in value && "emailAfterMs" in value;

/** An inbox without its money alerts, counted unread without them. */
function inboxFor14(inbox: Obj): Obj {
  const items = Array.isArray(inbox.items) ? (inbox.items as Obj[]) : [];
  const alerts = items.filter((item) => item.kind === "billing");
  const unreadAlerts = alerts.filter((item) => item.read !== true).length;
  return {
    ...inbox,
    items: items.filter((item) => item.kind !== "billing"),
    unread: Math.max(0, Number(inbox.unread) - unreadAlerts),
  };
}

/** `value` without what 14 lacks, however deep. */
function for14(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(for14);
  if (value === null || typeof value !== "object") return value;
  const obj = isInbox(value as Obj) ? inboxFor14(value as Obj) : (value as Obj);
  const spend = isSpendAction(obj);
  const state = isBillingState(obj);
  const preferences = isPreferences(obj);
  const entries = Object.entries(obj).filter(
    ([key]) =>
      !(spend && (key === "granted" || key === "waiting")) &&
      !(state && key === "alerts") &&
      !(preferences && key === "billing"),
  );
  return Object.fromEntries(entries.map(([key, inner]) => [key, for14(inner)]));
}

const cut = (payload: Obj): unknown => for14(payload);

/** Every result that carries an approval, the billing state or the inbox. */
const CHANGED_IN_15 = [
  ...APPROVAL_RESULTS,
  "billing.setBudget",
  "billing.summary",
  "inbox.configure",
  "inbox.get",
] as const;

export const cut15: Cut = {
  from: 15,
  methods: ["billing.setAlerts", "tasks.estimate"],
  events: {
    hello: (h: HelloPayload) => ({ ...(for14(h) as Obj), protocol: 14 }),
    "approval.requested": cut,
    "approval.resolved": cut,
    "approval.updated": cut,
    "billing.changed": cut,
    "inbox.updated": cut,
  },
  results: Object.fromEntries(CHANGED_IN_15.map((method) => [method, cut])),
  up: { events: { hello: (h: Obj): Obj => ({ ...h, protocol: 15 }) }, results: {} },
};
