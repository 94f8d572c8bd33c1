// The spans waiting for the collector, in the room's storage: bounded (past the bound the
// oldest are dropped and counted), so a collector that is down costs a run nothing and the
// room's storage never grows with it; and the exporter's counters, which the app shows.
import { asc, count, gt, lte, sql as raw } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "../../../../domain/db/client";
import type { Sql } from "../../../../domain/sql";
import type { SpanDoc } from "./spans";
import { traceMeta, traceQueue } from "./tables";

export interface ExportCounters {
  exported: number;
  dropped: number;
  /** Failed tries of the batch at the head of the queue. */
  attempts: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastExportAt: number | null;
}

/** The key of the exporter's durable cursor (passedAt). */
const PASSED = "passedAt";

// Every pass and every export reads and writes these: prepared once per room.
const metaStatements = preparedPerRoom((db) => ({
  counters: db.select({ key: traceMeta.key, value: traceMeta.value }).from(traceMeta).prepare(),
  // The rows come in as one JSON parameter of [key, value] pairs (an export writes three); an
  // upsert whose rows come from a select needs its where clause (SQLite's parsing of upserts).
  put: db
    .insert(traceMeta)
    .select(
      raw`select json_extract("value", '$[0]'), json_extract("value", '$[1]') from json_each(${param("rows")}) where true`,
    )
    .onConflictDoUpdate({ target: traceMeta.key, set: { value: excluded("value") } })
    .prepare(),
  passedAt: db.select({ value: traceMeta.value }).from(traceMeta).where(raw`${traceMeta.key} = ${PASSED}`).prepare(),
}));

const NUMBERS = ["exported", "dropped", "attempts", "lastErrorAt", "lastExportAt"] as const;

export function counters(sql: Sql): ExportCounters {
  const rows = new Map(
    metaStatements(sql.db)
      .counters.all()
      .map((r) => [r.key, r.value]),
  );
  const n = (key: string): number | null => (rows.has(key) ? Number(rows.get(key)) : null);
  return {
    exported: n("exported") ?? 0,
    dropped: n("dropped") ?? 0,
    attempts: n("attempts") ?? 0,
    lastError: rows.get("lastError") ?? null,
    lastErrorAt: n("lastErrorAt"),
    lastExportAt: n("lastExportAt"),
  };
}

export function setCounters(sql: Sql, change: Partial<ExportCounters>): void {
  const rows: [key: string, value: string][] = [];
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    if (value === null) {
      sql.db.delete(traceMeta).where(raw`${traceMeta.key} = ${key}`).run();
      continue;
    }
    const text = NUMBERS.includes(key as (typeof NUMBERS)[number]) ? String(value) : String(value).slice(0, 500);
    rows.push([key, text]);
  }
  put(sql, rows);
}

/** Writes these keys' values in one statement (an export writes three). */
function put(sql: Sql, rows: [key: string, value: string][]): void {
  if (rows.length > 0) metaStatements(sql.db).put.run({ rows: JSON.stringify(rows) });
}

// Each pass queues spans and counts the queue, each export reads its head and removes it: prepared once per room.
const queueStatements = preparedPerRoom((db) => ({
  // A pass's spans in one statement whatever their number (a statement binds at most 100
  // values): their documents go in as one JSON parameter, in order.
  spans: db
    .insert(traceQueue)
    .select(raw`select null, "value" from json_each(${param("docs")}) order by "key"`)
    .prepare(),
  queued: db.select({ n: count() }).from(traceQueue).prepare(),
  head: db.select().from(traceQueue).orderBy(asc(traceQueue.n)).limit(param("max")).prepare(),
  removeUpTo: db
    .delete(traceQueue)
    .where(lte(traceQueue.n, param("upTo")))
    .returning({ n: traceQueue.n })
    .prepare(),
}));

export const queued = (sql: Sql): number => queueStatements(sql.db).queued.get()?.n ?? 0;

/** Queues `spans`; past `maxQueue` the oldest go, counted as dropped. Returns how many went. */
export function enqueue(sql: Sql, spans: SpanDoc[], maxQueue: number): number {
  if (spans.length > 0)
    queueStatements(sql.db).spans.run({ docs: JSON.stringify(spans.map((span) => JSON.stringify(span))) });
  const over = queued(sql) - maxQueue;
  if (over > 0) drop(sql, over);
  return Math.max(0, over);
}

/** Drops the `howMany` oldest spans, counted. */
export function drop(sql: Sql, howMany: number): void {
  const last = sql.db
    .select({ n: traceQueue.n })
    .from(traceQueue)
    .orderBy(asc(traceQueue.n))
    .limit(1)
    .offset(howMany - 1)
    .get();
  if (!last) return;
  sql.db.delete(traceQueue).where(lte(traceQueue.n, last.n)).run();
  setCounters(sql, { dropped: counters(sql).dropped + howMany });
}

/** The oldest `max` spans, and the ordinal up to which they reach. */
export function head(sql: Sql, max: number): { spans: SpanDoc[]; upTo: number } {
  const rows = queueStatements(sql.db).head.all({ max });
  return { spans: rows.map((r) => JSON.parse(r.doc) as SpanDoc), upTo: rows.at(-1)?.n ?? 0 };
}

/** Removes the spans up to `upTo` (sent, or given up on); returns how many. */
export function removeUpTo(sql: Sql, upTo: number): number {
  return queueStatements(sql.db).removeUpTo.all({ upTo }).length;
}

export const hasQueued = (sql: Sql): boolean =>
  sql.db.select({ n: traceQueue.n }).from(traceQueue).where(gt(traceQueue.n, 0)).limit(1).get() !== undefined;

/**
 * The exporter's durable cursor: runs that wrote before it were passed over (or wrote while no
 * spans were made); null before the first. What the batch timer knew is read back from it after a restart.
 */
export const passedAt = (sql: Sql): number | null => {
  const row = metaStatements(sql.db).passedAt.get();
  return row ? Number(row.value) : null;
};

export const setPassedAt = (sql: Sql, at: number): void => put(sql, [[PASSED, String(at)]]);
