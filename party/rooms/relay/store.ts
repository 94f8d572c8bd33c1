import { and, asc, desc, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import { isAddressableKind, isEphemeralKind, isReplaceableKind } from "nostr-tools/kinds";
import { KIND_DELETION, KIND_REACTION, reactionTarget } from "./community/templates";
import { param, preparedPerRoom, type RoomDb } from "../../domain/db/client";
import { events, eventTags, subscriptions } from "../../domain/db/relay-schema";
import type { Sql } from "../../domain/sql";
import type { Filter, NostrEvent } from "./messages";
import { isBanned, servedOnly } from "./moderation";

/**
 * A community's events in its SQLite (party/domain/db/relay-schema.ts): what NIP-01 says a
 * relay keeps (regular events; the newest of a replaceable or addressable one; no
 * ephemeral one), NIP-09 deletions, and the queries a REQ's filters make.
 */

export type StoreOutcome =
  | { stored: true; broadcast: true }
  /** Not kept, sent on: an ephemeral event (NIP-01). */
  | { stored: false; broadcast: true }
  | { stored: false; broadcast: false; accepted: boolean; reason: string };

/** An event of `kind` by the `pubkey` parameter whose `name` tag holds `value` (and `more`), found through the tag index. */
const byAuthorTagged = (db: RoomDb, name: string, value: ReturnType<typeof param>, kind: number, ...more: SQL[]) =>
  db
    .select({ id: events.id })
    .from(eventTags)
    .innerJoin(events, eq(events.id, eventTags.eventId))
    .where(
      and(
        eq(eventTags.name, name),
        eq(eventTags.value, value),
        eq(eventTags.kind, kind),
        eq(events.pubkey, param("pubkey")),
        ...more,
      ),
    )
    .limit(1)
    .prepare();

const statements = preparedPerRoom((db) => ({
  has: db
    .select({ id: events.id })
    .from(events)
    .where(eq(events.id, param("id")))
    .prepare(),
  atAddress: db
    .select({ id: events.id, createdAt: events.createdAt })
    .from(events)
    .where(eq(events.address, param("address")))
    .prepare(),
  insert: db
    .insert(events)
    .values({
      id: param("id"),
      pubkey: param("pubkey"),
      kind: param("kind"),
      createdAt: param("createdAt"),
      address: param("address"),
      json: param("json"),
      receivedAt: param("receivedAt"),
    })
    .prepare(),
  insertTag: db
    .insert(eventTags)
    .values({
      eventId: param("eventId"),
      name: param("name"),
      value: param("value"),
      kind: param("kind"),
      createdAt: param("createdAt"),
    })
    .onConflictDoNothing()
    .prepare(),
  deleteEvent: db
    .delete(events)
    .where(eq(events.id, param("id")))
    .prepare(),
  deleteTags: db
    .delete(eventTags)
    .where(eq(eventTags.eventId, param("id")))
    .prepare(),
  /** A deletion (kind 5) by this author that names this event id. */
  deletedById: byAuthorTagged(db, "e", param("id"), KIND_DELETION),
  /** A reaction (kind 7) by this author to this event with this content. */
  sameReaction: byAuthorTagged(
    db,
    "e",
    param("target"),
    KIND_REACTION,
    sql`json_extract(${events.json}, '$.content') = ${param("content")}`,
  ),
  /** A deletion (kind 5) by this author that names this address, at or after this time. */
  deletedByAddress: byAuthorTagged(db, "a", param("address"), KIND_DELETION, gte(events.createdAt, param("createdAt"))),
  ownEvent: db
    .select({ id: events.id, kind: events.kind })
    .from(events)
    .where(and(eq(events.id, param("id")), eq(events.pubkey, param("pubkey"))))
    .prepare(),
  ownAtAddress: db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.address, param("address")), lte(events.createdAt, param("createdAt"))))
    .prepare(),
}));

/** `<kind>:<pubkey>:<d tag>` for a replaceable (empty d) or addressable event; null for any other. */
export function addressOf(event: NostrEvent): string | null {
  if (isReplaceableKind(event.kind)) return `${event.kind}:${event.pubkey}:`;
  if (isAddressableKind(event.kind)) {
    const d = event.tags.find((tag) => tag[0] === "d")?.[1] ?? "";
    return `${event.kind}:${event.pubkey}:${d}`;
  }
  return null;
}

/** Takes a checked event (event-checks.ts): stores it as NIP-01 and NIP-09 say, in one transaction. */
export function storeEvent(store: Sql, event: NostrEvent, now: number): StoreOutcome {
  if (isEphemeralKind(event.kind)) return { stored: false, broadcast: true };
  return store.transaction(() => {
    const s = statements(store.db);
    if (isBanned(store, event.pubkey))
      return {
        stored: false,
        broadcast: false,
        accepted: false,
        reason: "blocked: this pubkey is banned from this community",
      };
    if (s.has.get({ id: event.id }))
      return { stored: false, broadcast: false, accepted: true, reason: "duplicate: already have this event" };
    if (s.deletedById.get({ id: event.id, pubkey: event.pubkey }))
      return { stored: false, broadcast: false, accepted: false, reason: "blocked: its author deleted this event" };
    const address = addressOf(event);
    if (address !== null) {
      if (s.deletedByAddress.get({ address, pubkey: event.pubkey, createdAt: event.created_at }))
        return { stored: false, broadcast: false, accepted: false, reason: "blocked: its author deleted this address" };
      const current = s.atAddress.get({ address });
      // NIP-01: the newest stays; at the same second, the lowest id.
      if (
        current &&
        (current.createdAt > event.created_at || (current.createdAt === event.created_at && current.id < event.id))
      )
        return { stored: false, broadcast: false, accepted: true, reason: "duplicate: a newer version is stored" };
      if (current) remove(store, current.id);
    }
    // One reaction per author, target and content: a second "+" by the same key counts
    // nothing more, however many times a client sends it (NIP-25 leaves this to relays).
    if (event.kind === KIND_REACTION) {
      const target = reactionTarget(event);
      if (target && s.sameReaction.get({ target, pubkey: event.pubkey, content: event.content }))
        return { stored: false, broadcast: false, accepted: true, reason: "duplicate: this key already reacted so" };
    }
    if (event.kind === KIND_DELETION) applyDeletion(store, event);
    s.insert.run({
      id: event.id,
      pubkey: event.pubkey,
      kind: event.kind,
      createdAt: event.created_at,
      address,
      json: JSON.stringify(event),
      receivedAt: now,
    });
    for (const tag of event.tags) {
      if (tag[0]?.length !== 1 || tag[1] === undefined) continue;
      s.insertTag.run({
        eventId: event.id,
        name: tag[0],
        value: tag[1],
        kind: event.kind,
        createdAt: event.created_at,
      });
    }
    return { stored: true, broadcast: true };
  });
}

function remove(store: Sql, id: string): void {
  const s = statements(store.db);
  s.deleteEvent.run({ id });
  s.deleteTags.run({ id });
}

/**
 * NIP-09: a deletion removes the events it names that have its author (never another's),
 * and an address's versions up to its time. Deleting a deletion does nothing.
 */
function applyDeletion(store: Sql, deletion: NostrEvent): void {
  const s = statements(store.db);
  for (const tag of deletion.tags) {
    if (tag[0] === "e" && tag[1]) {
      const target = s.ownEvent.get({ id: tag[1], pubkey: deletion.pubkey });
      if (target && target.kind !== KIND_DELETION) remove(store, target.id);
    } else if (tag[0] === "a" && tag[1]) {
      const [, author] = tag[1].split(":");
      if (author !== deletion.pubkey) continue;
      for (const target of s.ownAtAddress.all({ address: tag[1], createdAt: deletion.created_at }))
        remove(store, target.id);
    }
  }
}

const inList = (values: readonly (string | number)[]) => sql`(select value from json_each(${JSON.stringify(values)}))`;

/**
 * The stored events that match any of the filters, each filter's newest first up to its
 * limit (cut to `maxLimit`; `defaultLimit` without one), as their JSON. Lists are bound as
 * one JSON parameter (`json_each`) whatever their length. A filter with a tag condition
 * starts from the tags' index; any other from the events'. Hidden events and banned
 * authors' are left out.
 */
export function queryEvents(
  store: Sql,
  filters: Filter[],
  limits: { maxLimit: number; defaultLimit: number },
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const filter of filters) {
    const limit = Math.min(filter.limit ?? limits.defaultLimit, limits.maxLimit);
    if (limit === 0) continue;
    // Moderation (moderation.ts): what an owner or admin hid, or a banned pubkey wrote, is served to no one.
    const conditions: SQL[] = servedOnly();
    if (filter.ids) conditions.push(sql`${events.id} in ${inList(filter.ids)}`);
    if (filter.authors) conditions.push(sql`${events.pubkey} in ${inList(filter.authors)}`);
    if (filter.kinds) conditions.push(sql`${events.kind} in ${inList(filter.kinds)}`);
    if (filter.since !== undefined) conditions.push(gte(events.createdAt, filter.since));
    if (filter.until !== undefined) conditions.push(lte(events.createdAt, filter.until));
    const tagFilters = Object.entries(filter)
      .filter(([key, values]) => key.startsWith("#") && Array.isArray(values))
      .map(([key, values]) => [key.slice(1), values as string[]] as const);
    const [first, ...others] = tagFilters;
    for (const [name, values] of others)
      conditions.push(
        sql`${events.id} in (select ${eventTags.eventId} from ${eventTags} where ${eventTags.name} = ${name} and ${eventTags.value} in ${inList(values)})`,
      );
    const rows = first
      ? store.db
          .selectDistinct({ id: events.id, json: events.json, createdAt: events.createdAt })
          .from(eventTags)
          .innerJoin(events, eq(events.id, eventTags.eventId))
          .where(and(eq(eventTags.name, first[0]), sql`${eventTags.value} in ${inList(first[1])}`, ...conditions))
          .orderBy(desc(events.createdAt), asc(events.id))
          .limit(limit)
          .all()
      : store.db
          .select({ id: events.id, json: events.json })
          .from(events)
          .where(and(...conditions))
          .orderBy(desc(events.createdAt), asc(events.id))
          .limit(limit)
          .all();
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      out.push(row.json);
    }
  }
  return out;
}

/** Open subscriptions as stored (subscriptions outlive hibernation; party/rooms/relay/subscriptions.ts). */
export const subscriptionRows = {
  save(store: Sql, connection: string, subId: string, filters: Filter[]): void {
    store.db
      .insert(subscriptions)
      .values({ connection, subId, filters: JSON.stringify(filters) })
      .onConflictDoUpdate({
        target: [subscriptions.connection, subscriptions.subId],
        set: { filters: JSON.stringify(filters) },
      })
      .run();
  },
  drop(store: Sql, connection: string, subId: string): void {
    store.db
      .delete(subscriptions)
      .where(and(eq(subscriptions.connection, connection), eq(subscriptions.subId, subId)))
      .run();
  },
  dropConnection(store: Sql, connection: string): void {
    store.db.delete(subscriptions).where(eq(subscriptions.connection, connection)).run();
  },
  all(store: Sql): { connection: string; subId: string; filters: string }[] {
    return store.db.select().from(subscriptions).all();
  },
};
