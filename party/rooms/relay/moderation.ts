import { and, desc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import { bannedPrincipals, bannedPubkeys, events, hiddenEvents } from "../../domain/db/relay-schema";
import { hasRow } from "../../domain/db/client";
import type { Sql } from "../../domain/sql";
import type { PlainEvent as NostrEvent } from "./messages";

/**
 * A community's moderation, in its SQLite: events hidden by an owner or admin of the
 * workspace (served to no one while hidden) and banned pubkeys (their events refused and
 * none of theirs served), every pubkey of a banned person or agent key among them. Reports
 * are NIP-56 events (kind 1984) like any other; the queue is the reports nobody has acted on
 * yet: a hidden report is a dismissed one, and a report whose event is hidden or whose
 * pubkey is banned is settled.
 */

export type ModerationAction = "hide" | "unhide" | "ban" | "unban";

const KIND_REPORT = 1984;
/** Reports the queue reads, newest first: enough for many open items, bounded. */
const QUEUE_REPORTS = 300;
const QUEUE_HIDDEN = 100;

/** SQL conditions that keep hidden events and banned authors out of what is served. */
export const servedOnly = () => [
  sql`${events.id} not in (select ${hiddenEvents.eventId} from ${hiddenEvents})`,
  sql`${events.pubkey} not in (select ${bannedPubkeys.pubkey} from ${bannedPubkeys})`,
];

export function isBanned(store: Sql, pubkey: string): boolean {
  return hasRow(store.db, bannedPubkeys, eq(bannedPubkeys.pubkey, pubkey));
}

/**
 * Whose pubkey a ban acts on (D1 `nostr_identity`, read by the relay): the person or agent
 * key and every pubkey registered to it now. Null for a pubkey registered to no one.
 */
export interface PubkeyOwner {
  principalId: string;
  pubkeys: readonly string[];
}

/**
 * Applies an action; whether it changed anything (hiding what is hidden does not). A ban of
 * a pubkey someone owns is a ban of its owner (`owner`): all of their pubkeys now, and
 * banWithOwner takes any later one; unban lifts it for all of them.
 */
export function moderate(
  store: Sql,
  action: ModerationAction,
  target: string,
  by: string,
  now: number,
  owner: PubkeyOwner | null = null,
): boolean {
  const db = store.db;
  switch (action) {
    case "hide":
      return (
        db
          .insert(hiddenEvents)
          .values({ eventId: target, at: now, by })
          .onConflictDoNothing()
          .returning({ id: hiddenEvents.eventId })
          .all().length > 0
      );
    case "unhide":
      return (
        db.delete(hiddenEvents).where(eq(hiddenEvents.eventId, target)).returning({ id: hiddenEvents.eventId }).all()
          .length > 0
      );
    case "ban":
      return store.transaction(() => {
        const person = owner
          ? db
              .insert(bannedPrincipals)
              .values({ principalId: owner.principalId, pubkey: target, at: now, by })
              .onConflictDoNothing()
              .returning({ id: bannedPrincipals.principalId })
              .all().length > 0
          : false;
        const pubkeys = [...new Set([target, ...(owner?.pubkeys ?? [])])];
        const keys = db
          .insert(bannedPubkeys)
          .values(pubkeys.map((pubkey) => ({ pubkey, at: now, by, principalId: owner?.principalId ?? null })))
          .onConflictDoNothing()
          .returning({ pubkey: bannedPubkeys.pubkey })
          .all();
        return person || keys.length > 0;
      });
    case "unban":
      return store.transaction(() => {
        // Whose ban the pubkey came with, as stored (its identity may have gone from D1 since).
        const principalId =
          db.select({ id: bannedPubkeys.principalId }).from(bannedPubkeys).where(eq(bannedPubkeys.pubkey, target)).get()
            ?.id ?? owner?.principalId;
        const person = principalId
          ? db
              .delete(bannedPrincipals)
              .where(eq(bannedPrincipals.principalId, principalId))
              .returning({ id: bannedPrincipals.principalId })
              .all().length > 0
          : false;
        const pubkeys = [target, ...(owner?.pubkeys ?? [])];
        const keys = db
          .delete(bannedPubkeys)
          .where(
            principalId
              ? or(inArray(bannedPubkeys.pubkey, pubkeys), eq(bannedPubkeys.principalId, principalId))
              : inArray(bannedPubkeys.pubkey, pubkeys),
          )
          .returning({ pubkey: bannedPubkeys.pubkey })
          .all();
        return person || keys.length > 0;
      });
  }
}

/**
 * A pubkey of a person or agent key, seen at NIP-42 AUTH, signed for through a room or just
 * registered: if its owner is banned here, it is banned with them (so a new key does not
 * escape a ban). Whether it is banned now.
 */
export function banWithOwner(store: Sql, principalId: string, pubkey: string, now: number): boolean {
  const ban = store.db.select().from(bannedPrincipals).where(eq(bannedPrincipals.principalId, principalId)).get();
  if (!ban) return isBanned(store, pubkey);
  store.db.insert(bannedPubkeys).values({ pubkey, at: now, by: ban.by, principalId }).onConflictDoNothing().run();
  return true;
}

export interface QueueItem {
  /** The reported event (null: a report of a pubkey alone, or of an event this community does not have). */
  event: NostrEvent | null;
  /** The reported pubkey (the event's author when an event is reported). */
  pubkey: string;
  reports: NostrEvent[];
}

export interface ModerationState {
  queue: QueueItem[];
  hidden: { event: NostrEvent | null; eventId: string; at: number; by: string }[];
  banned: { pubkey: string; at: number; by: string }[];
}

const parse = (json: string) => JSON.parse(json) as NostrEvent;

/** The open reports grouped by what they report, the hidden events and the banned pubkeys. */
export function moderationState(store: Sql): ModerationState {
  const db = store.db;
  const reports = db
    .select({ json: events.json })
    .from(events)
    .where(and(eq(events.kind, KIND_REPORT), ...servedOnly()))
    .orderBy(desc(events.createdAt))
    .limit(QUEUE_REPORTS)
    .all()
    .map((row) => parse(row.json));
  // A person's or agent key's ban is one entry (the pubkey the moderator named), however many keys it holds.
  const banned = [
    ...db.select().from(bannedPrincipals).all(),
    ...db.select().from(bannedPubkeys).where(isNull(bannedPubkeys.principalId)).all(),
  ].sort((a, b) => b.at - a.at);
  const bannedSet = new Set(
    db
      .select({ pubkey: bannedPubkeys.pubkey })
      .from(bannedPubkeys)
      .all()
      .map((b) => b.pubkey),
  );
  const hiddenRows = db.select().from(hiddenEvents).orderBy(desc(hiddenEvents.at)).limit(QUEUE_HIDDEN).all();
  const hiddenSet = new Set(
    db
      .select({ id: hiddenEvents.eventId })
      .from(hiddenEvents)
      .all()
      .map((h) => h.id),
  );
  const targetIds = new Set<string>();
  for (const report of reports) {
    const e = report.tags.find((tag) => tag[0] === "e")?.[1];
    if (e) targetIds.add(e);
  }
  for (const h of hiddenRows) targetIds.add(h.eventId);
  const targets = new Map(
    (targetIds.size === 0
      ? []
      : db
          .select({ id: events.id, json: events.json })
          .from(events)
          .where(inArray(events.id, [...targetIds].slice(0, 90)))
          .all()
    ).map((row) => [row.id, parse(row.json)]),
  );
  const items = new Map<string, QueueItem>();
  for (const report of reports) {
    const eventId = report.tags.find((tag) => tag[0] === "e")?.[1] ?? null;
    const pubkey = report.tags.find((tag) => tag[0] === "p")?.[1] ?? "";
    const event = eventId ? (targets.get(eventId) ?? null) : null;
    const author = event?.pubkey ?? pubkey;
    // Settled: the event is hidden, or its author banned.
    if ((eventId && hiddenSet.has(eventId)) || bannedSet.has(author)) continue;
    const key = eventId ?? `p:${author}`;
    const item = items.get(key) ?? { event, pubkey: author, reports: [] };
    item.reports.push(report);
    items.set(key, item);
  }
  return {
    queue: [...items.values()],
    hidden: hiddenRows.map((h) => ({ eventId: h.eventId, event: targets.get(h.eventId) ?? null, at: h.at, by: h.by })),
    banned: banned.map((b) => ({ pubkey: b.pubkey, at: b.at, by: b.by })),
  };
}

/** Stored events by id, hidden ones included (a moderator acts on what is reported). */
export function eventsById(store: Sql, ids: readonly string[]): NostrEvent[] {
  if (ids.length === 0) return [];
  return store.db
    .select({ json: events.json })
    .from(events)
    .where(inArray(events.id, ids.slice(0, 90)))
    .all()
    .map((row) => parse(row.json));
}
