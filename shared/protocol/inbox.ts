import { z } from "zod";
import { EntityId, IdempotencyKey, Timestamp } from "./common";

/**
 * Protocol 8: a person's inbox — what in the workspace waits for them. The room derives
 * it from its state (an item leaves when its cause does) and sends it only to that
 * person's sockets (`inbox.updated`); what they read, follow and want to be told is kept
 * per person in the room. Agents have no inbox.
 */
export const InboxKind = z.enum(["approval", "mention", "reply", "failure"]);
export type InboxKind = z.infer<typeof InboxKind>;

/** An item's key names its cause (`approval:<id>`, `mention:<messageId>`, …); read state is kept by key. */
export const InboxKey = z.string().min(1).max(200);

/** What an item points at, so the app can open it. */
export const InboxTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("approval"), approvalId: EntityId }),
  z.object({ kind: z.literal("thread"), threadId: EntityId, messageId: EntityId.optional() }),
  z.object({ kind: z.literal("job"), jobId: EntityId }),
  z.object({ kind: z.literal("instance"), instanceId: z.string().max(64) }),
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
});

export const MAX_EMAIL_DELAY_MS = 7 * 24 * 60 * 60 * 1000;

export const InboxPreferences = z.object({
  approval: InboxChannels,
  mention: InboxChannels,
  reply: InboxChannels,
  failure: InboxChannels,
  emailAfterMs: z.number().int().min(0).max(MAX_EMAIL_DELAY_MS),
});
export type InboxPreferences = z.infer<typeof InboxPreferences>;

export const DEFAULT_INBOX_PREFERENCES: InboxPreferences = {
  approval: { browser: true, email: true },
  mention: { browser: true, email: true },
  reply: { browser: true, email: false },
  failure: { browser: true, email: true },
  emailAfterMs: 30 * 60 * 1000,
};

export const MAX_INBOX_ITEMS = 100;
export const MAX_FOLLOWED_THREADS = 500;

export const Inbox = z.object({
  /** Newest first, at most MAX_INBOX_ITEMS. */
  items: z.array(InboxItem).max(MAX_INBOX_ITEMS),
  unread: z.number().int().nonnegative(),
  preferences: InboxPreferences,
  /** Threads whose replies reach the inbox: ones the person created or wrote in, unless unfollowed, and ones followed. */
  following: z.array(EntityId).max(MAX_FOLLOWED_THREADS),
});
export type Inbox = z.infer<typeof Inbox>;

// --- methods ---------------------------------------------------------------

export const InboxGetParams = z.object({}).default({});
export const InboxGetResult = z.object({ inbox: Inbox });

/** Marks the given items read (or unread with `read: false`); `all` marks every current item. One of the two is required. */
export const InboxMarkReadParams = z.object({
  keys: z.array(InboxKey).max(MAX_INBOX_ITEMS).default([]),
  all: z.boolean().default(false),
  read: z.boolean().default(true),
  idempotencyKey: IdempotencyKey,
});
export const InboxMarkReadResult = z.object({ unread: z.number().int().nonnegative() });

export const InboxFollowParams = z.object({ threadId: EntityId, follow: z.boolean(), idempotencyKey: IdempotencyKey });
export const InboxFollowResult = z.object({ threadId: EntityId, following: z.boolean() });

export const InboxConfigureParams = z.object({ preferences: InboxPreferences, idempotencyKey: IdempotencyKey });
export const InboxConfigureResult = z.object({ preferences: InboxPreferences });

// --- events ----------------------------------------------------------------

/** Ephemeral, to the person's own sockets only: their whole inbox as it stands now. */
export const InboxUpdatedPayload = z.object({ inbox: Inbox });
