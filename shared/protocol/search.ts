import { z } from "zod";
import { EntityId, Timestamp } from "./common";

/** Longest `search.query` text; longer is refused (bad_request) rather than cut. */
export const MAX_SEARCH_QUERY = 200;
/** Most message hits one page holds. */
export const MAX_SEARCH_LIMIT = 50;
/** Most thread-title hits the first page holds (ahead of the message hits). */
export const MAX_TITLE_HITS = 5;
/** Longest snippet, in UTF-16 code units. */
export const MAX_SNIPPET = 240;

/**
 * Protocol 8: full-text search over the room's messages and thread titles. `q` is plain
 * text, never query syntax: its words are matched as prefixes, all of them required.
 * Archived threads are left out unless asked for, as in `threads.list`.
 */
export const SearchQueryParams = z.object({
  q: z.string().max(MAX_SEARCH_QUERY),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(20),
  /** Message hits older than this message ordinal (a page's `next`); title hits only come without it. */
  before: z.number().int().positive().optional(),
  includeArchived: z.boolean().default(false),
});

/** A matched part of a snippet: `[start, end)` in UTF-16 code units. */
export const SearchRange = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);

export const SearchHit = z.object({
  threadId: EntityId,
  /** null: the thread's title matched. */
  messageId: EntityId.nullable(),
  /** The message's ordinal, to scroll to it (`messages.list` pages with it); null for a title. */
  n: z.number().int().positive().nullable(),
  /** Plain text around the match (not markup), at most MAX_SNIPPET long. */
  snippet: z.string().max(MAX_SNIPPET + 2),
  ranges: z.array(SearchRange).max(64),
  /** When the message was written; for a title, when the thread last changed. */
  at: Timestamp,
});
export type SearchHit = z.infer<typeof SearchHit>;

/** Titles first (first page only), then messages newest first; `next` continues the messages, null on the last page. */
export const SearchQueryResult = z.object({ hits: z.array(SearchHit), next: z.number().int().positive().nullable() });
export type SearchQueryResult = z.infer<typeof SearchQueryResult>;
