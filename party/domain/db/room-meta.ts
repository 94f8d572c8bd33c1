import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The key/value meta every room keeps (the epoch, the event sequence, the Hatchery's pulled
 * sequence): in both rooms' schemas (party/rooms/autopilot/schema.ts, hatchery-schema.ts).
 */

export const roomMeta = sqliteTable("room_meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
