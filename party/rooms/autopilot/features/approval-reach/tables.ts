import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The approval-reach feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 * Typed columns, not documents: the figures (and whoever measures approval waits) read them
 * with SQL.
 */

/**
 * One row per approval the room tried to reach people for: when it was filed, when someone who
 * may decide was first told, which step of the ladder it is on and when the next is due, when
 * nobody could be reached (and the asker was told), and how it ended.
 */
export const approvalReach = sqliteTable(
  "approval_reach",
  {
    approvalId: text("approval_id").primaryKey(),
    /** pending, decided or expired (a withdrawal expires it too). */
    status: col.status(),
    risk: text("risk").notNull(),
    threadId: text("thread_id"),
    filedAt: integer("filed_at").notNull(),
    /** When the first person who may decide was told on some surface (null: nobody yet). */
    firstToldAt: integer("first_told_at"),
    /** Ladder steps run so far. */
    step: integer("step").notNull().default(0),
    /** When the next step is due (null: none left, or no longer pending). */
    nextAt: integer("next_at"),
    /** When the room last found nobody who may decide reachable (null: someone was). */
    nobodyAt: integer("nobody_at"),
    /** Whether nobody who may decide was reachable at some point of its wait. */
    everNobody: integer("ever_nobody").notNull().default(0),
    lastRemindedAt: integer("last_reminded_at"),
    /** When it was decided or expired. */
    endedAt: integer("ended_at"),
  },
  (t) => [index("approval_reach_next").on(t.status, t.nextAt), index("approval_reach_filed").on(t.filedAt)],
);

/**
 * Whom an approval was sent to: one row per person, with the surfaces they were told on
 * (comma-separated: app, push, mail, and the chat platforms' names), the step that added them,
 * and when they were first and last told.
 */
export const approvalReachPeople = sqliteTable(
  "approval_reach_people",
  {
    approvalId: text("approval_id").notNull(),
    principalId: col.principalId(),
    name: text("name").notNull(),
    role: text("role").notNull(),
    surfaces: text("surfaces").notNull(),
    addedAtStep: integer("added_at_step").notNull(),
    firstToldAt: integer("first_told_at"),
    lastToldAt: integer("last_told_at"),
  },
  (t) => [primaryKey({ columns: [t.approvalId, t.principalId] })],
);
