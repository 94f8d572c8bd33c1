import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { UsageEntry } from "../../../../../shared/protocol/agent";
import * as col from "../../../../domain/db/columns";

/**
 * The model feature's table, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

// One usage row per call of the Autopilot's model (a run's step, a summary, a title).
export const usage = sqliteTable(
  "usage",
  {
    n: col.ordinal(),
    at: col.at(),
    threadId: text("thread_id"),
    runId: text("run_id"),
    principalId: text("principal_id"),
    purpose: text("purpose").$type<UsageEntry["purpose"]>().notNull(),
    model: text("model").notNull(),
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    durationMs: integer("duration_ms").notNull(),
    ok: integer("ok").notNull(),
  },
  (t) => [
    index("usage_at").on(t.at),
    index("usage_thread").on(t.threadId, t.at),
    index("usage_principal").on(t.principalId, t.at),
  ],
);
