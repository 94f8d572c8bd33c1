import { AUTOPILOT_ID } from "../people";
import type { MessageTool } from "./agent";
import type { Job, JobProgress, JobProgressFolded } from "./jobs";
import { isWholeTask, type Task, type TaskStepChange, type TaskStepFolded } from "./tasks";

/**
 * A task step's report on the task's job: how far it got, in the words every build shares. The
 * room reports it at each step's end (task-step.ts `reportStep`); a client that asked for
 * `steps.derived` makes the same report from the step's `task.changed`.
 */
export function stepReport(steps: number, maxSteps: number): { progress: number; message: string } {
  return {
    progress: Math.min(99, Math.round((steps / Math.max(1, maxSteps)) * 100)),
    message: `step ${steps} of at most ${maxSteps}`,
  };
}

/**
 * How much of a tool's result a live `message.created` carries to a socket that asked for
 * `steps.derived` (half of `tool.steps`' opening): the card shows it only while it reads the
 * whole message, once a person opens it.
 */
export const TOOL_OPENING_CHARS = 40;

const STEP_MESSAGE = /^step (\d{1,9}) of at most (\d{1,9})$/;

/**
 * Whether a job's report is a task step's as `stepReport` words it: the Autopilot's job (no one
 * else reports on it but an admin), unfinished, its progress and message those of a step.
 */
export function isStepReport(job: Job): boolean {
  if (job.owner.id !== AUTOPILOT_ID || job.owner.kind !== "agent" || job.finishedAt !== null) return false;
  const words = STEP_MESSAGE.exec(job.message);
  if (!words) return false;
  const report = stepReport(Number(words[1]), Number(words[2]));
  return report.progress === job.progress && report.message === job.message;
}

/**
 * The task's job as the room's report of the step `after` ended leaves it: the job held, with
 * the step's progress, message and time. Null when `after` took no step past `before` (a wait,
 * a pause, an approval: no report follows), the task has no job, or the job is not held or ended.
 */
export function jobAfterStep(before: Task | undefined, after: Task, job: Job | undefined): Job | null {
  if (!before || !job || after.jobId !== job.id || after.used.steps <= before.used.steps) return null;
  // The room reports only on a job that runs (jobs.ts reportJob).
  if (job.finishedAt !== null) return null;
  return { ...job, ...stepReport(after.used.steps, after.budget.maxSteps), updatedAt: after.updatedAt };
}

/**
 * Capability `steps.derived` (protocol 19, decision 98): what a task sends a socket that asked,
 * less again than `tasks.steps`, `steps.lean` and `steps.folded` send:
 * - every `task.changed` after the task's start (`queued`: its creation, or a resume from its
 *   end) as a change, `{id, status, budget, used, updatedAt}` and its `endedAt` and `outcome`
 *   when set: the goal, thread, project, job, starter and creation time never change after;
 * - a task step's report on its own job (`job.progressed`, `isStepReport`) is not sent: the
 *   room reports it in the same commit right after the step's `task.changed`, which says the
 *   step's count and time, and the task held says its job and budget (`jobAfterStep`). Its
 *   seq is one a socket that views every thread skips right after a `task.changed`.
 * - a tool message's result opens with its first `TOOL_OPENING_CHARS` characters (`resultChars`
 *   the whole length, as `tool.steps` sends it), not 80.
 * The room writes and logs every frame whole: a replay, a resume and the delivery tier give
 * the whole state, and every socket that did not ask gets what it got before.
 */
export function stepsDerivedCapability() {
  return {
    name: "steps.derived",
    since: 19,
    summary:
      "a task sends what the client derives no more: every task.changed after its start as a change (not the whole task), no job.progressed for a task step's report on its own job (the step's task.changed says it), and a tool's result's opening of 40 characters",
    adds: [],
    withholds: ["events.job.progressed"],
    events: {},
    results: {},
    written: {
      "task.changed": (payload: { task: Task | TaskStepChange | TaskStepFolded }) => {
        const task = payload.task;
        if (!isWholeTask(task) || task.status === "queued") return payload;
        const { id, status, budget, used, updatedAt, endedAt, outcome } = task;
        const change: TaskStepChange = {
          id,
          status,
          budget,
          used,
          updatedAt,
          ...(endedAt === null ? {} : { endedAt }),
          ...(outcome === null ? {} : { outcome }),
        };
        return { task: change };
      },
      // The whole message (tool.steps' holds only the opening): the result's length.
      "message.created": <M extends { tool?: MessageTool | undefined }>(
        payload: { message: M },
        whole?: { message: { tool?: MessageTool | undefined } },
      ) => {
        const result = (whole ?? payload).message.tool?.result;
        const tool = payload.message.tool;
        if (!tool || typeof result !== "string" || result.length <= TOOL_OPENING_CHARS) return payload;
        const opening = { ...tool, result: result.slice(0, TOOL_OPENING_CHARS), resultChars: result.length };
        return { ...payload, message: { ...payload.message, tool: opening } };
      },
      // The whole payload (not jobs.progress' change of it): whose report it is.
      "job.progressed": (
        payload: { job: Job | JobProgress | JobProgressFolded },
        whole?: { job: Job | JobProgress | JobProgressFolded },
      ) => {
        const job = (whole ?? payload).job;
        return "title" in job && isStepReport(job) ? null : payload;
      },
    },
  };
}
