import { index, integer, sqliteTable } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The projects feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

// Work that runs for minutes or days (features/projects, features/tasks, features/schedules).
// A project holds context the Autopilot reads (brief, links, files) and groups threads,
// tasks and instances. A task is a goal the Autopilot pursues step by step: its checkpoint
// (the model messages so far, the step in flight) lives in `doc`, so a restart resumes it
// at the step it was on. A schedule starts a task or posts a prompt at its times; each
// occurrence it claims is a firing row first (due → done), so an occurrence is acted on
// exactly once however often the room restarts in between.
export const projects = sqliteTable(
  "projects",
  {
    id: col.id(),
    archived: integer("archived").notNull(),
    updatedAt: col.updatedAt(),
    doc: col.doc(),
  },
  (t) => [index("projects_updated").on(t.archived, t.updatedAt)],
);
