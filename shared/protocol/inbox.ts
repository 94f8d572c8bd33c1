import { z } from "zod";
import { EntityId, mutatingParams, Timestamp } from "./common";

/**
 * Protocol 8: a person's inbox — what in the workspace waits for them. The room derives
 * it from its state (an item leaves when its cause does) and sends it only to that
 * person's sockets (`inbox.updated`); what they read, follow and want to be told is kept
 * per person in the room. Agents have no inbox.
 */
export const InboxKind = z.enum(["approval", "mention", "reply", "failure", "billing"]);
export type InboxKind = z.infer<typeof InboxKind>;

/** An item's key names its cause (`approval:<id>`, `mention:<messageId>`, …); read state is kept by key. */
export const InboxKey = z.string().min(1).max(200);

/** What an item points at, so the app can open it. */
export const InboxTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("approval"), approvalId: EntityId }),
  z.object({ kind: z.literal("thread"), threadId: EntityId, messageId: EntityId.optional() }),
  z.object({ kind: z.literal("job"), jobId: EntityId }),
  z.object({ kind: z.literal("instance"), instanceId: z.string().max(64) }),
  /** Protocol 10: a post in the workspace's community (community.ts); not for 9. */
  z.object({ kind: z.literal("community"), eventId: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Protocol 12: a schedule whose last run failed (schedules.ts); not for 11. */
  z.object({ kind: z.literal("schedule"), scheduleId: EntityId }),
  /** Protocol 15: the workspace's money (a budget or the balance past an alert's threshold); not for 14. */
  z.object({ kind: z.literal("billing") }),
]);
export type InboxTarget = z.infer<typeof InboxTarget>;

export const InboxItem = z.object({
  key: InboxKey,
  kind: InboxKind,
  /** When the cause happened (an approval's request, a message, a failure). */
  at: Timestamp,
  title: z.string().max(300),
  detail: z.string().max(500),
  target: InboxTarget,
  read: z.boolean(),
});
export type InboxItem = z.infer<typeof InboxItem>;

/** Where a kind of item reaches the person besides the inbox itself. */
export const InboxChannels = z.object({
  /** A browser notification while a tab of the app is open (and the browser allows it). */
  browser: z.boolean(),
  /** An e-mail once the item has waited unread for `emailAfterMs`. */
  email: z.boolean(),
  /** A Web Push notification to the browsers the person subscribed, while no tab of theirs is open. */
  push: z.boolean(),
  /**
   * Protocol 14: a message in the person's linked Telegram or Slack chats (features/chats/):
   * approvals with buttons, and money alerts for owners and admins. Absent: on.
   */
  chat: z.boolean().optional(),
});

export const MAX_EMAIL_DELAY_MS = 7 * 24 * 60 * 60 * 1000;

/** A time zone the platform's Intl knows (IANA: "Europe/Berlin"). */
const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, "not a time zone this server knows (an IANA name such as Europe/Berlin)");

/** A time of day, "HH:MM", 24-hour. */
const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day as HH:MM");

/**
 * The hours a person is not to be woken (features/approval-reach/): a reminder that falls in
 * them goes to someone awake instead, except a critical approval's. `from` may be after `to`
 * (22:00 to 07:00 spans midnight); the times are in `timeZone`.
 */
export const QuietHours = z.object({ timeZone: TimeZone, from: TimeOfDay, to: TimeOfDay });
export type QuietHours = z.infer<typeof QuietHours>;

export const InboxPreferences = z.object({
  approval: InboxChannels,
  mention: InboxChannels,
  reply: InboxChannels,
  failure: InboxChannels,
  /** Protocol 15: the money alerts owners and admins get (docs/billing.md). Absent: as BILLING_CHANNELS. */
  billing: InboxChannels.optional(),
  emailAfterMs: z.number().int().min(0).max(MAX_EMAIL_DELAY_MS),
  /** The person's quiet hours (QuietHours); absent or null: none. */
  quietHours: QuietHours.nullable().optional(),
});
export type InboxPreferences = z.infer<typeof InboxPreferences>;

/** Where money alerts reach a person who never said. */
export const BILLING_CHANNELS = { browser: true, email: true, push: true } as const;

/** Where a kind of item reaches this person (an absent `billing` is BILLING_CHANNELS). */
export const channelsFor = (prefs: InboxPreferences, kind: InboxKind): z.infer<typeof InboxChannels> =>
  kind === "billing" ? (prefs.billing ?? BILLING_CHANNELS) : prefs[kind];

export const DEFAULT_INBOX_PREFERENCES: InboxPreferences = {
  approval: { browser: true, email: true, push: true, chat: true },
  mention: { browser: true, email: true, push: true },
  reply: { browser: true, email: false, push: false },
  failure: { browser: true, email: true, push: true },
  billing: { ...BILLING_CHANNELS },
  emailAfterMs: 30 * 60 * 1000,
};

export const MAX_INBOX_ITEMS = 100;
export const MAX_FOLLOWED_THREADS = 500;

/** Browsers (push subscriptions) a person may keep per workspace; the oldest goes when one more subscribes. */
export const MAX_PUSH_SUBSCRIPTIONS = 10;
export const MAX_PUSH_ENDPOINT_CHARS = 1024;

/**
 * A browser's push subscription, as `PushSubscription.toJSON()` gives it. The shape is
 * checked here; the room also holds the endpoint to the push services' hosts and the keys
 * to their sizes (a P-256 public key, a 16-byte secret).
 */
export const PushSubscriptionInput = z.object({
  endpoint: z.string().min(1).max(MAX_PUSH_ENDPOINT_CHARS),
  keys: z.object({
    /** The browser's ECDH P-256 public key, base64url (65 bytes: 87 characters unpadded). */
    p256dh: z.string().min(1).max(100),
    /** The browser's authentication secret, base64url (16 bytes: 22 characters unpadded). */
    auth: z.string().min(1).max(32),
  }),
});
export type PushSubscriptionInput = z.infer<typeof PushSubscriptionInput>;

/** Web Push as it stands for this person: whether the room can send (its public key) and where it sends. */
export const InboxPush = z.object({
  /** The room's VAPID public key (the `applicationServerKey` to subscribe with); null: push is not configured here. */
  publicKey: z.string().max(200).nullable(),
  /** The endpoints of this person's subscribed browsers: a browser is subscribed while its endpoint is listed. */
  endpoints: z.array(z.string().max(MAX_PUSH_ENDPOINT_CHARS)).max(MAX_PUSH_SUBSCRIPTIONS),
});
export type InboxPush = z.infer<typeof InboxPush>;

export const Inbox = z.object({
  /** Newest first, at most MAX_INBOX_ITEMS. */
  items: z.array(InboxItem).max(MAX_INBOX_ITEMS),
  unread: z.number().int().nonnegative(),
  preferences: InboxPreferences,
  /** Threads whose replies reach the inbox: ones the person created or wrote in, unless unfollowed, and ones followed. */
  following: z.array(EntityId).max(MAX_FOLLOWED_THREADS),
  push: InboxPush,
});
export type Inbox = z.infer<typeof Inbox>;

// --- methods ---------------------------------------------------------------

export const InboxGetParams = z.object({}).default({});
export const InboxGetResult = z.object({ inbox: Inbox });

/** Marks the given items read (or unread with `read: false`); `all` marks every current item. One of the two is required. */
export const InboxMarkReadParams = mutatingParams({
  keys: z.array(InboxKey).max(MAX_INBOX_ITEMS).default([]),
  all: z.boolean().default(false),
  read: z.boolean().default(true),
});
export const InboxMarkReadResult = z.object({ unread: z.number().int().nonnegative() });

export const InboxFollowParams = mutatingParams({ threadId: EntityId, follow: z.boolean() });
export const InboxFollowResult = z.object({ threadId: EntityId, following: z.boolean() });

export const InboxConfigureParams = mutatingParams({ preferences: InboxPreferences });
export const InboxConfigureResult = z.object({ preferences: InboxPreferences });

/** Subscribes this browser to the calling person's pushes (again: its keys are replaced). */
export const InboxPushSubscribeParams = mutatingParams({
  subscription: PushSubscriptionInput,
});
export const InboxPushSubscribeResult = z.object({ endpoint: z.string().max(MAX_PUSH_ENDPOINT_CHARS) });

/** Removes one of the calling person's subscriptions (`removed: false`: there was none with that endpoint). */
export const InboxPushUnsubscribeParams = mutatingParams({
  endpoint: z.string().min(1).max(MAX_PUSH_ENDPOINT_CHARS),
});
export const InboxPushUnsubscribeResult = z.object({
  endpoint: z.string().max(MAX_PUSH_ENDPOINT_CHARS),
  removed: z.boolean(),
});

// --- events ----------------------------------------------------------------

/**
 * Capability `inbox.changes`: what changed in a person's inbox since the one the same socket was
 * sent last (decision 86). Items new or changed are whole; the others are named when they left.
 * `preferences` and `push` come only when they changed; the followed threads as those followed
 * (newest first) and those no longer followed.
 */
export const InboxChange = z.object({
  changed: z.array(InboxItem).max(MAX_INBOX_ITEMS),
  removed: z.array(InboxKey).max(MAX_INBOX_ITEMS),
  unread: z.number().int().nonnegative(),
  preferences: InboxPreferences.optional(),
  followed: z.array(EntityId).max(MAX_FOLLOWED_THREADS),
  unfollowed: z.array(EntityId).max(MAX_FOLLOWED_THREADS),
  push: InboxPush.optional(),
});
export type InboxChange = z.infer<typeof InboxChange>;

/**
 * Ephemeral, to the person's own sockets only: their whole inbox as it stands now, or (to a
 * socket that asked for `inbox.changes` and holds the inbox before) what changed in it.
 */
export const InboxUpdatedPayload = z.object({ inbox: z.union([Inbox, InboxChange]) });

export const isInboxChange = (inbox: Inbox | InboxChange): inbox is InboxChange => "changed" in inbox;

/** The order of an inbox's items: newest first, then by key (so a change applied gives the room's order). */
export const inboxOrder = (a: Pick<InboxItem, "at" | "key">, b: Pick<InboxItem, "at" | "key">): number =>
  b.at - a.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** What changed from `before` to `after` (the room's side of `inbox.changes`); null when nothing did. */
export function inboxChange(before: Inbox, after: Inbox): InboxChange | null {
  const held = new Map(before.items.map((item) => [item.key, JSON.stringify(item)]));
  const changed = after.items.filter((item) => held.get(item.key) !== JSON.stringify(item));
  const now = new Set(after.items.map((item) => item.key));
  const removed = before.items.filter((item) => !now.has(item.key)).map((item) => item.key);
  const wasFollowed = new Set(before.following);
  const isFollowed = new Set(after.following);
  const followed = after.following.filter((id) => !wasFollowed.has(id));
  const unfollowed = before.following.filter((id) => !isFollowed.has(id));
  const preferences =
    JSON.stringify(before.preferences) === JSON.stringify(after.preferences) ? {} : { preferences: after.preferences };
  const push = JSON.stringify(before.push) === JSON.stringify(after.push) ? {} : { push: after.push };
  if (
    changed.length + removed.length + followed.length + unfollowed.length === 0 &&
    before.unread === after.unread &&
    !("preferences" in preferences) &&
    !("push" in push)
  )
    return null;
  return { changed, removed, unread: after.unread, ...preferences, followed, unfollowed, ...push };
}

/** The inbox `change` makes of `held` (the client's side of `inbox.changes`). */
export function withInboxChange(held: Inbox, change: InboxChange): Inbox {
  const gone = new Set([...change.removed, ...change.changed.map((item) => item.key)]);
  const items = [...held.items.filter((item) => !gone.has(item.key)), ...change.changed]
    .sort(inboxOrder)
    .slice(0, MAX_INBOX_ITEMS);
  const dropped = new Set([...change.unfollowed, ...change.followed]);
  return {
    items,
    unread: change.unread,
    preferences: change.preferences ?? held.preferences,
    following: [...change.followed, ...held.following.filter((id) => !dropped.has(id))].slice(0, MAX_FOLLOWED_THREADS),
    push: change.push ?? held.push,
  };
}

export function inboxChangesCapability() {
  return {
    name: "inbox.changes",
    since: 19,
    summary: "inbox.updated carries what changed in the person's inbox since the one the socket holds, not the whole",
    adds: ["events.inbox.updated.inbox|object1"],
    // The room sends it per socket (features/inbox/hub.ts): a socket that did not ask, or holds
    // no inbox the room remembers sending it, gets the whole inbox.
    events: {},
    results: {},
  };
}
