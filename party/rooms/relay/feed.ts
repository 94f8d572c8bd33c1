import { and, desc, eq, lt, sql } from "drizzle-orm";
import { events, eventTags } from "../../domain/db/relay-schema";
import type { Sql } from "../../domain/sql";
import type { PlainEvent as NostrEvent } from "./messages";
import { servedOnly } from "./moderation";

/**
 * A community's feed as the Autopilot room reads it over RPC (its Community panel, the
 * CLI, MCP): the newest top-level notes (kind 1 with no `e` tag), their replies (NIP-10:
 * a reply names its root in an `e` tag), the reactions to all of them (NIP-25) and their
 * authors' profiles (kind 0). Moderation applies as for any REQ: nothing hidden, nothing
 * of a banned pubkey.
 */

export interface FeedQuery {
  /** Only notes older than this (seconds), to page back. */
  before?: number;
  limit: number;
  /** One thread: this note and its replies. */
  root?: string;
}

export interface FeedPage {
  posts: NostrEvent[];
  replies: NostrEvent[];
  reactions: { eventId: string; pubkey: string; content: string }[];
  profiles: NostrEvent[];
}

const KIND_NOTE = 1;
const KIND_REACTION = 7;
const KIND_PROFILE = 0;
export const MAX_FEED_LIMIT = 100;
/** Replies and reactions read for one page: bounded whatever the threads' size. */
const MAX_REPLIES = 500;
const MAX_REACTIONS = 2000;
/** A statement binds at most 100 values: lists go in as one JSON parameter. */
const inList = (values: readonly string[]) => sql`(select value from json_each(${JSON.stringify(values)}))`;

const parse = (json: string) => JSON.parse(json) as NostrEvent;

/** Served events of `kind` (joined through their tags) with an `e` tag naming one of `ids`: replies to them, reactions to them. */
const naming = (ids: readonly string[], kind: number) =>
  and(eq(eventTags.name, "e"), sql`${eventTags.value} in ${inList(ids)}`, eq(eventTags.kind, kind), ...servedOnly());

export function readFeed(store: Sql, query: FeedQuery): FeedPage {
  const db = store.db;
  const limit = Math.max(1, Math.min(query.limit, MAX_FEED_LIMIT));
  const topLevel = sql`not exists (select 1 from ${eventTags} where ${eventTags.eventId} = ${events.id} and ${eventTags.name} = 'e')`;
  const posts = db
    .select({ json: events.json })
    .from(events)
    .where(
      and(
        eq(events.kind, KIND_NOTE),
        query.root ? eq(events.id, query.root) : topLevel,
        query.before !== undefined ? lt(events.createdAt, query.before) : undefined,
        ...servedOnly(),
      ),
    )
    .orderBy(desc(events.createdAt), events.id)
    .limit(limit)
    .all()
    .map((row) => parse(row.json));
  if (posts.length === 0) return { posts, replies: [], reactions: [], profiles: [] };
  const rootIds = posts.map((p) => p.id);
  const replies = db
    .selectDistinct({ json: events.json, createdAt: events.createdAt })
    .from(eventTags)
    .innerJoin(events, eq(events.id, eventTags.eventId))
    .where(naming(rootIds, KIND_NOTE))
    .orderBy(events.createdAt)
    .limit(MAX_REPLIES)
    .all()
    .map((row) => parse(row.json));
  const noteIds = [...rootIds, ...replies.map((r) => r.id)];
  const reactions = db
    .select({ target: eventTags.value, pubkey: events.pubkey, json: events.json })
    .from(eventTags)
    .innerJoin(events, eq(events.id, eventTags.eventId))
    .where(naming(noteIds, KIND_REACTION))
    .limit(MAX_REACTIONS)
    .all()
    .map((row) => ({ eventId: row.target, pubkey: row.pubkey, content: parse(row.json).content }));
  const authors = [...new Set([...posts, ...replies].map((e) => e.pubkey))];
  const profiles = db
    .select({ json: events.json })
    .from(events)
    .where(and(eq(events.kind, KIND_PROFILE), sql`${events.pubkey} in ${inList(authors)}`, ...servedOnly()))
    .all()
    .map((row) => parse(row.json));
  return { posts, replies, reactions, profiles };
}
