import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The memory feature's table, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

// The workspace memory: one row per key.
export const memory = sqliteTable("memory", {
  key: text("key").primaryKey(),
  updatedAt: col.updatedAt(),
  doc: col.doc(),
});
