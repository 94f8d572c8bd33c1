import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The jobs feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    status: text("status").notNull(),
    updatedAt: integer("updated_at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [index("jobs_status").on(t.status, t.updatedAt)],
);
