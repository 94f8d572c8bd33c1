import { index, sqliteTable } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The jobs feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

export const jobs = sqliteTable(
  "jobs",
  {
    id: col.id(),
    status: col.status(),
    updatedAt: col.updatedAt(),
    doc: col.doc(),
  },
  (t) => [index("jobs_status").on(t.status, t.updatedAt)],
);
