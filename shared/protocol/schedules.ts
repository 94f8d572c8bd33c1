import { z } from "zod";
import { EntityId, mutatingParams, Timestamp, Title } from "./common";
import { Actor } from "./principal";

/**
 * Schedules (protocol 9; edits, runs now and run history in 12): work the room starts at its times, whether or not anyone is
 * connected — a prompt posted to a thread, or a task given to the Autopilot. It acts as
 * whoever created it, and only while they still have access. The room bounds how many a
 * workspace keeps and how often one may run (its limits, docs/operations.md).
 */

/** Longest prompt or task goal a schedule carries. */
export const MAX_SCHEDULE_TEXT = 4000;
/** Longest interval of an `every` schedule (a year). */
export const MAX_SCHEDULE_EVERY_MS = 366 * 24 * 60 * 60 * 1000;
/** Longest cron expression (five or six fields). */
export const MAX_CRON_EXPRESSION = 120;

export const ScheduleWhen = z.discriminatedUnion("kind", [
  /** Once, at `at`. */
  z.object({ kind: z.literal("once"), at: Timestamp }),
  /**
   * Every `everyMs`, counted from `startAt` (its first run) when given, else from when the
   * schedule was created (its first run one interval later).
   */
  z.object({
    kind: z.literal("every"),
    everyMs: z.number().int().min(1000).max(MAX_SCHEDULE_EVERY_MS),
    startAt: Timestamp.optional(),
  }),
  /** At the times a cron expression names, read in an IANA time zone (e.g. `Europe/Berlin`). */
  z.object({
    kind: z.literal("cron"),
    expression: z.string().trim().min(1).max(MAX_CRON_EXPRESSION),
    timeZone: z.string().trim().min(1).max(64),
  }),
  /** Protocol 12: at no time of its own, only when its webhook is called (`schedules.hook`). */
  z.object({ kind: z.literal("hook") }),
]);
export type ScheduleWhen = z.infer<typeof ScheduleWhen>;

export const ScheduleAction = z.discriminatedUnion("kind", [
  /** Posts `text` to the thread as the schedule's creator (the thread's responder answers as it would them). */
  z.object({
    kind: z.literal("prompt"),
    threadId: EntityId,
    text: z.string().trim().min(1).max(MAX_SCHEDULE_TEXT),
  }),
  /** Gives the Autopilot a task (`tasks.start`) as the schedule's creator. */
  z.object({
    kind: z.literal("task"),
    goal: z.string().trim().min(1).max(MAX_SCHEDULE_TEXT),
    projectId: EntityId.optional(),
    threadId: EntityId.optional(),
  }),
]);
export type ScheduleAction = z.infer<typeof ScheduleAction>;

/**
 * Protocol 12: what started a run — its time came, a person (or agent) pressed "Run now"
 * (`schedules.run`), or its webhook was called.
 */
export const ScheduleTrigger = z.enum(["time", "now", "hook"]);
export type ScheduleTrigger = z.infer<typeof ScheduleTrigger>;

/**
 * Protocol 12: one run of a schedule, as its history keeps it (the newest few per schedule).
 * `running` until its action answered, then `done` or `failed` with what it did in words and
 * what it made: the message it posted, or the task it started.
 */
export const ScheduleRun = z.object({
  /** The occurrence it stands for (its time, or when "Run now" was pressed). */
  at: Timestamp,
  trigger: ScheduleTrigger,
  /** Who pressed "Run now"; null for a run its time started. */
  by: Actor.nullable(),
  status: z.enum(["running", "done", "failed"]),
  /** When its action answered; null while running. */
  finishedAt: Timestamp.nullable(),
  /** What it did or why it failed, in plain words; null while running. */
  outcome: z.string().nullable(),
  /** Occurrences it stands for beyond its own: missed while the room was down. */
  missed: z.number().int().min(0),
  /** What it posted or where its task works, and the task it started. */
  threadId: EntityId.nullable(),
  messageId: EntityId.nullable(),
  taskId: EntityId.nullable(),
});
export type ScheduleRun = z.infer<typeof ScheduleRun>;

/**
 * `active`: it runs at `nextRunAt`. `paused`: a person paused it, or the room did because
 * its creator lost access (`lastOutcome` says which); no next run. `done`: a one-off that
 * ran. `failed`: a one-off whose action failed, or a schedule whose thread is gone.
 */
export const ScheduleStatus = z.enum(["active", "paused", "done", "failed"]);
export type ScheduleStatus = z.infer<typeof ScheduleStatus>;

export const Schedule = z.object({
  id: EntityId,
  name: z.string(),
  when: ScheduleWhen,
  action: ScheduleAction,
  status: ScheduleStatus,
  /** The next time it runs; null when it will not (paused, done, failed). */
  nextRunAt: Timestamp.nullable(),
  /** When it last acted; null before its first run. */
  lastRunAt: Timestamp.nullable(),
  /** What its last run did or why it did not run, in plain words; null before its first run. */
  lastOutcome: z.string().nullable(),
  /** Protocol 12: its newest run (the one `lastRunAt` names, or one running now); null before its first. */
  lastRun: ScheduleRun.nullable(),
  /**
   * Protocol 12: whether it has a webhook URL (`schedules.hook`), since when and when it was last
   * called; null without one. The URL itself is shown once, to whoever asked for it.
   */
  hook: z.object({ createdAt: Timestamp, lastCalledAt: Timestamp.nullable() }).nullable(),
  /** Whom it acts as: whoever created it, or the person the Autopilot's run acted for. */
  createdBy: Actor,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Schedule = z.infer<typeof Schedule>;

export const SchedulesCreateParams = mutatingParams({
  /** Shown in lists; a name made from the action when absent. */
  name: Title.optional(),
  when: ScheduleWhen,
  action: ScheduleAction,
});
/** Every schedule of the workspace (the room keeps at most its limit): active ones soonest first, then the rest. */
export const SchedulesListParams = z.object({}).default({});
export const SchedulesListResult = z.object({ schedules: z.array(Schedule) });
export const ScheduleControlParams = mutatingParams({ scheduleId: EntityId });
export const ScheduleResult = z.object({ schedule: Schedule });
/**
 * Protocol 12: changes a schedule — its name, its times, or the words it posts (a prompt's
 * text, a task's goal). New times count from now; a one-off that ran (done, failed) given a
 * new time is active again. It acts as its creator, so only they (or an admin) change its
 * times and words (anyone with write its name); an agent its own. One of the three is required.
 */
export const SchedulesUpdateParams = mutatingParams({
  scheduleId: EntityId,
  name: Title.optional(),
  when: ScheduleWhen.optional(),
  text: z.string().trim().min(1).max(MAX_SCHEDULE_TEXT).optional(),
});
/** Protocol 12: runs a schedule now, once, as its creator (its times stay as they are). */
export const SchedulesRunResult = z.object({ schedule: Schedule, run: ScheduleRun });
/** Protocol 12: a schedule's run history, newest first (the room keeps the newest MAX_SCHEDULE_RUNS_KEPT). */
export const SchedulesRunsParams = z.object({ scheduleId: EntityId });
export const SchedulesRunsResult = z.object({ runs: z.array(ScheduleRun) });
export const MAX_SCHEDULE_RUNS_KEPT = 20;

/**
 * Protocol 12: gives a schedule a webhook URL (a new one each time: the one before stops
 * working), or takes it away (`enabled: false`). Its owner's or an admin's; an agent its own.
 * `path` is the URL's path on this server (`/api/hooks/…`), shown this once; null when taken away.
 * A POST to it (the body, at most MAX_HOOK_PAYLOAD_BYTES, handed to the run as untrusted text;
 * an `Idempotency-Key` header makes a retry the same run) starts a run as the schedule's owner.
 */
export const SchedulesHookParams = mutatingParams({
  scheduleId: EntityId,
  enabled: z.boolean(),
});
export const SchedulesHookResult = z.object({ schedule: Schedule, path: z.string().max(300).nullable() });
/** The most of a webhook call's body a run is given. */
export const MAX_HOOK_PAYLOAD_BYTES = 16 * 1024;
export const SchedulesDeleteResult = z.object({ deleted: z.boolean() });

/** Durable: a schedule was created or changed (status, next run, last outcome). */
export const ScheduleChangedPayload = z.object({ schedule: Schedule });
/** Durable: a schedule was deleted. */
export const ScheduleDeletedPayload = z.object({ scheduleId: EntityId, by: Actor });
