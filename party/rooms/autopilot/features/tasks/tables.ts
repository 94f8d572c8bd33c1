import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The tasks feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

export const tasks = sqliteTable(
  "tasks",
  {
    id: col.id(),
    status: col.status(),
    projectId: text("project_id"),
    threadId: col.threadId(),
    createdAt: col.createdAt(),
    updatedAt: col.updatedAt(),
    doc: col.doc(),
  },
  (t) => [
    index("tasks_status").on(t.status, t.updatedAt),
    index("tasks_project").on(t.projectId, t.createdAt),
    index("tasks_thread").on(t.threadId),
  ],
);

/**
 * A task's conversation, one model message a row in order (decision 97): a step appends the
 * messages it adds instead of writing the whole conversation again with the task's document.
 */
export const taskMessages = sqliteTable(
  "task_messages",
  {
    taskId: text("task_id").notNull(),
    seq: integer("seq").notNull(),
    /** The model message, as the JSON its codec writes (party/records/task.ts). */
    message: text("message").notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
);
