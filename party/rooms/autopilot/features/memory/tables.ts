import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The memory feature's table, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

// The workspace memory: one row per key.
export const memory = sqliteTable("memory", {
  key: text("key").primaryKey(),
  updatedAt: integer("updated_at").notNull(),
  doc: text("doc").notNull(),
});
