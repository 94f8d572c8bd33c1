import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import * as col from "./columns";

/**
 * A Nostr community's tables (party/rooms/relay/), the source of its migrations
 * (party/domain/db/migrations/relay). Every event is kept as the JSON it is sent as, with
 * the columns filters ask for; its single-letter tags are rows of their own, so a `#e`,
 * `#p` or `#t` filter is an index lookup.
 */

export const events = sqliteTable(
  "events",
  {
    id: col.id(),
    pubkey: text("pubkey").notNull(),
    kind: integer("kind").notNull(),
    createdAt: col.createdAt(),
    /**
     * Replaceable and addressable events (NIP-01): `<kind>:<pubkey>:<d tag>`, at most one
     * stored per address (the newest). Null for every other event.
     */
    address: text("address"),
    /** The event as NIP-01 serialises it, sent as stored. */
    json: text("json").notNull(),
    /** When this relay took it (ms). */
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    index("events_author_kind_time").on(t.pubkey, t.kind, t.createdAt),
    index("events_kind_time").on(t.kind, t.createdAt),
    index("events_time").on(t.createdAt),
    uniqueIndex("events_address").on(t.address),
  ],
);

/** An event's single-letter tags (NIP-01 filters `#<letter>` ask for them), with its kind and time for ordering. */
export const eventTags = sqliteTable(
  "event_tags",
  {
    eventId: text("event_id").notNull(),
    name: text("name").notNull(),
    value: text("value").notNull(),
    kind: integer("kind").notNull(),
    createdAt: col.createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.name, t.value] }),
    index("event_tags_value_time").on(t.name, t.value, t.createdAt),
  ],
);

/**
 * Open subscriptions, so that they outlive the object's hibernation (a socket's attachment
 * holds too little for a REQ's filters). A socket's rows go when it closes.
 */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    connection: text("connection").notNull(),
    subId: text("sub_id").notNull(),
    filters: text("filters").notNull(),
  },
  (t) => [primaryKey({ columns: [t.connection, t.subId] })],
);

/**
 * Moderation (party/rooms/relay/moderation.ts): events an owner or admin hid, served to no
 * one while hidden; hiding a report takes it off the moderation queue.
 */
export const hiddenEvents = sqliteTable("hidden_events", {
  eventId: text("event_id").primaryKey(),
  at: col.at(),
  /** Who hid it, by name (the queue shows it). */
  by: text("by").notNull(),
});

/** Pubkeys banned from the community: their events are refused and none of theirs is served. */
export const bannedPubkeys = sqliteTable(
  "banned_pubkeys",
  {
    pubkey: text("pubkey").primaryKey(),
    at: col.at(),
    by: text("by").notNull(),
    /** The person or agent key whose ban this pubkey is banned with (null: this pubkey alone, no one's here). */
    principalId: text("principal_id"),
  },
  (t) => [index("banned_pubkeys_principal").on(t.principalId)],
);

/**
 * People and agent keys banned from the community (D1 `nostr_identity` says whose a pubkey
 * is): every pubkey of theirs, and any they register or are given later, is banned with them
 * until the ban is lifted. `pubkey` is the one the moderator named.
 */
export const bannedPrincipals = sqliteTable("banned_principals", {
  principalId: text("principal_id").primaryKey(),
  pubkey: text("pubkey").notNull(),
  at: col.at(),
  by: text("by").notNull(),
});

/**
 * Workspaces whose Autopilot room shows this community live (the public one: a room reads
 * its feed for its people, party/rooms/relay/notify.ts): each is told of new events until
 * `until` (ms), renewed while its people read the feed.
 */
export const watchers = sqliteTable("watchers", {
  workspaceId: text("workspace_id").primaryKey(),
  until: integer("until").notNull(),
});
