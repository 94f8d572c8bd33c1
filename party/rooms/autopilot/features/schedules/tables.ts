import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The schedules feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

export const schedules = sqliteTable(
  "schedules",
  {
    id: col.id(),
    status: col.status(),
    /** The next occurrence (ms), null when there is none (paused, or a one-off that fired). */
    nextRunAt: integer("next_run_at"),
    createdAt: col.createdAt(),
    doc: col.doc(),
  },
  (t) => [index("schedules_next").on(t.status, t.nextRunAt)],
);

/**
 * A schedule's webhook (features/schedules/hooks.ts): the SHA-256 of its URL's token, never
 * the token; one per schedule, replaced when a new URL is asked for.
 */
export const scheduleHooks = sqliteTable("schedule_hooks", {
  scheduleId: text("schedule_id").primaryKey(),
  tokenHash: text("token_hash").notNull(),
  createdAt: col.createdAt(),
});

export const scheduleFirings = sqliteTable(
  "schedule_firings",
  {
    scheduleId: text("schedule_id").notNull(),
    /** The occurrence's time (ms): one row per occurrence, so claiming one twice is a conflict. */
    occurrenceAt: integer("occurrence_at").notNull(),
    status: col.status(),
    at: col.at(),
    doc: col.doc(),
  },
  (t) => [primaryKey({ columns: [t.scheduleId, t.occurrenceAt] }), index("schedule_firings_status").on(t.status)],
);
