import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "../../../../domain/db/client";
import { z } from "zod";
import type { Inbox, InboxChange } from "../../../../../shared/protocol/inbox";
import { MAX_FOLLOWED_THREADS, MAX_INBOX_ITEMS } from "../../../../../shared/protocol/inbox";
import type { Sql } from "../../../../domain/sql";
import { inboxSent } from "./tables";

// What the room last sent a person's sockets of their inbox, kept in the room's storage
// (decision 93): client sockets hibernate, so the room wakes without it in memory while the
// sockets still hold that inbox. A digest holds enough to say what changed since (capability
// `inbox.changes`, shared/protocol/inbox.ts `inboxChange`) at a fraction of the inbox's size.

/** Connection ids kept per person: a socket past them gets the whole inbox next, as a new one does. */
export const MAX_SENT_SOCKETS = 32;

const Hash = z.string().max(32);

export const SentDigest = z.object({
  /** Each item's key and the hash of its JSON, in the inbox's order. */
  items: z.array(z.tuple([z.string().max(200), Hash])).max(MAX_INBOX_ITEMS),
  unread: z.number().int().nonnegative(),
  following: z.array(z.string().max(100)).max(MAX_FOLLOWED_THREADS),
  preferences: Hash,
  push: Hash,
});
export type SentDigest = z.infer<typeof SentDigest>;

/**
 * The hashes of the JSON texts hashed lately. A person's inbox is derived again after every
 * reply in a thread they follow, and most of its items are what they were: each hash is a
 * `node:crypto` Hash, which in workerd is a stream made and torn down per call. The key is
 * the whole text, so a changed item is hashed anew. Cleared whole when full (a few people's
 * inboxes fit).
 */
const hashed = new Map<string, string>();
const HASHED_MAX = 4 * MAX_INBOX_ITEMS;

/** 96 bits of SHA-256: a changed item whose hash is unchanged would stay stale in the person's tabs. */
const hashOf = (value: unknown): string => {
  const text = JSON.stringify(value) ?? "";
  const known = hashed.get(text);
  if (known !== undefined) return known;
  const hash = createHash("sha256").update(text).digest("base64url").slice(0, 16);
  if (hashed.size >= HASHED_MAX) hashed.clear();
  hashed.set(text, hash);
  return hash;
};

export function digestOf(inbox: Inbox): SentDigest {
  return {
    items: inbox.items.map((item) => [item.key, hashOf(item)]),
    unread: inbox.unread,
    following: inbox.following,
    preferences: hashOf(inbox.preferences),
    push: hashOf(inbox.push),
  };
}

/** Whether two digests stand for the same inbox (followed threads in the same order too). */
export const sameDigest = (a: SentDigest, b: SentDigest): boolean => a === b || digestText(a) === digestText(b);

/** A digest's JSON, made once per digest: a storm's greetings compare and write the same one. */
const texts = new WeakMap<SentDigest, string>();
function digestText(digest: SentDigest): string {
  const kept = texts.get(digest);
  if (kept !== undefined) return kept;
  const text = JSON.stringify(digest);
  texts.set(digest, text);
  return text;
}

/**
 * What changed from the inbox `before` digests to `after`: exactly `inboxChange` of that inbox
 * and `after` (the unit test holds them together). `digest` is `after`'s, when already made.
 */
export function changeSince(before: SentDigest, after: Inbox, digest = digestOf(after)): InboxChange | null {
  const held = new Map(before.items);
  const changed = after.items.filter((item, i) => held.get(item.key) !== digest.items[i]?.[1]);
  const now = new Set(after.items.map((item) => item.key));
  const removed = before.items.filter(([key]) => !now.has(key)).map(([key]) => key);
  const wasFollowed = new Set(before.following);
  const isFollowed = new Set(after.following);
  const followed = after.following.filter((id) => !wasFollowed.has(id));
  const unfollowed = before.following.filter((id) => !isFollowed.has(id));
  const preferences = before.preferences === digest.preferences ? {} : { preferences: after.preferences };
  const push = before.push === digest.push ? {} : { push: after.push };
  if (
    changed.length + removed.length + followed.length + unfollowed.length === 0 &&
    before.unread === after.unread &&
    !("preferences" in preferences) &&
    !("push" in push)
  )
    return null;
  return { changed, removed, unread: after.unread, ...preferences, followed, unfollowed, ...push };
}

/** What a person's sockets were last sent, and which of them. */
export interface Sent {
  digest: SentDigest;
  sockets: ReadonlySet<string>;
}

const Sockets = z.array(z.string().max(200)).max(MAX_SENT_SOCKETS);

/** The row kept for a person; null when there is none, or it does not read as one (then it is as if none). */
export function readSent(sql: Sql, principalId: string): Sent | null {
  const row = statements(sql.db).read.get({ principalId });
  if (!row) return null;
  try {
    const digest = SentDigest.safeParse(JSON.parse(row.digest));
    const sockets = Sockets.safeParse(JSON.parse(row.sockets));
    return digest.success && sockets.success ? { digest: digest.data, sockets: new Set(sockets.data) } : null;
  } catch {
    return null;
  }
}

// Read and written with each send and each greeting that joins its socket (a reconnect storm's every one): prepared once per room.
const statements = preparedPerRoom((db) => ({
  read: db
    .select({ digest: inboxSent.digest, sockets: inboxSent.sockets })
    .from(inboxSent)
    .where(eq(inboxSent.principalId, param("principalId")))
    .prepare(),
  put: db
    .insert(inboxSent)
    .values({ principalId: param("principalId"), digest: param("digest"), sockets: param("sockets"), at: param("at") })
    .onConflictDoUpdate({
      target: inboxSent.principalId,
      set: { digest: excluded("digest"), sockets: excluded("sockets"), at: excluded("at") },
    })
    .prepare(),
}));

/** Keeps what was sent (with each send: the sockets may hibernate right after). */
export function writeSent(sql: Sql, principalId: string, sent: Sent, now: number): void {
  statements(sql.db).put.run({
    principalId,
    digest: digestText(sent.digest),
    sockets: JSON.stringify([...sent.sockets].slice(0, MAX_SENT_SOCKETS)),
    at: now,
  });
}

export function forgetSent(sql: Sql, principalId: string): void {
  sql.db.delete(inboxSent).where(eq(inboxSent.principalId, principalId)).run();
}
