import { and, asc, count, desc, eq, isNotNull, lt, lte, ne } from "drizzle-orm";
import { z } from "zod";
import { Timestamp } from "../../../../../shared/protocol/common";
import { Actor } from "../../../../../shared/protocol/principal";
import {
  MAX_SCHEDULE_RUNS_KEPT,
  Schedule,
  type ScheduleRun,
  ScheduleTrigger,
} from "../../../../../shared/protocol/schedules";
import { excluded, preparedPerRoom } from "../../../../domain/db/client";
import { scheduleFirings, scheduleHooks, schedules } from "./tables";
import type { Sql } from "../../../../domain/sql";
import { docById } from "../../kernel/paging";
import { defineRecord, readable } from "../../../../records/codec";
import { withRunAndHook } from "../../../../records/schedule-upgrades";

// The schedules' data: each schedule is its wire shape in `doc`, with the columns the room
// finds the due ones by; each occurrence the room claims is a firing row, `due` until it was
// acted on, then `done` or `failed` (features/schedules/firing.ts).

export const scheduleRecord = defineRecord("schedule", Schedule, [withRunAndHook]);

export const FiringStatus = z.enum(["due", "done", "failed"]);
export type FiringStatus = z.infer<typeof FiringStatus>;

const FiringDoc = z.object({
  /** How many occurrences this firing stands for (more than one when the room missed some). */
  occurrences: z.number().int().min(1),
  claimedAt: Timestamp,
  /** What acting on it did, in plain words; null while due. */
  outcome: z.string().nullable(),
  /** What started it (protocol 12; firings stored before were all their time's). */
  trigger: ScheduleTrigger.default("time"),
  /** Who pressed "Run now". */
  by: Actor.nullable().default(null),
  /** What its action made: the thread and message it posted, the task it started. */
  threadId: z.string().nullable().default(null),
  messageId: z.string().nullable().default(null),
  taskId: z.string().nullable().default(null),
  /** A hook's call: the body it sent (bounded by the Worker) and its `Idempotency-Key`. */
  payload: z.string().nullable().default(null),
  hookKey: z.string().nullable().default(null),
});
export type FiringDoc = z.infer<typeof FiringDoc>;
/** What acting on a firing made, kept with its outcome. */
export type FiringMade = Pick<FiringDoc, "threadId" | "messageId" | "taskId">;
export const firingRecord = defineRecord("schedule firing", FiringDoc);

export interface Firing {
  scheduleId: string;
  occurrenceAt: number;
  status: FiringStatus;
  doc: z.infer<typeof FiringDoc>;
}

/** Finished firings kept per schedule (the newest): its run history. */
const FINISHED_FIRINGS_KEPT = MAX_SCHEDULE_RUNS_KEPT;

export function getSchedule(sql: Sql, id: string): Schedule | null {
  return docById(sql, schedules, id, (doc) => scheduleRecord.decode(doc));
}

export function putSchedule(sql: Sql, schedule: Schedule): void {
  sql.db
    .insert(schedules)
    .values({
      id: schedule.id,
      status: schedule.status,
      nextRunAt: schedule.nextRunAt,
      createdAt: schedule.createdAt,
      doc: scheduleRecord.encode(schedule),
    })
    .onConflictDoUpdate({
      target: schedules.id,
      set: { status: excluded("status"), nextRunAt: excluded("next_run_at"), doc: excluded("doc") },
    })
    .run();
}

/** Deletes a schedule and its firings; whether there was one. */
export function removeSchedule(sql: Sql, id: string): boolean {
  sql.db.delete(scheduleFirings).where(eq(scheduleFirings.scheduleId, id)).run();
  removeHook(sql, id);
  return sql.db.delete(schedules).where(eq(schedules.id, id)).returning({ id: schedules.id }).all().length > 0;
}

export function countSchedules(sql: Sql): number {
  return sql.db.select({ n: count() }).from(schedules).get()?.n ?? 0;
}

// Read by every inbox derivation (a schedule whose last run failed is its creator's item): built once per room.
const everySchedule = preparedPerRoom((db) =>
  db.select({ doc: schedules.doc }).from(schedules).orderBy(desc(schedules.createdAt)).prepare(),
);

/** Every schedule: active ones soonest first, then the others, most recently created first. */
export function allSchedules(sql: Sql): Schedule[] {
  const rows = everySchedule(sql.db).all();
  const all = readable(rows, (row) => scheduleRecord.decode(row.doc));
  const active = all
    .filter((s) => s.status === "active")
    .sort((a, b) => (a.nextRunAt ?? Infinity) - (b.nextRunAt ?? Infinity));
  return [...active, ...all.filter((s) => s.status !== "active")];
}

/** Active schedules whose next run is at or before `now`. */
export function dueSchedules(sql: Sql, now: number): Schedule[] {
  const rows = sql.db
    .select({ doc: schedules.doc })
    .from(schedules)
    .where(and(eq(schedules.status, "active"), lte(schedules.nextRunAt, now)))
    .orderBy(asc(schedules.nextRunAt))
    .all();
  return readable(rows, (row) => scheduleRecord.decode(row.doc));
}

/** The earliest next run of an active schedule, or null when none will run. */
export function earliestNextRun(sql: Sql): number | null {
  const row = sql.db
    .select({ at: schedules.nextRunAt })
    .from(schedules)
    // A one-off claimed and not yet acted on is active with no next run: SQLite sorts nulls first.
    .where(and(eq(schedules.status, "active"), isNotNull(schedules.nextRunAt)))
    .orderBy(asc(schedules.nextRunAt))
    .limit(1)
    .get();
  return row?.at ?? null;
}

/**
 * Claims one occurrence: a `due` firing row, answered as claimed. Null when it was claimed
 * before (the row's key is the schedule and the occurrence's time), so no occurrence is
 * claimed twice.
 */
export function claimFiring(
  sql: Sql,
  scheduleId: string,
  occurrenceAt: number,
  occurrences: number,
  now: number,
  started: { trigger: ScheduleTrigger; by: Actor | null } = { trigger: "time", by: null },
  call: { payload: string; key: string | null } | null = null,
): Firing | null {
  const doc: FiringDoc = {
    occurrences,
    claimedAt: now,
    outcome: null,
    ...started,
    threadId: null,
    messageId: null,
    taskId: null,
    payload: call?.payload ?? null,
    hookKey: call?.key ?? null,
  };
  const claimed = sql.db
    .insert(scheduleFirings)
    .values({ scheduleId, occurrenceAt, status: "due", at: now, doc: firingRecord.encode(doc) })
    .onConflictDoNothing()
    .returning({ scheduleId: scheduleFirings.scheduleId })
    .all();
  return claimed.length > 0 ? { scheduleId, occurrenceAt, status: "due", doc } : null;
}

function firingOf(row: { scheduleId: string; occurrenceAt: number; status: string; doc: string }): Firing {
  return {
    scheduleId: row.scheduleId,
    occurrenceAt: row.occurrenceAt,
    status: FiringStatus.parse(row.status),
    doc: firingRecord.decode(row.doc),
  };
}

/** Firings claimed and not yet acted on, oldest first. */
export function dueFirings(sql: Sql): Firing[] {
  const rows = sql.db
    .select()
    .from(scheduleFirings)
    .where(eq(scheduleFirings.status, "due"))
    .orderBy(asc(scheduleFirings.at), asc(scheduleFirings.occurrenceAt))
    .all();
  return readable(rows, firingOf);
}

export function getFiring(sql: Sql, scheduleId: string, occurrenceAt: number): Firing | null {
  const row = sql.db
    .select()
    .from(scheduleFirings)
    .where(and(eq(scheduleFirings.scheduleId, scheduleId), eq(scheduleFirings.occurrenceAt, occurrenceAt)))
    .get();
  return row ? firingOf(row) : null;
}

/** A due firing acted on: `done` or `failed`, with what happened; older finished firings of its schedule go. */
export function finishFiring(
  sql: Sql,
  firing: Firing,
  status: Exclude<FiringStatus, "due">,
  outcome: string,
  now: number,
  made: Partial<FiringMade> = {},
): Firing {
  const finished: Firing = { ...firing, status, doc: { ...firing.doc, ...made, outcome } };
  sql.db
    .update(scheduleFirings)
    .set({ status, at: now, doc: firingRecord.encode(finished.doc) })
    .where(
      and(eq(scheduleFirings.scheduleId, firing.scheduleId), eq(scheduleFirings.occurrenceAt, firing.occurrenceAt)),
    )
    .run();
  const kept = sql.db
    .select({ occurrenceAt: scheduleFirings.occurrenceAt })
    .from(scheduleFirings)
    .where(and(eq(scheduleFirings.scheduleId, firing.scheduleId), ne(scheduleFirings.status, "due")))
    .orderBy(desc(scheduleFirings.occurrenceAt))
    .limit(FINISHED_FIRINGS_KEPT)
    .all();
  const oldestKept = kept.at(-1)?.occurrenceAt;
  if (kept.length < FINISHED_FIRINGS_KEPT || oldestKept === undefined) return finished;
  sql.db
    .delete(scheduleFirings)
    .where(
      and(
        eq(scheduleFirings.scheduleId, firing.scheduleId),
        ne(scheduleFirings.status, "due"),
        lt(scheduleFirings.occurrenceAt, oldestKept),
      ),
    )
    .run();
  return finished;
}

/**
 * A firing as its schedule's run: `running` while due. `finishedAt` is the row's `at` once
 * finished (the row's time of its last change).
 */
export function runOf(firing: Firing, at: number): ScheduleRun {
  const { doc } = firing;
  return {
    at: firing.occurrenceAt,
    trigger: doc.trigger,
    by: doc.by,
    status: firing.status === "due" ? "running" : firing.status,
    finishedAt: firing.status === "due" ? null : at,
    outcome: doc.outcome,
    missed: doc.occurrences - 1,
    threadId: doc.threadId,
    messageId: doc.messageId,
    taskId: doc.taskId,
  };
}

/** A schedule's firings, newest first: the finished ones kept (finishFiring) and any due. */
function firingsOf(sql: Sql, scheduleId: string) {
  const rows = sql.db
    .select()
    .from(scheduleFirings)
    .where(eq(scheduleFirings.scheduleId, scheduleId))
    .orderBy(desc(scheduleFirings.occurrenceAt))
    .all();
  return readable(rows, (row) => ({ firing: firingOf(row), at: row.at }));
}

/** A schedule's runs, newest first. */
export const runsOf = (sql: Sql, scheduleId: string): ScheduleRun[] =>
  firingsOf(sql, scheduleId).map(({ firing, at }) => runOf(firing, at));

/** A schedule's runs its hook started (the ones kept), newest first. */
export const hookFirings = (sql: Sql, scheduleId: string): Firing[] =>
  firingsOf(sql, scheduleId)
    .map(({ firing }) => firing)
    .filter((f) => f.doc.trigger === "hook");

/** Takes a schedule's webhook away (its token's hash: hooks.ts). */
export function removeHook(sql: Sql, scheduleId: string): void {
  sql.db.delete(scheduleHooks).where(eq(scheduleHooks.scheduleId, scheduleId)).run();
}
