import type { z } from "zod";
import type { Actor } from "../../../../../shared/protocol/principal";
import type {
  Schedule,
  ScheduleAction,
  ScheduleControlParams,
  SchedulesCreateParams,
} from "../../../../../shared/protocol/schedules";
import { hasScope } from "../../../../../shared/scopes";
import { isAccessPrincipal } from "../../../../auth/current-access";
import { RoomError } from "../../../../domain/errors";
import type { OpContext } from "../../kernel/op-context";
import { requireProject } from "../projects/index";
import { requireThread } from "../threads/index";
import { countSchedules, getSchedule, putSchedule, removeSchedule } from "./store";
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
    createdBy: owner,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  putSchedule(ctx.sql, schedule);
  ctx.emit("schedule.changed", { schedule });
  ctx.audit("schedules.create", schedule.id, { when: schedule.when.kind, action: action.kind });
  return { schedule };
}

function requireSchedule(ctx: OpContext, scheduleId: string): Schedule {
  const schedule = getSchedule(ctx.sql, scheduleId);
  if (!schedule) throw new RoomError("not_found", `no schedule ${scheduleId}`, { scheduleId });
  return schedule;
}

/**
 * Who may pause, resume or delete a schedule: people with `write` (the Autopilot's tools as
 * the person they act for), and an agent its own schedules, as for tasks.
 */
function requireControl(ctx: OpContext, schedule: Schedule): void {
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
  const schedule = requireSchedule(ctx, scheduleId);
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
  ctx.audit("schedules.pause", schedule.id);
  return {
    schedule: changeSchedule(ctx, {
      ...schedule,
      status: "paused",
      nextRunAt: null,
      lastOutcome: `paused by ${ctx.actor.name}`,
    }),
  };
}

/** Resumed from now: the occurrences it was paused through do not run. */
export function resumeSchedule(ctx: OpContext, params: z.output<typeof ScheduleControlParams>): { schedule: Schedule } {
  const { schedule, already } = scheduleToSwitch(ctx, params.scheduleId, "active", "create a new one");
  if (already) return { schedule };
  // It acts as its owner: turning it back on is theirs to do (or an admin's).
  if (
    ownerOf(ctx).id !== schedule.createdBy.id &&
    !(ownerOf(ctx).kind === "user" && hasScope(ctx.principal.scopes, "admin"))
  )
    throw new RoomError(
      "forbidden",
      `this schedule acts as ${schedule.createdBy.name}: only they or an admin may resume it`,
      { scheduleId: schedule.id },
    );
  const nextRunAt = nextOccurrence(schedule.when, schedule.createdAt, ctx.now);
  if (nextRunAt === null)
    throw new RoomError("conflict", "its time passed while it was paused: create a new one-off", {
      scheduleId: schedule.id,
    });
  ctx.audit("schedules.resume", schedule.id);
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
  ctx.audit("schedules.delete", params.scheduleId);
  return { deleted: true };
}
