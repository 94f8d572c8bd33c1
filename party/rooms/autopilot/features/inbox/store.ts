import { and, desc, eq } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "../../../../domain/db/client";
import {
  DEFAULT_INBOX_PREFERENCES,
  type InboxPreferences,
  MAX_FOLLOWED_THREADS,
} from "../../../../../shared/protocol/inbox";
import { inboxFollows, inboxMailed, inboxMentions, inboxPeople, inboxPushed, inboxReads } from "./tables";
import type { Sql } from "../../../../domain/sql";
import { noteInFold } from "./mention-folds";
import { readable } from "../../../../records/codec";
import { inboxPreferencesRecord } from "../../../../records/documents";

// What the room keeps per person for their inbox (the items themselves are derived from
// the room's state, derive.ts): who they are, what they read, were mailed and follow.

// Every person's message follows its thread, every message asks who follows its thread, and
// every inbox derived reads its person's followed threads: prepared once per room.
const follows = preparedPerRoom((db) => ({
  followed: db
    .select({ threadId: inboxFollows.threadId, wroteAt: inboxFollows.wroteAt })
    .from(inboxFollows)
    .where(and(eq(inboxFollows.principalId, param("principalId")), eq(inboxFollows.following, 1)))
    .orderBy(desc(inboxFollows.at))
    .limit(param("limit"))
    .prepare(),
  followers: db
    .select({ principalId: inboxFollows.principalId })
    .from(inboxFollows)
    .where(and(eq(inboxFollows.threadId, param("threadId")), eq(inboxFollows.following, 1)))
    .prepare(),
  byWriting: db
    .insert(inboxFollows)
    .values({
      principalId: param("principalId"),
      threadId: param("threadId"),
      following: 1,
      at: param("wroteAt"),
      wroteAt: param("wroteAt"),
    })
    .onConflictDoUpdate({
      target: [inboxFollows.principalId, inboxFollows.threadId],
      set: { wroteAt: excluded("wrote_at") },
    })
    .returning({ at: inboxFollows.at })
    .prepare(),
}));

export interface InboxPerson {
  principalId: string;
  name: string;
  /** The app's origin the person last opened the workspace from: where mail links go. */
  origin: string;
  preferences: InboxPreferences;
}

/** Remembers a person who opened the workspace (their name and origin as they are now). */
export function notePerson(sql: Sql, principalId: string, name: string, origin: string, now: number): void {
  sql.db
    .insert(inboxPeople)
    .values({ principalId, name, origin, seenAt: now })
    .onConflictDoUpdate({ target: inboxPeople.principalId, set: { name, origin, seenAt: now } })
    .run();
}

function preferencesOf(stored: string | null): InboxPreferences {
  if (stored === null) return DEFAULT_INBOX_PREFERENCES;
  // An unreadable row was logged by decode; the defaults stand in until the person sets them again.
  return readable([stored], (text) => inboxPreferencesRecord.decode(text))[0] ?? DEFAULT_INBOX_PREFERENCES;
}

// Read by every derivation of an inbox: prepared once per room.
const reads = preparedPerRoom((db) => ({
  preferences: db
    .select({ preferences: inboxPeople.preferences })
    .from(inboxPeople)
    .where(eq(inboxPeople.principalId, param("principalId")))
    .prepare(),
  people: db.select().from(inboxPeople).prepare(),
}));

export function preferences(sql: Sql, principalId: string): InboxPreferences {
  const row = reads(sql.db).preferences.get({ principalId });
  return preferencesOf(row?.preferences ?? null);
}

export function setPreferences(
  sql: Sql,
  principalId: string,
  name: string,
  value: InboxPreferences,
  now: number,
): void {
  const encoded = inboxPreferencesRecord.encode(value);
  sql.db
    .insert(inboxPeople)
    .values({ principalId, name, origin: "", seenAt: now, preferences: encoded })
    .onConflictDoUpdate({ target: inboxPeople.principalId, set: { preferences: encoded } })
    .run();
}

/** Everyone the room knows of (they opened the workspace at least once). */
export function people(sql: Sql): InboxPerson[] {
  return reads(sql.db)
    .people.all()
    .map((row) => ({
      principalId: row.principalId,
      name: row.name,
      origin: row.origin,
      preferences: preferencesOf(row.preferences),
    }));
}

/** A table of item keys per person: read, mailed, or pushed (or shown live) to a subscribed person. */
type KeyTable = typeof inboxReads | typeof inboxMailed | typeof inboxPushed;

/**
 * The keys of a principal's items in `table` (pruned to current items on every write, so
 * bounded), read by a statement prepared once per room: every derivation reads them.
 */
function keysOf(table: KeyTable): (sql: Sql, principalId: string) => Set<string> {
  const statement = preparedPerRoom((db) =>
    db
      .select({ key: table.itemKey })
      .from(table)
      .where(eq(table.principalId, param("principalId")))
      .prepare(),
  );
  return (sql, principalId) =>
    new Set(
      statement(sql.db)
        .all({ principalId })
        .map((r) => r.key),
    );
}

export const readKeys = keysOf(inboxReads);
export const mailedKeys = keysOf(inboxMailed);
export const pushedKeys = keysOf(inboxPushed);

const keysIn = (sql: Sql, table: KeyTable, principalId: string): Set<string> =>
  (table === inboxReads ? readKeys : table === inboxMailed ? mailedKeys : pushedKeys)(sql, principalId);

/**
 * Marks keys in `table` and forgets the principal's marks of items that are gone (an item
 * whose cause went never comes back under the same key), all in one transaction.
 */
function mark(
  sql: Sql,
  table: KeyTable,
  principalId: string,
  keys: readonly string[],
  current: readonly string[],
  now: number,
  on = true,
): void {
  sql.transaction(() => {
    // One statement per key: a Durable Object's SQLite binds at most 100 parameters.
    for (const key of keys) {
      if (on) sql.db.insert(table).values({ principalId, itemKey: key, at: now }).onConflictDoNothing().run();
      else
        sql.db
          .delete(table)
          .where(and(eq(table.principalId, principalId), eq(table.itemKey, key)))
          .run();
    }
    const live = new Set(current);
    for (const key of keysIn(sql, table, principalId))
      if (!live.has(key))
        sql.db
          .delete(table)
          .where(and(eq(table.principalId, principalId), eq(table.itemKey, key)))
          .run();
  });
}

export const markRead = (
  sql: Sql,
  principalId: string,
  keys: readonly string[],
  current: readonly string[],
  now: number,
  read: boolean,
) => mark(sql, inboxReads, principalId, keys, current, now, read);
export const markMailed = (
  sql: Sql,
  principalId: string,
  keys: readonly string[],
  current: readonly string[],
  now: number,
) => mark(sql, inboxMailed, principalId, keys, current, now);
export const markPushed = (
  sql: Sql,
  principalId: string,
  keys: readonly string[],
  current: readonly string[],
  now: number,
) => mark(sql, inboxPushed, principalId, keys, current, now);

/** Threads the principal follows (and when they last wrote there), most recently followed first. */
export function followedThreads(
  sql: Sql,
  principalId: string,
  limit = MAX_FOLLOWED_THREADS,
): { threadId: string; wroteAt: number | null }[] {
  return follows(sql.db).followed.all({ principalId, limit });
}

/** Who follows a thread. */
export function followers(sql: Sql, threadId: string): string[] {
  return follows(sql.db)
    .followers.all({ threadId })
    .map((r) => r.principalId);
}

/** Follows or unfollows on purpose (an unfollow sticks: writing again does not follow again). */
export function setFollowing(sql: Sql, principalId: string, threadId: string, follow: boolean, now: number): void {
  const following = follow ? 1 : 0;
  sql.db
    .insert(inboxFollows)
    .values({ principalId, threadId, following, at: now })
    .onConflictDoUpdate({ target: [inboxFollows.principalId, inboxFollows.threadId], set: { following, at: now } })
    .run();
}

/**
 * A person created or wrote in a thread: they follow it, unless they unfollowed it before; `wroteAt` is when they last wrote.
 * Whether the row may be new (the person's followed threads may have changed).
 */
export function followByWriting(sql: Sql, principalId: string, threadId: string, wroteAt: number): boolean {
  const row = follows(sql.db).byWriting.get({ principalId, threadId, wroteAt });
  // A row written now carries `at` = `wroteAt`; one kept its own (the same only if followed in that very millisecond).
  return row?.at === wroteAt;
}

/** Everyone the room knows, by name only (what a new message is searched for). */
export function knownNames(sql: Sql): { principalId: string; name: string }[] {
  return sql.db.select({ principalId: inboxPeople.principalId, name: inboxPeople.name }).from(inboxPeople).all();
}

/** Mentions kept per person: the inbox shows the newest 100 items at most. */
const MENTIONS_KEPT = 200;

/** A mention noted for a person's inbox: one row, or the fold of its author's recent ones. */
export interface NotedMention {
  /** The first mention of the fold: the item's key. */
  messageId: string;
  /** The newest. */
  lastMessageId: string;
  count: number;
}

/**
 * A message by `authorId` names this person. Within MENTION_FOLD_MS of the first mention that
 * author made of them, it folds into that one's row (counted, the newest kept, unread again),
 * so one author cannot fill a person's inbox nor push everyone else's mentions out of it; the
 * oldest rows beyond MENTIONS_KEPT go.
 */
export function noteMention(sql: Sql, principalId: string, authorId: string, messageId: string, at: number): void {
  noteInFold(
    sql,
    inboxMentions,
    { author: inboxMentions.authorId, key: inboxMentions.messageId },
    { principalId, author: authorId, key: messageId, at },
    {
      newest: { lastMessageId: messageId },
      row: { principalId, messageId, at, authorId, firstAt: at },
      item: (fold) => `mention:${fold}`,
      kept: MENTIONS_KEPT,
    },
  );
}

// Read by every derivation of an inbox: prepared once per room.
const mentionReads = preparedPerRoom((db) =>
  db
    .select({
      messageId: inboxMentions.messageId,
      lastMessageId: inboxMentions.lastMessageId,
      count: inboxMentions.count,
    })
    .from(inboxMentions)
    .where(eq(inboxMentions.principalId, param("principalId")))
    .orderBy(desc(inboxMentions.at))
    .limit(param("limit"))
    .prepare(),
);

/** The mentions noted for this person, newest first. */
export function mentionsOf(sql: Sql, principalId: string, limit: number): NotedMention[] {
  return mentionReads(sql.db)
    .all({ principalId, limit })
    .map((r) => ({ ...r, lastMessageId: r.lastMessageId ?? r.messageId }));
}
