import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The chat starts' table, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

// instances.startChat: the open starts, one per thread, until the first message is queued
// for the ready gateway or the start failed.
export const chatStarts = sqliteTable("chat_starts", {
  threadId: text("thread_id").primaryKey(),
  approvalId: text("approval_id").notNull().unique(),
  instanceId: col.instanceId(),
  messageId: text("message_id").notNull(),
  createdAt: col.createdAt(),
});
