import type { HelloPayload } from "../hello";
import type { Cut } from "./cut";

/**
 * Protocol 15 → 14. Added in 15: a spend approval's `granted` (what a person approved, their
 * figure or what it asked) and `waiting` (other replies waiting on it), left out for 14
 * wherever an approval travels; `approvals.resolve`'s `amount` (14 never sends it); and the
 * durable `approval.updated`, which 14 takes as an event it does not know (its approvals
 * list shows what was asked when the approval was filed until it is decided).
 */
type Obj = Record<string, unknown>;

/** A spend approval's action is the one object with these. */
const isSpendAction = (value: Obj): boolean => value.kind === "spend" && "budget" in value && "for" in value;

/** `value` without what 14 lacks, however deep. */
function for14(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(for14);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Obj;
  const spend = isSpendAction(obj);
  const entries = Object.entries(obj).filter(([key]) => !(spend && (key === "granted" || key === "waiting")));
  return Object.fromEntries(entries.map(([key, inner]) => [key, for14(inner)]));
}

const cut = (payload: Obj): unknown => for14(payload);

/** Every result that carries an approval. */
const CHANGED_IN_15 = [
  "approvals.request",
  "approvals.resolve",
  "approvals.list",
  "approvals.get",
  "chat.goAhead",
  "instances.backup",
  "instances.configureChannel",
  "instances.delete",
  "instances.disconnectChannel",
  "instances.link",
  "instances.provision",
  "instances.restart",
  "instances.restore",
  "instances.setChannelAccess",
  "instances.startChat",
  "instances.unpair",
] as const;

export const cut15: Cut = {
  from: 15,
  methods: [],
  events: {
    hello: (h: HelloPayload) => ({ ...(for14(h) as Obj), protocol: 14 }),
    "approval.requested": cut,
    "approval.resolved": cut,
    "approval.updated": cut,
  },
  results: Object.fromEntries(CHANGED_IN_15.map((method) => [method, cut])),
  up: { events: { hello: (h: Obj): Obj => ({ ...h, protocol: 15 }) }, results: {} },
};
