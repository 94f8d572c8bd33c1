import type { Scheduler } from "agents/schedules";
import type { Principal } from "../../../../../shared/protocol/principal";
import type { Schedule } from "../../../../../shared/protocol/schedules";
import { hasScope } from "../../../../../shared/scopes";
import type { CurrentAccess } from "../../kernel/services";
import type { OpContext, RoomWriter } from "../../kernel/commit";
import { getThread } from "../threads/index";
import type { RoomServices } from "../../kernel/services";
import { MAX_MESSAGE_TEXT } from "../../../../../shared/protocol/common";
import { MAX_TASK_GOAL_CHARS } from "../../../../../shared/protocol/tasks";
import { withPayload } from "./hooks";
import { changeSchedule } from "./methods";
import {
  claimFiring,
  dueFirings,
  dueSchedules,
  earliestNextRun,
  type Firing,
  type FiringMade,
  finishFiring,
  getFiring,
  getSchedule,
  runOf,
} from "./store";
import { nextOccurrence, occurrencesSince } from "./times";

declare module "../../kernel/feature" {
  interface RoomVias {
    /** A schedule acting as its owner. */
    schedule: true;
  }
}

// How a schedule runs (docs/decisions/042-schedules-fire-exactly-once.md): the room keeps one
// alarm at the earliest next run. When it fires, one transaction claims every due occurrence
// (a `due` firing row keyed by the schedule and the occurrence's time) and moves each
// schedule's next run to its first occurrence after now, so occurrences missed while the room
// was down become one firing. Then each due firing is acted on, through the room's one entry
// as the schedule's owner with an idempotency key made from the occurrence, and marked done
// or failed. A restart between the claim and the act finds the firing still due on start and
// acts then; one between the act and its mark acts again with the same key, which the entry
// answers from its record: the action happens once.

/** The scheduled callback's name (declared with the feature: index.ts). */
export const FIRE_SCHEDULES = "fireSchedules";

/** When an owner's access could not be read (D1 did not answer), the firing waits this long and is tried again. */
const ACCESS_RETRY_MS = 60_000;

export interface ScheduleRunnerDeps extends RoomWriter {
  scheduler: Pick<Scheduler, "set" | "list" | "cancel">;
  currentAccess: CurrentAccess;
  call: RoomServices["call"];
  keepAliveWhile(work: () => Promise<void>): Promise<void>;
  workspaceId(): string;
}

type Outcome = { ok: true; text: string; made: Partial<FiringMade> } | { ok: false; code: string; text: string };

/** The key the action is taken with: the same for the same occurrence, whatever restarts in between. */
export const firingKey = (firing: Pick<Firing, "scheduleId" | "occurrenceAt">): string =>
  `schedule:${firing.scheduleId}:${firing.occurrenceAt}`;

/** Claims every due occurrence in one transaction (the room's own commit). */
export function claimDue(ctx: OpContext): void {
  for (const schedule of dueSchedules(ctx.sql, ctx.now)) {
    const occurrenceAt = schedule.nextRunAt as number;
    const occurrences = occurrencesSince(schedule.when, schedule.createdAt, occurrenceAt, ctx.now);
    const firing =
      claimFiring(ctx.sql, schedule.id, occurrenceAt, occurrences, ctx.now) ??
      getFiring(ctx.sql, schedule.id, occurrenceAt);
    changeSchedule(ctx, {
      ...schedule,
      nextRunAt: nextOccurrence(schedule.when, schedule.createdAt, ctx.now),
      ...(firing ? { lastRun: runOf(firing, ctx.now) } : {}),
    });
  }
}

/** The schedule with this firing as its newest run, unless a newer one is already on it. */
function withRun(schedule: Schedule, firing: Firing, now: number): Schedule {
  const newest = schedule.lastRun === null || schedule.lastRun.at <= firing.occurrenceAt;
  return newest ? { ...schedule, lastRun: runOf(firing, now) } : schedule;
}

/** What acting on a firing did, on its row and its schedule. */
function recordOutcome(ctx: OpContext, firing: Firing, outcome: Outcome): void {
  const finished = finishFiring(
    ctx.sql,
    firing,
    outcome.ok ? "done" : "failed",
    outcome.text,
    ctx.now,
    outcome.ok ? outcome.made : {},
  );
  const schedule = getSchedule(ctx.sql, firing.scheduleId);
  if (!schedule) return;
  const missed = firing.doc.occurrences - 1;
  const note =
    missed > 0
      ? ` (one run for ${missed + 1} occurrences: ${missed} ${missed === 1 ? "was" : "were"} missed while the room was down)`
      : "";
  let changed: Schedule = {
    ...withRun(schedule, finished, ctx.now),
    lastRunAt: ctx.now,
    lastOutcome: `${outcome.text}${note}`,
  };
  // Its thread (or project) is gone: nothing for it to act on any more.
  if (!outcome.ok && outcome.code === "not_found") changed = { ...changed, status: "failed", nextRunAt: null };
  // A one-off ran (a run someone started now leaves its own time as it was).
  else if (schedule.when.kind === "once" && firing.doc.trigger === "time")
    changed = { ...changed, status: outcome.ok ? "done" : "failed", nextRunAt: null };
  changeSchedule(ctx, changed);
}

/** The owner's access is gone or narrowed: the firing does not act and the schedule pauses, saying why. */
function pauseForAccess(ctx: OpContext, firing: Firing, why: string): void {
  const finished = finishFiring(ctx.sql, firing, "failed", `did not run: ${why}`, ctx.now);
  const schedule = getSchedule(ctx.sql, firing.scheduleId);
  if (!schedule) return;
  changeSchedule(ctx, {
    ...withRun(schedule, finished, ctx.now),
    status: "paused",
    nextRunAt: null,
    lastOutcome: `paused: ${why}`,
  });
  ctx.audit("schedule.paused", schedule.id, { name: schedule.name, reason: why });
}

export class ScheduleRunner {
  #chain: Promise<void> = Promise.resolve();
  /** Set while a firing waits to be tried again (its owner's access could not be read). */
  #retryAt: number | null = null;

  constructor(private readonly d: ScheduleRunnerDeps) {}

  /** The scheduled callback: claims what is due, acts on it, and sets the alarm at the next run. */
  fire(): Promise<void> {
    return this.#serial(async () => {
      this.d.commit(null, claimDue);
      await this.#actOnDue();
      await this.#arm();
    });
  }

  /** On start: acts on firings a restart left claimed, then makes sure of the alarm (in the background). */
  start(): void {
    void this.d.keepAliveWhile(() =>
      this.#serial(async () => {
        await this.#actOnDue();
        await this.#arm();
      }),
    );
  }

  /**
   * After a commit that changed a schedule: acts on a run someone started now (or one still
   * due), and the alarm follows the earliest next run.
   */
  settle(): void {
    void this.d.keepAliveWhile(() =>
      this.#serial(async () => {
        await this.#actOnDue();
        await this.#arm();
      }),
    );
  }

  /** One piece of work at a time: an alarm, a start and a re-arm never act on the same firing at once. */
  #serial(work: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(work, work);
    this.#chain = run.catch((error: unknown) => this.#log("schedule work failed", error));
    return run;
  }

  async #actOnDue(): Promise<void> {
    this.#retryAt = null;
    for (const firing of dueFirings(this.d.sql)) await this.#act(firing);
  }

  async #act(firing: Firing): Promise<void> {
    const schedule = getSchedule(this.d.sql, firing.scheduleId);
    if (!schedule) return;
    const owner = schedule.createdBy;
    let principal: Principal;
    try {
      const verdict = await this.d.currentAccess({ ...owner, scopes: [] });
      if (!verdict.ok) {
        this.d.commit(null, (ctx) =>
          pauseForAccess(ctx, firing, `${owner.name} no longer has access (${verdict.reason})`),
        );
        return;
      }
      principal = verdict.principal;
    } catch (error) {
      // Nothing runs on a guess: the firing stays due and is tried again.
      this.#retryAt = Date.now() + ACCESS_RETRY_MS;
      this.#log("could not read a schedule owner's access", error);
      return;
    }
    if (!hasScope(principal.scopes, "write")) {
      this.d.commit(null, (ctx) => pauseForAccess(ctx, firing, `${owner.name} no longer holds the write scope`));
      return;
    }
    const outcome = await this.#perform(principal, schedule, firing).catch(
      (error: unknown): Outcome => ({ ok: false, code: "internal", text: `failed: ${String(error)}` }),
    );
    this.d.commit(null, (ctx) => {
      // Read again in the transaction: only a firing still due is finished here.
      const current = getFiring(ctx.sql, firing.scheduleId, firing.occurrenceAt);
      if (current?.status === "due") recordOutcome(ctx, current, outcome);
    });
  }

  /** The schedule's action, as its owner, through the room's one entry. */
  async #perform(principal: Principal, schedule: Schedule, firing: Firing): Promise<Outcome> {
    const as = { principal, via: "schedule" as const, scheduleId: schedule.id };
    const idempotencyKey = firingKey(firing);
    const { action } = schedule;
    // A run its webhook started is given the call's body, as untrusted text.
    const { payload } = firing.doc;
    if (action.kind === "prompt") {
      const { response } = await this.d.call(as, "chat.send", {
        threadId: action.threadId,
        text: payload === null ? action.text : withPayload(action.text, payload, MAX_MESSAGE_TEXT),
        idempotencyKey,
      });
      if (!response.ok) return { ok: false, code: response.error.code, text: `failed: ${response.error.message}` };
      const title = getThread(this.d.sql, action.threadId)?.title ?? action.threadId;
      const { message } = response.payload as { message: { id: string } };
      return {
        ok: true,
        text: `posted its prompt to “${title}”`,
        made: { threadId: action.threadId, messageId: message.id },
      };
    }
    const { response } = await this.d.call(as, "tasks.start", {
      goal: payload === null ? action.goal : withPayload(action.goal, payload, MAX_TASK_GOAL_CHARS),
      ...(action.threadId !== undefined ? { threadId: action.threadId } : {}),
      ...(action.projectId !== undefined ? { projectId: action.projectId } : {}),
      idempotencyKey,
    });
    if (!response.ok) return { ok: false, code: response.error.code, text: `failed: ${response.error.message}` };
    const { task } = response.payload as { task: { id: string; threadId: string | null } };
    return { ok: true, text: `started task ${task.id}`, made: { taskId: task.id, threadId: task.threadId } };
  }

  /**
   * Keeps one alarm, at the earliest next run (or a retry). Scheduled times are whole
   * seconds: rounded up, the alarm never comes before the run it is for. A row whose time
   * has come is left alone (it may be the one running now); it finds nothing and re-arms.
   */
  async #arm(): Promise<void> {
    const next = earliestNextRun(this.d.sql);
    const at = [next, this.#retryAt].filter((t): t is number => t !== null).reduce((a, b) => Math.min(a, b), Infinity);
    const now = Date.now();
    const wanted = at === Infinity ? null : Math.ceil(Math.max(at, now) / 1000);
    let kept = false;
    for (const row of await this.d.scheduler.list()) {
      if (row.callback !== FIRE_SCHEDULES || row.time * 1000 <= now) continue;
      if (!kept && row.time === wanted) kept = true;
      else await this.d.scheduler.cancel(row.id);
    }
    // Idempotent on its time (the payload): an arm at start and another at once (a restart, a
    // change racing it) write one row for one time. Keyed by the time, it never matches the row
    // running now, which a plain callback match would, leaving no alarm for the next run.
    if (wanted !== null && !kept)
      await this.d.scheduler.set(new Date(wanted * 1000), FIRE_SCHEDULES, { at: wanted }, { idempotent: true });
  }

  #log(msg: string, error: unknown): void {
    console.error(JSON.stringify({ msg, workspace: this.d.workspaceId(), error: String(error) }));
  }
}
