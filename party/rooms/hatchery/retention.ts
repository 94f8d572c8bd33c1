import { count, lt } from "drizzle-orm";
import { graphIdempotency } from "../../domain/db/hatchery-schema";
import { IDEMPOTENCY_TTL_MS } from "../../domain/keys";
import type { Sql } from "../../domain/sql";

/** The Hatchery's graph.apply keys: kept as long as the Autopilot's. Returns how many are left. */
export function sweepGraphIdempotency(sql: Sql, now: number): number {
  sql.db
    .delete(graphIdempotency)
    .where(lt(graphIdempotency.at, now - IDEMPOTENCY_TTL_MS))
    .run();
  return sql.db.select({ n: count() }).from(graphIdempotency).get()?.n ?? 0;
}
