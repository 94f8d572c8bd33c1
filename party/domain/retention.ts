import { FINISHED_RUN, forgetOldRuns } from "./agent-runs";
import { IDEMPOTENCY_TTL_MS } from "./idempotency";
import type { Sql } from "./sql";
import { forgetOldUsage } from "./usage";

// What each growing table keeps (docs/operations.md, "Retention"). Events trim themselves on append
// (EVENT_LOG_RETAIN); these are swept on a schedule (party/rooms/autopilot/schedules/retention-sweep.ts).

/**
 * How long a gateway import key (the dedupe of gateway messages and runs) is kept. A
 * whole-history read (a reset cursor) of a session whose messages are older than this
 * could import them once more; a month covers any reconnect gap we expect.
 */
export const GATEWAY_IMPORT_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Deletes what the Autopilot keeps no longer: idempotency records past their time, old
 * gateway import keys, audit entries beyond the newest `auditRows`, the agent's finished
 * runs (with their tool-call ledgers) and old usage rows. Returns how many time-bounded
 * rows are left (0: a later sweep has nothing to wait for).
 */
export function sweepRoomTables(sql: Sql, now: number, auditRows: number): number {
  sql.run(`delete from idempotency where at < ?`, now - IDEMPOTENCY_TTL_MS);
  sql.run(`delete from gateway_imports where at < ?`, now - GATEWAY_IMPORT_TTL_MS);
  sql.run(`delete from audit where n <= (select max(n) from audit) - ?`, auditRows);
  forgetOldRuns(sql, now);
  forgetOldUsage(sql, now);
  const left = sql.one<{ n: number }>(
    `select (select count(*) from idempotency) + (select count(*) from gateway_imports)
          + (select count(*) from agent_runs where ${FINISHED_RUN}) + (select count(*) from usage) as n`,
  );
  return left?.n ?? 0;
}

/** The Hatchery's graph.apply keys: kept as long as the Autopilot's. Returns how many are left. */
export function sweepGraphIdempotency(sql: Sql, now: number): number {
  sql.run(`delete from graph_idempotency where at < ?`, now - IDEMPOTENCY_TTL_MS);
  return sql.one<{ n: number }>(`select count(*) as n from graph_idempotency`)?.n ?? 0;
}
