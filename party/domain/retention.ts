import { forgetOldRuns } from "./agent-runs";
import { forgetExpired } from "./idempotency";
import type { Sql } from "./sql";
import { forgetOldUsage } from "./usage";

// The room's time-based retention in one sweep: idempotency keys past their TTL, the
// Autopilot's finished runs (with their tool-call ledger) and old usage rows. The room
// runs it when it starts and on an hourly schedule, so a room that stays up for weeks
// (sockets keep it alive) forgets them too, not only one that restarts.

export const RETENTION_SWEEP_SECONDS = 3600;

export function sweepRetention(sql: Sql, now: number): void {
  forgetExpired(sql, now);
  forgetOldRuns(sql, now);
  forgetOldUsage(sql, now);
}
