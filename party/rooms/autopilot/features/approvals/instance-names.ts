import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The two columns of the instances feature's `instances` table (features/instance-store/tables.ts)
 * that an approval's name lookup reads, typed read-only here: the instances feature files
 * approvals, so importing its table through its index would make the two folders import each
 * other. Not part of the room's schema; party/rooms/autopilot/schema.test.ts checks it against
 * the table.
 */
export const instanceNames = sqliteTable("instances", { id: text("id").primaryKey(), doc: text("doc").notNull() });
