import type { PageCursor } from "../../shared/protocol/paging";
import type { Sql, SqlValue } from "./sql";
import { readable } from "../records/codec";

/** One page of a newest-first list: the items and where the next page starts (null: none). */
export interface Page<T> {
  items: T[];
  next: PageCursor | null;
}

export interface PageQuery<T> {
  /** Table with `id`, a time column and `doc`. */
  table: string;
  /** The sort column (newest first); ties are broken by id. */
  time: string;
  /** Extra filter (SQL with `?` placeholders) and its parameters. */
  where?: string;
  params?: SqlValue[];
  before?: PageCursor;
  limit: number;
  /**
   * Stops before the stored documents pass this many bytes (a bounded hello); at least
   * nothing is over it, so a single huge row is left for the list method to return.
   */
  maxBytes?: number;
  decode: (doc: string) => T;
}

const encoder = new TextEncoder();

/**
 * Keyset paging over (time, id) descending: stable while rows are added at the head, and
 * each page is one indexed range scan however deep the client has paged.
 */
export function pageRows<T>(sql: Sql, q: PageQuery<T>): Page<T> {
  const conditions = [q.where, q.before ? `(${q.time} < ? or (${q.time} = ? and id < ?))` : undefined].filter(Boolean);
  const params: SqlValue[] = [...(q.params ?? []), ...(q.before ? [q.before.at, q.before.at, q.before.id] : [])];
  const rows = sql.all<{ id: string; at: number; doc: string }>(
    `select id, ${q.time} as at, doc from ${q.table} ${conditions.length ? `where ${conditions.join(" and ")}` : ""} order by ${q.time} desc, id desc limit ?`,
    ...params,
    q.limit + 1,
  );
  let taken = Math.min(rows.length, q.limit);
  if (q.maxBytes !== undefined) {
    let bytes = 0;
    for (let i = 0; i < taken; i++) {
      bytes += encoder.encode(rows[i]!.doc).byteLength;
      if (bytes > q.maxBytes) {
        taken = i;
        break;
      }
    }
  }
  const page = rows.slice(0, taken);
  const last = page.at(-1);
  const more = rows.length > taken;
  // Nothing fitted: the next page starts at the head (before the first row, i.e. no cursor
  // would skip it), so the cursor is one just after the newest row.
  const next = more ? (last ? { at: last.at, id: last.id } : afterRow(rows[0]!)) : null;
  return { items: readable(page, (r) => q.decode(r.doc)), next };
}

/** A cursor that sorts just before `row` in descending order, so a page from it starts at `row`. */
function afterRow(row: { at: number; id: string }): PageCursor {
  return { at: row.at + 1, id: row.id };
}

/** How many rows match a filter. */
export function countRows(sql: Sql, table: string, where?: string, ...params: SqlValue[]): number {
  return sql.one<{ n: number }>(`select count(*) as n from ${table} ${where ? `where ${where}` : ""}`, ...params)?.n ?? 0;
}
