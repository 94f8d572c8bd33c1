// The run log (shared/protocol/tasks.ts RunLogEntry): what each run of the Autopilot did,
// step by step, appended as it happens and read back in order.
import type { RunLogEntry } from "../../../../../shared/protocol/tasks";
import { and, asc, eq, gt, gte, max, sql as sqlText } from "drizzle-orm";
import { runLog } from "./tables";
import { param, preparedPerRoom } from "../../../../domain/db/client";
import type { Sql } from "../../../../domain/sql";
import { runLogRecord } from "../../../../records/task";
import { CommittedMemo } from "../../../../domain/turn-memo";

/** An entry's text and details are bounded before they are stored (tool arguments and results are clipped by the caller). */
const MAX_TEXT = 1000;
const MAX_DETAILS_CHARS = 20_000;

export type NewRunLogEntry = Pick<RunLogEntry, "kind" | "step" | "text" | "details">;

/**
 * Each run's last seq as a commit that appended to its log left it (`runLogCommitted`): a task
 * appends twice a step, and reading the log's end before each append was two statements a step
 * (decision 97). Every append goes through appendRunLog, which tells the memo. As many runs as
 * tasks may run at once in a room, with room to spare.
 */
const ends = new CommittedMemo<string, number>(20);
/** The memo's write number of each append's entries. */
const appends = new WeakMap<RunLogEntry[], number>();

/** Appends entries to a run's log; returns them as stored (with their seq), for the live event. */
export function appendRunLog(sql: Sql, runId: string, entries: NewRunLogEntry[], at: number): RunLogEntry[] {
  if (entries.length === 0) return [];
  const log = logStatements(sql.db);
  const last = ends.read(sql, runId, () => log.last.get({ runId })?.seq ?? 0);
  const write = ends.written(sql, runId);
  const appended = entries.map((entry, i) => {
    const stored: RunLogEntry = {
      runId,
      seq: last + i + 1,
      at,
      kind: entry.kind,
      step: entry.step,
      text: entry.text.length > MAX_TEXT ? `${entry.text.slice(0, MAX_TEXT - 1)}…` : entry.text,
      details: boundedDetails(entry.details),
    };
    log.insert.run({ runId, seq: stored.seq, at, kind: stored.kind, doc: runLogRecord.encode(stored) });
    return stored;
  });
  appends.set(appended, write);
  return appended;
}

/**
 * The commit that appended `appended` (what appendRunLog returned) went through: the run's log
 * end is kept for its next append, unless the log was appended to since.
 */
export function runLogCommitted(sql: Sql, appended: RunLogEntry[]): void {
  const write = appends.get(appended);
  const last = appended.at(-1);
  if (write !== undefined && last) ends.committed(sql, last.runId, last.seq, write);
}

// Written with every model call and tool call of a run, read at its end and by its trace: prepared once per room.
const logStatements = preparedPerRoom((db) => ({
  last: db
    .select({ seq: max(runLog.seq) })
    .from(runLog)
    .where(eq(runLog.runId, param("runId")))
    .prepare(),
  insert: db
    .insert(runLog)
    .values({ runId: param("runId"), seq: param("seq"), at: param("at"), kind: param("kind"), doc: param("doc") })
    .prepare(),
  after: db
    .select({ doc: runLog.doc })
    .from(runLog)
    .where(and(eq(runLog.runId, param("runId")), gt(runLog.seq, param("after"))))
    .orderBy(asc(runLog.seq))
    .limit(param("limit"))
    .prepare(),
}));

function boundedDetails(details: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(details);
  return text.length <= MAX_DETAILS_CHARS ? details : { clipped: true, json: `${text.slice(0, MAX_DETAILS_CHARS)}…` };
}

/** A run's entries after `after`, in order; `next` continues the read (null: none left). */
export function readRunLog(
  sql: Sql,
  runId: string,
  after: number,
  limit: number,
): { entries: RunLogEntry[]; next: number | null } {
  const rows = logStatements(sql.db).after.all({ runId, after, limit: limit + 1 });
  const entries = rows.slice(0, limit).map((row) => runLogRecord.decode(row.doc));
  return { entries, next: rows.length > limit ? (entries.at(-1)?.seq ?? null) : null };
}

/**
 * The runs that wrote to their log at or after `since`, at most `limit` (the traces' pass after
 * a restart: what its timer knew before, read back from the log).
 */
export function runsWrittenSince(sql: Sql, since: number, limit: number): string[] {
  return sql.db
    .selectDistinct({ runId: runLog.runId })
    .from(runLog)
    .where(gte(runLog.at, since))
    .limit(limit)
    .all()
    .map((r) => r.runId);
}

/**
 * Every run's entries written since `since`, in order, at most `limit`, as the few fields the
 * Runs view counts (a model call's model, time and whether it answered; a tool call's tool and
 * status), read from the stored entries without decoding their text.
 */
export function runLogFiguresSince(sql: Sql, since: number, limit: number) {
  const field = (path: string) => sqlText`json_extract(${runLog.doc}, ${path})`;
  return sql.db
    .select({
      runId: runLog.runId,
      at: runLog.at,
      kind: runLog.kind,
      model: field("$.details.model").mapWith((v) => (typeof v === "string" ? v : null)),
      durationMs: field("$.details.durationMs").mapWith((v) => (typeof v === "number" ? v : null)),
      ok: field("$.details.ok").mapWith((v) => v === 1 || v === true),
      tool: field("$.details.tool").mapWith((v) => (typeof v === "string" ? v : null)),
      status: field("$.details.status").mapWith((v) => (typeof v === "string" ? v : null)),
    })
    .from(runLog)
    .where(gte(runLog.at, since))
    .orderBy(asc(runLog.at), asc(runLog.seq))
    .limit(limit)
    .all();
}
