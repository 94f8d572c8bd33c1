// What work typically costs in this workspace, beside the worst case the budgets are checked
// against: read from what recent model calls of the same purpose were charged (the ledger's
// usage entries), so "typically ~40 credits, at most 320" says what people can expect.
import { and, desc, eq, isNotNull, lt, sql as expr } from "drizzle-orm";
import { ledger } from "./tables";
import type { Sql } from "../../../../domain/sql";
import type { SpendPurpose } from "../../../../../shared/protocol/billing";

/** The recent calls a typical cost is read from: enough for a steady median, few enough to follow a model change. */
const RECENT_CALLS = 200;

/**
 * The stated guess of one model call before any of its purpose was charged here: a modest
 * context in, a short answer out (a reply's first cost, a task's step).
 */
export const TYPICAL_CALL_GUESS = { inputTokens: 3000, outputTokens: 500 } as const;

/** The middle value (the mean of the two middle ones for an even count), rounded up to a whole credit. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const middle = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.ceil(middle);
}

/**
 * The median a recent model call of this purpose was charged, and of how many calls; null
 * before any was charged. A call that failed without usage leaves no ledger entry; an entry
 * charged nothing (no tokens, nothing reserved) says nothing of what a call costs.
 */
export function typicalCallCost(sql: Sql, purpose: SpendPurpose): { credits: number; calls: number } | null {
  const rows = sql.db
    .select({ amount: ledger.amount })
    .from(ledger)
    .where(and(eq(ledger.kind, "usage"), eq(ledger.purpose, purpose), lt(ledger.amount, 0)))
    .orderBy(desc(ledger.at))
    .limit(RECENT_CALLS)
    .all();
  if (rows.length === 0) return null;
  return { credits: median(rows.map((r) => -r.amount)), calls: rows.length };
}

/** The recent runs a run's typical cost is read from. */
const RECENT_RUNS = 50;

/**
 * The median a recent run of this purpose (a reply, with all its model calls) was charged in
 * all, and of how many runs; null before any was charged.
 */
export function typicalRunCost(sql: Sql, purpose: SpendPurpose): { credits: number; runs: number } | null {
  const spent = expr`-sum(${ledger.amount})`.mapWith(Number);
  const rows = sql.db
    .select({ spent })
    .from(ledger)
    .where(and(eq(ledger.kind, "usage"), eq(ledger.purpose, purpose), lt(ledger.amount, 0), isNotNull(ledger.runId)))
    .groupBy(ledger.runId)
    .orderBy(desc(expr`max(${ledger.at})`))
    .limit(RECENT_RUNS)
    .all();
  if (rows.length === 0) return null;
  return { credits: median(rows.map((r) => r.spent)), runs: rows.length };
}
