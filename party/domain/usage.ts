import type { z } from "zod";
import type { UsageEntry, UsageListParams, UsageListResult } from "../../shared/protocol/agent";
import type { Sql, SqlValue } from "./sql";

// What the Autopilot's model calls cost: one row per call (a reply's step, a summary, a
// title), with the tokens the endpoint reported and how long it took.

/** Rows older than this are dropped by the room's daily housekeeping. */
export const USAGE_RETENTION_MS = 90 * 24 * 3_600_000;

export type UsagePurpose = UsageEntry["purpose"];

export interface UsageRow {
  at: number;
  threadId: string | null;
  runId: string | null;
  principalId: string | null;
  purpose: UsagePurpose;
  model: string;
  inputTokens: number | null;
  outputTokens: number | null;
  durationMs: number;
  ok: boolean;
}

export function recordUsage(sql: Sql, row: UsageRow): void {
  sql.run(
    `insert into usage (at, thread_id, run_id, principal_id, purpose, model, input_tokens, output_tokens, duration_ms, ok) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    row.at,
    row.threadId,
    row.runId,
    row.principalId,
    row.purpose,
    row.model,
    row.inputTokens,
    row.outputTokens,
    Math.max(0, Math.round(row.durationMs)),
    row.ok ? 1 : 0,
  );
}

export function forgetOldUsage(sql: Sql, now: number): void {
  sql.run(`delete from usage where at < ?`, now - USAGE_RETENTION_MS);
}

const GROUP_KEY = {
  thread: "thread_id",
  principal: "principal_id",
  // UTC calendar day of the call.
  day: "strftime('%Y-%m-%d', at / 1000, 'unixepoch')",
} as const;

const TOTALS = `count(*) as calls, coalesce(sum(input_tokens), 0) as inputTokens, coalesce(sum(output_tokens), 0) as outputTokens, coalesce(sum(duration_ms), 0) as durationMs`;

type Totals = { calls: number; inputTokens: number; outputTokens: number; durationMs: number };

export function listUsage(sql: Sql, params: z.output<typeof UsageListParams>): z.output<typeof UsageListResult> {
  const where: string[] = [];
  const values: SqlValue[] = [];
  const add = (clause: string, value: SqlValue | undefined) => {
    if (value === undefined) return;
    where.push(clause);
    values.push(value);
  };
  add("at >= ?", params.since);
  add("at < ?", params.until);
  add("thread_id = ?", params.threadId);
  add("principal_id = ?", params.principalId);
  const filter = where.length ? `where ${where.join(" and ")}` : "";
  const totals = sql.one<Totals>(`select ${TOTALS} from usage ${filter}`, ...values) ?? { calls: 0, inputTokens: 0, outputTokens: 0, durationMs: 0 };
  if (params.groupBy === "none") {
    const rows = sql.all<{
      n: number;
      at: number;
      thread_id: string | null;
      run_id: string | null;
      principal_id: string | null;
      purpose: UsagePurpose;
      model: string;
      input_tokens: number | null;
      output_tokens: number | null;
      duration_ms: number;
      ok: number;
    }>(`select * from usage ${filter} order by n desc limit ?`, ...values, params.limit);
    const entries: UsageEntry[] = rows.map((r) => ({
      n: r.n,
      at: r.at,
      threadId: r.thread_id,
      runId: r.run_id,
      principalId: r.principal_id,
      purpose: r.purpose,
      model: r.model,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      durationMs: r.duration_ms,
      ok: r.ok === 1,
    }));
    return { totals, groups: [], entries };
  }
  const key = GROUP_KEY[params.groupBy];
  const groups = sql.all<Totals & { key: string | null }>(
    `select ${key} as key, ${TOTALS} from usage ${filter} group by ${key} order by inputTokens + outputTokens desc, calls desc limit ?`,
    ...values,
    params.limit,
  );
  return { totals, groups };
}
