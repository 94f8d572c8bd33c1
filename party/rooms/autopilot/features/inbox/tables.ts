import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The inbox feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

/**
 * What a person did with an inbox item, once per person and item, and when: read it, were
 * mailed it, were pushed it (inbox_reads, inbox_mailed, inbox_pushed).
 */
const itemMarks = <N extends string>(name: N) =>
  sqliteTable(
    name,
    {
      principalId: col.principalId(),
      itemKey: text("item_key").notNull(),
      at: col.at(),
    },
    (t) => [primaryKey({ columns: [t.principalId, t.itemKey] })],
  );

/**
 * What every table of folded mentions keeps (mention-folds.ts, FoldTable): whose inbox, when
 * the newest mention of the fold was written, when the first was (null: `at`), and how many.
 */
const foldColumns = () => ({
  principalId: col.principalId(),
  at: col.at(),
  firstAt: integer("first_at"),
  count: integer("count").notNull().default(1),
});

// The inbox (party/rooms/autopilot/features/inbox/): the people who opened the workspace (their
// preferences, and the app's origin their mail links to), what each has read and been
// mailed, and which threads each follows. Items themselves are derived, never stored.
export const inboxPeople = sqliteTable("inbox_people", {
  principalId: text("principal_id").primaryKey(),
  name: text("name").notNull(),
  origin: text("origin").notNull(),
  seenAt: integer("seen_at").notNull(),
  /** Versioned preferences (party/records), null until the person sets them. */
  preferences: text("preferences"),
});

export const inboxReads = itemMarks("inbox_reads");

export const inboxMailed = itemMarks("inbox_mailed");

// Mentions noted when the message is written, for the people the room knows then: an
// inbox reads its own rows instead of searching every message. A row is one inbox item: the
// mentions one author makes of one person within MENTION_FOLD_MS of the first fold into it
// (store.ts), so a flood of them is one item and cannot push the others out.
export const inboxMentions = sqliteTable(
  "inbox_mentions",
  {
    ...foldColumns(),
    /** The first mention of the fold: the item's key. */
    messageId: text("message_id").notNull(),
    /** Null on rows noted before mentions folded: those fold nothing. */
    authorId: text("author_id"),
    /** The newest mention of the fold (null: the first). */
    lastMessageId: text("last_message_id"),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.messageId] }), index("inbox_mentions_at").on(t.principalId, t.at)],
);

/**
 * Posts in the workspace's community that name a person (a `p` tag of theirs or `@Name`),
 * noted when the relay tells the room of them (features/community/): the inbox shows them as
 * mentions. What it shows is kept here, so the inbox needs no relay round trip.
 */
export const communityMentions = sqliteTable(
  "community_mentions",
  {
    ...foldColumns(),
    eventId: text("event_id").notNull(),
    /** Who wrote it, in one line ("release-bot, agent of Acme, owned by Alice"). */
    author: text("author").notNull(),
    /** The author's principal id, when the server knows one: nobody is told of their own post. */
    authorId: text("author_id"),
    /** What folds one author's posts (inbox_mentions): their principal id, else their pubkey; null on older rows. */
    authorKey: text("author_key"),
    /** The newest post's text (a fold shows its newest). */
    text: text("text").notNull(),
    /** The newest post of the fold (null: the first, `event_id`, the item's key). */
    lastEventId: text("last_event_id"),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.eventId] }), index("community_mentions_at").on(t.principalId, t.at)],
);

export const inboxFollows = sqliteTable(
  "inbox_follows",
  {
    principalId: col.principalId(),
    threadId: col.threadId(),
    /** 0: unfollowed on purpose (writing in the thread again does not follow it again). */
    following: integer("following").notNull(),
    at: col.at(),
    /** When the person last wrote in the thread: a thread with nothing newer has no replies for them. */
    wroteAt: integer("wrote_at"),
  },
  (t) => [
    primaryKey({ columns: [t.principalId, t.threadId] }),
    index("inbox_follows_thread").on(t.threadId, t.following),
  ],
);

// Web Push (inbox/push.ts): the browsers each person subscribed (at most
// MAX_PUSH_SUBSCRIPTIONS each), and the items already pushed to them or shown live in an
// open tab, so an item reaches a person's closed browser at most once.
export const inboxPushSubscriptions = sqliteTable(
  "inbox_push_subscriptions",
  {
    principalId: col.principalId(),
    endpoint: text("endpoint").notNull(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    at: col.at(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.endpoint] })],
);

export const inboxPushed = itemMarks("inbox_pushed");

/**
 * What the room last sent each connected person's sockets of their inbox (hub.ts, decision 93):
 * a digest enough to say what changed since (sent.ts), and the connection ids that were sent it,
 * so a socket that holds it gets only the changes after the room wakes from hibernation too.
 * One row per person, gone once a refresh finds them with no socket open.
 */
export const inboxSent = sqliteTable("inbox_sent", {
  principalId: text("principal_id").primaryKey(),
  /** The digest (sent.ts SentDigest) as JSON. */
  digest: text("digest").notNull(),
  /** The connection ids sent it, as a JSON array (at most MAX_SENT_SOCKETS). */
  sockets: text("sockets").notNull(),
  at: col.at(),
});
