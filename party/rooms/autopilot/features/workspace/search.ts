import type { z } from "zod";
import {
  MAX_SNIPPET,
  MAX_TITLE_HITS,
  type SearchHit,
  type SearchQueryParams,
  type SearchQueryResult,
} from "../../../../../shared/protocol/search";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";

/** Words of a query that count; more are ignored (all of them are required anyway). */
const MAX_TERMS = 8;
/** A word longer than this is matched by its start. */
const MAX_TERM = 64;
/** Tokens FTS5 puts in a snippet; `bound` then cuts it to MAX_SNIPPET characters. */
const SNIPPET_TOKENS = 24;
/** Context kept before the first match when a snippet is cut. */
const LEAD = 40;
const MAX_RANGES = 64;
// The index holds no such characters (the migration replaces them), so they can only be
// the markers FTS5 put around a match.
const OPEN = "\u0002";
const CLOSE = "\u0003";

/**
 * The FTS5 query for a person's text. The text is never passed as FTS5 syntax: it is cut
 * into words (letters, digits and their marks, as the index's tokenizer sees them), each
 * quoted as a string, so `"`, `*`, `NEAR(`, `-`, `:` or `OR` are plain characters or
 * words. Every word of two or more characters matches as a prefix (results as you type);
 * a single character only as a whole word, so one letter does not expand to the whole
 * vocabulary. null: no word to search for.
 */
export function ftsQuery(text: string): string | null {
  const words = text.normalize("NFKC").match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const terms = [...new Set(words.map((w) => w.slice(0, MAX_TERM)))].slice(0, MAX_TERMS);
  if (terms.length === 0) return null;
  return terms.map((t) => (t.length > 1 ? `"${t}"*` : `"${t}"`)).join(" ");
}

/** A snippet as plain text and its match ranges, cut to MAX_SNIPPET around its first match. */
export function parseSnippet(marked: string): Pick<SearchHit, "snippet" | "ranges"> {
  let text = "";
  const ranges: [number, number][] = [];
  let open = -1;
  for (const ch of marked) {
    if (ch === OPEN) open = text.length;
    else if (ch === CLOSE) {
      if (open >= 0 && text.length > open) ranges.push([open, text.length]);
      open = -1;
    } else text += ch;
  }
  if (text.length <= MAX_SNIPPET) return { snippet: text, ranges: ranges.slice(0, MAX_RANGES) };
  let start = Math.max(0, Math.min((ranges[0]?.[0] ?? 0) - LEAD, text.length - MAX_SNIPPET));
  let end = start + MAX_SNIPPET;
  // Never split a surrogate pair.
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start += 1;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end -= 1;
  const head = start > 0 ? "…" : "";
  const shift = head.length - start;
  const cut = head + text.slice(start, end) + (end < text.length ? "…" : "");
  const kept = ranges
    .map(([s, e]): [number, number] => [Math.max(s, start) + shift, Math.min(e, end) + shift])
    .filter(([s, e]) => e > s)
    .slice(0, MAX_RANGES);
  return { snippet: cut, ranges: kept };
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

interface MessageRow {
  n: number;
  id: string;
  threadId: string;
  at: number | null;
  marked: string | null;
}
interface TitleRow {
  threadId: string;
  at: number;
  marked: string | null;
}

/**
 * `search.query`: thread titles that match (first page only, most recently active first),
 * then matching messages newest first, paged by message ordinal. Messages of archived
 * threads, and archived threads' titles, only when asked for.
 */
export function searchRoom(sql: Sql, params: z.output<typeof SearchQueryParams>): SearchQueryResult {
  const match = ftsQuery(params.q);
  if (!match) return { hits: [], next: null };
  const archived = params.includeArchived ? 1 : 0;
  try {
    const titles =
      params.before === undefined
        ? sql.all<TitleRow>(
            `select s.thread_id as threadId, t.updated_at as at, highlight(search_threads, 0, char(2), char(3)) as marked
             from search_threads s join threads t on t.id = s.thread_id
             where search_threads match ? and t.archived <= ?
             order by t.updated_at desc limit ?`,
            match,
            archived,
            MAX_TITLE_HITS,
          )
        : [];
    const rows = sql.all<MessageRow>(
      `select m.n as n, m.id as id, m.thread_id as threadId,
         case when json_valid(m.doc) then json_extract(m.doc, '$.createdAt') end as at,
         snippet(search_messages, 0, char(2), char(3), '…', ${SNIPPET_TOKENS}) as marked
       from search_messages f join messages m on m.n = f.rowid join threads t on t.id = m.thread_id
       where search_messages match ? and f.rowid < ? and t.archived <= ?
       order by f.rowid desc limit ?`,
      match,
      params.before ?? Number.MAX_SAFE_INTEGER,
      archived,
      params.limit + 1,
    );
    const page = rows.slice(0, params.limit);
    const hits: SearchHit[] = [
      ...titles.map((r) => ({
        threadId: r.threadId,
        messageId: null,
        n: null,
        at: r.at,
        ...parseSnippet(r.marked ?? ""),
      })),
      ...page
        .filter((r) => typeof r.at === "number")
        .map((r) => ({
          threadId: r.threadId,
          messageId: r.id,
          n: r.n,
          at: r.at as number,
          ...parseSnippet(r.marked ?? ""),
        })),
    ];
    return { hits, next: rows.length > params.limit ? page.at(-1)!.n : null };
  } catch (error) {
    // The query is built from quoted words only; should FTS5 still refuse it, the caller
    // gets a typed error, not an internal one.
    if (error instanceof Error && /fts5|syntax/i.test(error.message))
      throw new RoomError("bad_request", "this search cannot be run: try other words");
    throw error;
  }
}
