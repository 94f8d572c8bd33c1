import type { HelloPayload } from "../hello";
import type { Cut } from "./cut";

/**
 * Protocol 13 → 12. Added in 13: the workspace's chats (`chats.get`, `chats.connect`,
 * `chats.disconnect`, `chats.linkCode`, `chats.unlink` and the ephemeral `chats.changed`, not
 * sent to 12) and where a decision was taken (`decidedIn` on an approval, left out for 12
 * wherever an approval travels).
 */
type Obj = Record<string, unknown>;

/** An approval is the one object with both of these; only it loses `decidedIn`. */
const isApproval = (value: Obj): boolean => "selfConfirmed" in value && "requestedBy" in value;

/** `value` with `decidedIn` taken off every approval in it, however deep. */
function withoutDecidedIn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDecidedIn);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Obj).filter(([key]) => !(key === "decidedIn" && isApproval(value as Obj)));
  return Object.fromEntries(entries.map(([key, inner]) => [key, withoutDecidedIn(inner)]));
}

const cutApprovals = (payload: Obj): unknown => withoutDecidedIn(payload);

const WITH_APPROVALS = [
  "approvals.get",
  "approvals.list",
  "approvals.request",
  "approvals.resolve",
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

export const cut13: Cut = {
  from: 13,
  methods: ["chats.get", "chats.connect", "chats.disconnect", "chats.linkCode", "chats.unlink"],
  events: {
    hello: (h: HelloPayload) => ({ ...(withoutDecidedIn(h) as Obj), protocol: 12 }),
    "approval.requested": cutApprovals,
    "approval.resolved": cutApprovals,
    "chats.changed": () => null,
  },
  results: Object.fromEntries(WITH_APPROVALS.map((method) => [method, cutApprovals])),
  up: { events: { hello: (h: Obj): Obj => ({ ...h, protocol: 13 }) }, results: {} },
};
