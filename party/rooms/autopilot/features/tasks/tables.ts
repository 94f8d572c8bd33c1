import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The tasks feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

export const tasks = sqliteTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    status: text("status").notNull(),
    projectId: text("project_id"),
    threadId: text("thread_id").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [
    index("tasks_status").on(t.status, t.updatedAt),
    index("tasks_project").on(t.projectId, t.createdAt),
    index("tasks_thread").on(t.threadId),
  ],
);
