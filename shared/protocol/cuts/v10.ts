import type { Approval } from "../approvals";
import type { HelloPayload } from "../hello";
import type { Inbox } from "../inbox";
import type { Cut } from "./cut";

/**
 * Protocol 10 → 9. Added in 10: the workspace's money (the `billing.*` methods, the ephemeral
 * `billing.changed`, not sent to 9), spend approvals (an approval whose action is
 * `{kind: "spend"}`: 9 gets it without its action, its summary says what it is) and the
 * error code `payment_required` (9 gets `forbidden` with `details.reason: "payment_required"`,
 * kernel/sockets.ts). Read state: `threads.markRead`, the ephemeral `thread.read` and the hello's
 * `reads` are left out for 9 (a 10 client of a 9 room reads `reads` as none). The communities over
 * Nostr (`community.*` and the ephemeral `community.event`) are not for 9, nor are inbox items
 * that point at a community post (`target.kind: "community"`). Every cut converts
 * the hello, whatever else changed: it names the version the socket speaks, and a client
 * refuses a hello of another version than its own.
 */
type Obj = Record<string, unknown>;

/** 9 knows no spend action: the approval without it (what it is stays in the summary). */
const approvalDown = (a: Approval): Obj => (a.action?.kind === "spend" ? { ...a, action: null } : a);
/** 9 knows no community target: an inbox without those items (and their unread count). */
function inboxDown(p: { inbox: Inbox }): Obj {
  const community = p.inbox.items.filter((item) => item.target.kind === "community");
  if (community.length === 0) return p;
  const unread = community.filter((item) => !item.read).length;
  return {
    ...p,
    inbox: {
      ...p.inbox,
      items: p.inbox.items.filter((item) => item.target.kind !== "community"),
      unread: Math.max(0, p.inbox.unread - unread),
    },
  };
}
const withApproval = (p: { approval: Approval }): Obj => ({ ...p, approval: approvalDown(p.approval) });
const listDown = (p: { approvals: Approval[] }): Obj => ({ ...p, approvals: p.approvals.map(approvalDown) });

function snapshotDown(snapshot: HelloPayload["snapshot"]): Obj | null {
  if (!snapshot) return null;
  return { ...snapshot, approvals: snapshot.approvals.map(approvalDown) };
}

function hello(h: HelloPayload): Obj {
  const { reads: _reads, ...rest } = h;
  return { ...rest, protocol: 9, snapshot: snapshotDown(h.snapshot) };
}
const helloUp = (h: Obj): Obj => ({ ...h, protocol: 10, reads: {} });

const APPROVAL_RESULTS = [
  "approvals.get",
  "approvals.request",
  "approvals.resolve",
  "instances.backup",
  "instances.configureChannel",
  "instances.delete",
  "instances.disconnectChannel",
  "instances.link",
  "instances.provision",
  "instances.restart",
  "instances.restore",
  "instances.setChannelAccess",
  "instances.unpair",
  "instances.startChat",
  "sessions.send",
] as const;

const COMMUNITY_METHODS = [
  "community.feed",
  "community.post",
  "community.react",
  "community.report",
  "community.moderate",
  "community.queue",
  "community.identity",
] as const;

export const cut10: Cut = {
  from: 10,
  methods: ["billing.summary", "billing.entries", "billing.setBudget", "threads.markRead", ...COMMUNITY_METHODS],
  errors: { payment_required: "forbidden" },
  events: {
    hello,
    "approval.requested": withApproval,
    "approval.resolved": withApproval,
    "billing.changed": () => null,
    // 9 knows no typed gateway errors: the text says it.
    "chat.error": ({ code: _code, ...rest }: { code?: string }): Obj => rest,
    "thread.read": () => null,
    "community.event": () => null,
    "inbox.updated": inboxDown,
  },
  results: {
    ...Object.fromEntries(APPROVAL_RESULTS.map((method) => [method, withApproval])),
    "approvals.list": listDown,
    "inbox.get": inboxDown,
    "chat.goAhead": (p: { withdrawn: Approval[] }): Obj => ({ ...p, withdrawn: p.withdrawn.map(approvalDown) }),
  },
  up: {
    events: { hello: helloUp },
    results: {},
  },
};
