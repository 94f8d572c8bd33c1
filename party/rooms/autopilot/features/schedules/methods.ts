import type { z } from "zod";
import type { Actor } from "../../../../../shared/protocol/principal";
import type {
  Schedule,
  ScheduleAction,
  ScheduleControlParams,
  ScheduleRun,
  SchedulesCreateParams,
  SchedulesUpdateParams,
} from "../../../../../shared/protocol/schedules";
import { hasScope } from "../../../../../shared/scopes";
import { isAccessPrincipal } from "../../../../auth/current-access";
import { orNotFound, RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { OpContext } from "../../kernel/commit";
import { requireProject } from "../projects/index";
import { requireThread } from "../threads/index";
import { claimFiring, countSchedules, getSchedule, putSchedule, removeSchedule, runOf } from "./store";
import { checkWhen, nextOccurrence, type ScheduleBounds } from "./times";

/** What bounds the workspace's schedules (the room's limits). */
export interface ScheduleRules extends ScheduleBounds {
  max: number;
}

const NAME_CHARS = 80;

function defaultName(action: ScheduleAction): string {
  const words = action.kind === "prompt" ? action.text : action.goal;
  const line = words.replace(/\s+/g, " ").trim();
  const short = line.length > NAME_CHARS ? `${line.slice(0, NAME_CHARS - 1)}…` : line;
  return action.kind === "prompt" ? `Post “${short}”` : `Task: ${short}`;
}

/** Whom a schedule made in this request acts as: its principal, or the person the Autopilot's run acts for. */
const ownerOf = (ctx: OpContext): Actor => ctx.onBehalfOf ?? ctx.actor;

export function createSchedule(
  ctx: OpContext,
  params: z.output<typeof SchedulesCreateParams>,
  rules: ScheduleRules,
): { schedule: Schedule } {
  const owner = ownerOf(ctx);
  // A schedule acts as its owner and checks their access before each run: only a person or
  // an agent key has access the room can check.
  if (!isAccessPrincipal(owner))
    throw new RoomError("forbidden", "only people and agent keys can create schedules", { principalId: owner.id });
  const total = countSchedules(ctx.sql);
  if (total >= rules.max)
    throw new RoomError("conflict", `this workspace has ${total} schedules, the most it may keep: delete one first`, {
      limit: rules.max,
    });
  const { action } = params;
  if (action.kind === "task" && action.projectId !== undefined) requireProject(ctx.sql, action.projectId);
  if (action.threadId !== undefined) {
    const thread = requireThread(ctx.sql, action.threadId);
    if (thread.archived)
      throw new RoomError("conflict", `thread ${thread.id} is archived: restore it first`, { threadId: thread.id });
  }
  const nextRunAt = checkWhen(params.when, ctx.now, rules);
  const schedule: Schedule = {
    id: ctx.newId("sch"),
    name: params.name ?? defaultName(action),
    when: params.when,
    action,
    status: "active",
    nextRunAt,
    lastRunAt: null,
    lastOutcome: null,
    lastRun: null,
    hook: null,
    createdBy: owner,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  putSchedule(ctx.sql, schedule);
  ctx.emit("schedule.changed", { schedule });
  ctx.audit("schedules.create", schedule.id, { name: schedule.name, when: schedule.when.kind, action: action.kind });
  return { schedule };
}

export function requireSchedule(sql: Sql, scheduleId: string): Schedule {
  return orNotFound(getSchedule(sql, scheduleId), "schedule", scheduleId);
}

/**
 * Who may pause, resume or delete a schedule: people with `write` (the Autopilot's tools as
 * the person they act for), and an agent its own schedules, as for tasks.
 */
export function requireControl(ctx: OpContext, schedule: Schedule): void {
  const who = ownerOf(ctx);
  if (who.kind === "agent" && who.id !== schedule.createdBy.id)
    throw new RoomError("forbidden", "an agent may pause, resume or delete only the schedules it made", {
      scheduleId: schedule.id,
    });
}

/** Writes a changed schedule and tells everyone. */
export function changeSchedule(ctx: OpContext, schedule: Schedule): Schedule {
  const changed = { ...schedule, updatedAt: ctx.now };
  putSchedule(ctx.sql, changed);
  ctx.emit("schedule.changed", { schedule: changed });
  return changed;
}

/**
 * The schedule a pause or resume switches between active and paused, once the caller may
 * control it: `already` when it has the status asked for; one that ended (done, failed) is a
 * conflict, `ended` saying what to do instead.
 */
function scheduleToSwitch(
  ctx: OpContext,
  scheduleId: string,
  to: "active" | "paused",
  ended: string,
): { schedule: Schedule; already: boolean } {
  const schedule = requireSchedule(ctx.sql, scheduleId);
  requireControl(ctx, schedule);
  if (schedule.status === to) return { schedule, already: true };
  if (schedule.status !== (to === "paused" ? "active" : "paused"))
    throw new RoomError("conflict", `schedule ${schedule.id} is ${schedule.status}: ${ended}`, {
      scheduleId: schedule.id,
      status: schedule.status,
    });
  return { schedule, already: false };
}

export function pauseSchedule(ctx: OpContext, params: z.output<typeof ScheduleControlParams>): { schedule: Schedule } {
  const { schedule, already } = scheduleToSwitch(ctx, params.scheduleId, "paused", "it will not run again");
  if (already) return { schedule };
  ctx.audit("schedules.pause", schedule.id, { name: schedule.name });
  return {
    schedule: changeSchedule(ctx, {
      ...schedule,
      status: "paused",
      nextRunAt: null,
      lastOutcome: `paused by ${ctx.actor.name}`,
    }),
  };
}

/**
 * A schedule acts as its owner: what it will do in their name (turning it back on, new
 * words or times) is theirs to change, or an admin's.
 */
export function requireOwnerOrAdmin(ctx: OpContext, schedule: Schedule, what: string): void {
  const who = ownerOf(ctx);
  if (who.id !== schedule.createdBy.id && !(who.kind === "user" && hasScope(ctx.principal.scopes, "admin")))
    throw new RoomError(
      "forbidden",
      `this schedule acts as ${schedule.createdBy.name}: only they or an admin may ${what}`,
      {
        scheduleId: schedule.id,
      },
    );
}

/** Resumed from now: the occurrences it was paused through do not run. */
export function resumeSchedule(ctx: OpContext, params: z.output<typeof ScheduleControlParams>): { schedule: Schedule } {
  const { schedule, already } = scheduleToSwitch(ctx, params.scheduleId, "active", "create a new one");
  if (already) return { schedule };
  requireOwnerOrAdmin(ctx, schedule, "resume it");
  const nextRunAt = nextOccurrence(schedule.when, schedule.createdAt, ctx.now);
  if (nextRunAt === null && schedule.when.kind !== "hook")
    throw new RoomError("conflict", "its time passed while it was paused: create a new one-off", {
      scheduleId: schedule.id,
    });
  ctx.audit("schedules.resume", schedule.id, { name: schedule.name });
  return {
    schedule: changeSchedule(ctx, {
      ...schedule,
      status: "active",
      nextRunAt,
      lastOutcome: `resumed by ${ctx.actor.name}`,
    }),
  };
}

export function deleteSchedule(ctx: OpContext, params: z.output<typeof ScheduleControlParams>): { deleted: boolean } {
  const schedule = getSchedule(ctx.sql, params.scheduleId);
  if (!schedule) return { deleted: false };
  requireControl(ctx, schedule);
  removeSchedule(ctx.sql, schedule.id);
  ctx.emit("schedule.deleted", { scheduleId: params.scheduleId, by: ctx.actor });
  ctx.audit("schedules.delete", params.scheduleId, { name: schedule.name });
  return { deleted: true };
}

/**
 * New name, times or words. New times count from now (an `every` without a start runs one
 * interval from now); an active schedule's next run follows them, a paused one stays paused,
 * and a one-off that ran (done, failed) given a new time is active again.
 */
export function updateSchedule(
  ctx: OpContext,
  params: z.output<typeof SchedulesUpdateParams>,
  rules: ScheduleRules,
): { schedule: Schedule } {
  if (params.name === undefined && params.when === undefined && params.text === undefined)
    throw new RoomError("bad_request", "say what to change: name, when or text", { scheduleId: params.scheduleId });
  const schedule = requireSchedule(ctx.sql, params.scheduleId);
  requireControl(ctx, schedule);
  if (params.when !== undefined || params.text !== undefined) requireOwnerOrAdmin(ctx, schedule, "change what it does");
  let next: Schedule = { ...schedule };
  if (params.name !== undefined) next.name = params.name;
  if (params.text !== undefined)
    next.action =
      schedule.action.kind === "prompt"
        ? { ...schedule.action, text: params.text }
        : { ...schedule.action, goal: params.text };
  if (params.when !== undefined) {
    const nextRunAt = checkWhen(params.when, ctx.now, rules);
    // An interval without a start counts from the edit: its first run is the one just worked out.
    const when =
      params.when.kind === "every" && params.when.startAt === undefined && nextRunAt !== null
        ? { ...params.when, startAt: nextRunAt }
        : params.when;
    next = { ...next, when };
    if (schedule.status === "active") next.nextRunAt = nextRunAt;
    else if (schedule.status === "done" || schedule.status === "failed")
      next = { ...next, status: "active", nextRunAt };
  }
  ctx.audit("schedules.update", schedule.id, {
    name: next.name,
    changed: ["name", "when", "text"].filter((field) => params[field as "name" | "when" | "text"] !== undefined),
  });
  return { schedule: changeSchedule(ctx, next) };
}

/**
 * Runs it once now, as its owner (the runner acts on the claimed firing after this commit,
 * as on one whose time came); its times stay as they are. Any status: a paused one can be
 * tried before it is turned back on.
 */
export function runScheduleNow(
  ctx: OpContext,
  params: z.output<typeof ScheduleControlParams>,
): { schedule: Schedule; run: ScheduleRun } {
  const schedule = requireSchedule(ctx.sql, params.scheduleId);
  requireControl(ctx, schedule);
  const firing = claimFiring(ctx.sql, schedule.id, ctx.now, 1, ctx.now, { trigger: "now", by: ctx.actor });
  if (!firing)
    throw new RoomError("conflict", "it is starting a run at this very moment: try again", { scheduleId: schedule.id });
  const run = runOf(firing, ctx.now);
  ctx.audit("schedules.run", schedule.id, { name: schedule.name });
  return { schedule: changeSchedule(ctx, { ...schedule, lastRun: run }), run };
}
