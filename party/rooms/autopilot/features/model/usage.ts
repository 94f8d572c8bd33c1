import type { z } from "zod";
import type { UsageEntry, UsageListParams, UsageListResult } from "../../../../../shared/protocol/agent";
import { and, count, desc, eq, gte, lt, sql as q } from "drizzle-orm";
import { usage } from "./tables";
import type { Sql } from "../../../../domain/sql";
import { param, preparedPerRoom } from "../../../../domain/db/client";

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

// Written with every model call: prepared once per room.
const statements = preparedPerRoom((db) => ({
  insert: db
    .insert(usage)
    .values({
      at: param("at"),
      threadId: param("threadId"),
      runId: param("runId"),
      principalId: param("principalId"),
      purpose: param("purpose"),
      model: param("model"),
      inputTokens: param("inputTokens"),
      outputTokens: param("outputTokens"),
      durationMs: param("durationMs"),
      ok: param("ok"),
    })
    .prepare(),
}));

export function recordUsage(sql: Sql, row: UsageRow): void {
  statements(sql.db).insert.run({
    ...row,
    // A prepared statement binds what it is given: absent is null, as the column's default.
    threadId: row.threadId ?? null,
    runId: row.runId ?? null,
    principalId: row.principalId ?? null,
    inputTokens: row.inputTokens ?? null,
    outputTokens: row.outputTokens ?? null,
    durationMs: Math.max(0, Math.round(row.durationMs)),
    ok: row.ok ? 1 : 0,
  });
}

export function forgetOldUsage(sql: Sql, now: number): void {
  sql.db
    .delete(usage)
    .where(lt(usage.at, now - USAGE_RETENTION_MS))
    .run();
}

const GROUP_KEY = {
  thread: usage.threadId,
  principal: usage.principalId,
  // UTC calendar day of the call.
  day: q<string>`strftime('%Y-%m-%d', ${usage.at} / 1000, 'unixepoch')`,
} as const;

const TOTALS = {
  calls: count(),
  inputTokens: q<number>`coalesce(sum(${usage.inputTokens}), 0)`.mapWith(Number),
  outputTokens: q<number>`coalesce(sum(${usage.outputTokens}), 0)`.mapWith(Number),
  durationMs: q<number>`coalesce(sum(${usage.durationMs}), 0)`.mapWith(Number),
};

export function listUsage(sql: Sql, params: z.output<typeof UsageListParams>): z.output<typeof UsageListResult> {
  const filter = and(
    params.since === undefined ? undefined : gte(usage.at, params.since),
    params.until === undefined ? undefined : lt(usage.at, params.until),
    params.threadId === undefined ? undefined : eq(usage.threadId, params.threadId),
    params.principalId === undefined ? undefined : eq(usage.principalId, params.principalId),
  );
  const totals = sql.db.select(TOTALS).from(usage).where(filter).get() ?? {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    durationMs: 0,
  };
  if (params.groupBy === "none") {
    const rows = sql.db.select().from(usage).where(filter).orderBy(desc(usage.n)).limit(params.limit).all();
    const entries: UsageEntry[] = rows.map((r) => ({ ...r, ok: r.ok === 1 }));
    return { totals, groups: [], entries };
  }
  const key = GROUP_KEY[params.groupBy];
  const groups = sql.db
    .select({ key, ...TOTALS })
    .from(usage)
    .where(filter)
    .groupBy(key)
    .orderBy(desc(q`${TOTALS.inputTokens} + ${TOTALS.outputTokens}`), desc(TOTALS.calls))
    .limit(params.limit)
    .all();
  return { totals, groups };
}
