import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
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
