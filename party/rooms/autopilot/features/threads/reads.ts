import { and, count, desc, eq, gt, inArray, lte, max } from "drizzle-orm";
import type { InboxItem } from "../../../../../shared/protocol/inbox";
import { MAX_THREAD_READS, type ThreadRead, type ThreadReads } from "../../../../../shared/protocol/reads";
import { excluded, param, preparedPerRoom, storedField } from "../../../../domain/db/client";
import { messages, threadReads } from "./tables";
import type { Sql } from "../../../../domain/sql";
import { CommittedMemo } from "../../../../domain/turn-memo";
import { keepNewest } from "../../kernel/paging";

// Read state (docs/inbox.md, "Read state"): per principal and thread, the newest message
// read and how many of the thread's messages that covers: those up to it, and the reader's own
// after it (nobody has to read what they wrote). Kept in the room, so a person's devices agree;
// a marker only moves forward.

/**
 * A principal's markers, the newest MAX_THREAD_READS: what their hello carries. Kept between
 * hellos (a person's devices reconnect together) until one of their markers moves; the same
 * object goes to every hello, so it is frozen.
 */
export function threadReadsOf(sql: Sql, principalId: string): Readonly<ThreadReads> {
  return markersOf.read(sql, principalId, () => {
    const rows = statements(sql.db).markers.all({ principalId });
    return Object.freeze(Object.fromEntries(rows.map((r) => [r.threadId, { n: r.n, count: r.count }])));
  });
}

/** The principals whose markers were read most recently, per room. */
const markersOf = new CommittedMemo<string, Readonly<ThreadReads>>(64);

// Run on every hello (the markers), every bump window (the newest) and every message its
// writer sends (the writer's marker read and moved): prepared once per room.
const statements = preparedPerRoom((db) => ({
  marker: db
    .select({ n: threadReads.throughN, count: threadReads.count })
    .from(threadReads)
    .where(and(eq(threadReads.principalId, param("principalId")), eq(threadReads.threadId, param("threadId"))))
    .prepare(),
  putMarker: db
    .insert(threadReads)
    .values({
      principalId: param("principalId"),
      threadId: param("threadId"),
      throughN: param("n"),
      count: param("count"),
      at: param("at"),
    })
    .onConflictDoUpdate({
      target: [threadReads.principalId, threadReads.threadId],
      set: { throughN: excluded("through_n"), count: excluded("count"), at: excluded("at") },
    })
    .prepare(),
  newest: db
    .select({ n: max(messages.n) })
    .from(messages)
    .where(eq(messages.threadId, param("threadId")))
    .prepare(),
  markers: db
    .select({ threadId: threadReads.threadId, n: threadReads.throughN, count: threadReads.count })
    .from(threadReads)
    .where(eq(threadReads.principalId, param("principalId")))
    .orderBy(desc(threadReads.at))
    .limit(MAX_THREAD_READS)
    .prepare(),
}));

export function markerOf(sql: Sql, principalId: string, threadId: string): ThreadRead | null {
  return statements(sql.db).marker.get({ principalId, threadId }) ?? null;
}

/** What a mark did: the marker as it stands, and the one it replaced when it moved (null: it did not move). */
export interface MarkOutcome {
  read: ThreadRead;
  movedFrom: ThreadRead | null;
}

/**
 * Moves the principal's marker of a thread forward to `throughN`, held to the thread's newest
 * message (a hostile or stale ordinal past it would otherwise hide later messages from the
 * count check of the next mark). A marker at or past it stays.
 */
export function markThreadRead(
  sql: Sql,
  principalId: string,
  threadId: string,
  throughN: number,
  now: number,
): MarkOutcome {
  const current = markerOf(sql, principalId, threadId);
  const newest = newestN(sql, threadId) ?? 0;
  const n = Math.min(throughN, newest);
  if (n <= (current?.n ?? 0)) return { read: current ?? { n: 0, count: 0 }, movedFrom: null };
  const read = { n, count: messagesUpTo(sql, threadId, n) + ownAfter(sql, principalId, threadId, n) };
  sql.transaction(() => putMarker(sql, principalId, threadId, read, now));
  return { read, movedFrom: current ?? { n: 0, count: 0 } };
}

/** The ordinal of the thread's newest message (null: it has none). */
export function newestN(sql: Sql, threadId: string): number | null {
  return statements(sql.db).newest.get({ threadId })?.n ?? null;
}

/**
 * The principal's own message `n` (chat.send, sessions.send), in the transaction that stored it:
 * their marker counts it. One that covered every earlier message moves onto it; one behind stays
 * where it is, since what others wrote before it is still unread. `messageCount` is the thread's
 * with this message: on every send, so read from the thread, not counted from its messages.
 */
export function readOwnMessage(
  sql: Sql,
  principalId: string,
  threadId: string,
  n: number,
  messageCount: number,
  now: number,
): void {
  const stored = markerOf(sql, principalId, threadId);
  const current = stored ?? { n: 0, count: 0 };
  if (current.n >= n) return;
  const read =
    current.count >= messageCount - 1 ? { n, count: messageCount } : { ...current, count: current.count + 1 };
  putMarker(sql, principalId, threadId, read, now, stored === null);
}

function messagesUpTo(sql: Sql, threadId: string, n: number): number {
  return (
    sql.db
      .select({ count: count() })
      .from(messages)
      .where(and(eq(messages.threadId, threadId), lte(messages.n, n)))
      .get()?.count ?? 0
  );
}

/** The principal's own messages in the thread after `n` (their author read from each one's document). */
function ownAfter(sql: Sql, principalId: string, threadId: string, n: number): number {
  return (
    sql.db
      .select({ count: count() })
      .from(messages)
      .where(
        and(
          eq(messages.threadId, threadId),
          gt(messages.n, n),
          eq(storedField(messages.doc, "$.author.id"), principalId),
        ),
      )
      .get()?.count ?? 0
  );
}

/** Stores the marker; a principal's new one may push their oldest out (`forgetOldest`). */
function putMarker(sql: Sql, principalId: string, threadId: string, read: ThreadRead, now: number, added = true): void {
  markersOf.written(sql, principalId);
  statements(sql.db).putMarker.run({ principalId, threadId, n: read.n, count: read.count, at: now });
  if (added) forgetOldest(sql, principalId);
}

/** Keeps a principal's newest MAX_THREAD_READS markers: an older one's thread counts as never opened. */
function forgetOldest(sql: Sql, principalId: string): void {
  keepNewest(sql, threadReads, threadReads.principalId, principalId, threadReads.at, MAX_THREAD_READS);
}

/**
 * The keys of unread inbox items of `threadId` whose message the marker newly covers (after
 * `from.n`, up to `to.n`): what the reader watched arrive. An item marked unread on purpose
 * before stays unread (its message is at or before `from`).
 */
export function itemsNewlyRead(
  sql: Sql,
  items: readonly InboxItem[],
  threadId: string,
  from: ThreadRead,
  to: ThreadRead,
): string[] {
  const candidates = items.flatMap((item) =>
    !item.read && item.target.kind === "thread" && item.target.threadId === threadId && item.target.messageId
      ? [{ key: item.key, messageId: item.target.messageId }]
      : [],
  );
  if (candidates.length === 0) return [];
  const ns = new Map<string, number>();
  // A Durable Object's SQLite binds at most 100 parameters per statement (the thread's id is one).
  for (let i = 0; i < candidates.length; i += 90) {
    const ids = candidates.slice(i, i + 90).map((c) => c.messageId);
    for (const row of sql.db
      .select({ id: messages.id, n: messages.n })
      .from(messages)
      .where(and(eq(messages.threadId, threadId), inArray(messages.id, ids)))
      .all())
      ns.set(row.id, row.n);
  }
  return candidates.flatMap((c) => {
    const n = ns.get(c.messageId);
    return n !== undefined && n > from.n && n <= to.n ? [c.key] : [];
  });
}
