import { and, count, eq, lt, lte, max, notInArray, sql as q } from "drizzle-orm";
import { FINISHED_RUN, forgetOldRuns } from "../agent/index";
import { agentRunsTable as agentRuns } from "../agent/index";
import { usageTable as usage } from "../model/index";
import { approvalGatesTable as approvalGates, approvalsTable as approvals } from "../approvals/index";
import { audit, idempotency } from "../../kernel/tables";
import {
  channelRequestsTable as channelRequests,
  gatewayImportsTable as gatewayImports,
  skillRequestsTable as skillRequests,
} from "../instances/index";
import { IDEMPOTENCY_TTL_MS } from "../../../../domain/keys";
import type { Sql } from "../../../../domain/sql";
import { forgetOldUsage } from "../model/index";

// What each growing table keeps (docs/operations.md, "Retention"). Events trim themselves on append
// (EVENT_LOG_RETAIN); these are swept on a schedule (party/rooms/autopilot/features/retention/sweep.ts).

/**
 * How long a gateway import key (the dedupe of gateway messages and runs) is kept. A
 * whole-history read (a reset cursor) of a session whose messages are older than this
 * could import them once more; a month covers any reconnect gap we expect.
 */
export const GATEWAY_IMPORT_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** How long a decided channel change's row may wait for the reaction that drops it. */
const DECIDED_REQUEST_GRACE_MS = 60 * 60 * 1000;

/**
 * Deletes what the Autopilot keeps no longer: idempotency records past their time, old
 * gateway import keys, audit entries beyond the newest `auditRows`, the agent's finished
 * runs (with their tool-call ledgers), old usage rows and decided gated calls' gates. Returns how many time-bounded
 * rows are left (0: a later sweep has nothing to wait for).
 */
export function sweepRoomTables(sql: Sql, now: number, auditRows: number): number {
  sql.db
    .delete(idempotency)
    .where(lt(idempotency.at, now - IDEMPOTENCY_TTL_MS))
    .run();
  sql.db
    .delete(gatewayImports)
    .where(lt(gatewayImports.at, now - GATEWAY_IMPORT_TTL_MS))
    .run();
  const newest = sql.db.select({ n: max(audit.n) }).from(audit);
  sql.db
    .delete(audit)
    .where(lte(audit.n, q`(${newest}) - ${auditRows}`))
    .run();
  forgetOldRuns(sql, now);
  forgetOldUsage(sql, now);
  // A channel or skill change's row (a bot token or a skill's key, maybe) goes when its approval
  // is decided; one the room was evicted before dropping is dropped here (an hour on, so never one in use).
  const pending = sql.db.select({ id: approvals.id }).from(approvals).where(eq(approvals.status, "pending"));
  for (const table of [channelRequests, skillRequests])
    sql.db
      .delete(table)
      .where(and(lt(table.createdAt, now - DECIDED_REQUEST_GRACE_MS), notInArray(table.approvalId, pending)))
      .run();
  // A gated call's gate is read when its approval is decided and when the call runs on it
  // (or is retried): a decided one is kept as long as an idempotency key.
  sql.db
    .delete(approvalGates)
    .where(and(lt(approvalGates.createdAt, now - IDEMPOTENCY_TTL_MS), notInArray(approvalGates.approvalId, pending)))
    .run();
  const rows = (
    table: typeof idempotency | typeof gatewayImports | typeof agentRuns | typeof usage | typeof approvalGates,
    where?: typeof FINISHED_RUN,
  ) => sql.db.select({ n: count() }).from(table).where(where).get()?.n ?? 0;
  return rows(idempotency) + rows(gatewayImports) + rows(agentRuns, FINISHED_RUN) + rows(usage) + rows(approvalGates);
}
