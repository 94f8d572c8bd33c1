import { z } from "zod";
import { EntityId, mutatingParams, Timestamp } from "./common";
import { PageCursor, pageParams } from "./paging";
import { Actor } from "./principal";

/**
 * A task: a goal the Autopilot pursues step by step, for as long as its budget allows,
 * whether or not anyone is connected (protocol 9). A step is one model call and the tool
 * calls it decided; each is checkpointed in the room, so a restart resumes a task at the
 * step it was on. `waiting`: a tool call waits for a person's approval. `paused`: a person
 * paused it; it goes on when resumed. `stopped`: it reached its budget, or whoever started
 * it lost access (`outcome` says which). A person may resume one that failed, stopped or was
 * cancelled from its last checkpoint.
 */
export const TaskStatus = z.enum(["queued", "running", "waiting", "paused", "done", "stopped", "failed", "cancelled"]);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const FINISHED_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(["done", "stopped", "failed", "cancelled"]);

/** What a task may spend: model steps, tokens, and running time (time waiting for people does not count). */
export const TaskBudget = z.object({
  maxSteps: z.number().int().min(1),
  maxTokens: z.number().int().min(1),
  maxRunningMs: z.number().int().min(1000),
});
export type TaskBudget = z.infer<typeof TaskBudget>;

export const TaskUsed = z.object({
  steps: z.number().int().min(0),
  tokens: z.number().int().min(0),
  runningMs: z.number().int().min(0),
});

export const Task = z.object({
  id: EntityId,
  goal: z.string(),
  status: TaskStatus,
  /** The thread the task works in: its steps' text and tool calls are posted there. */
  threadId: EntityId,
  projectId: EntityId.nullable(),
  /** The job that shows the task's progress. */
  jobId: EntityId.nullable(),
  budget: TaskBudget,
  used: TaskUsed,
  startedBy: Actor,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  endedAt: Timestamp.nullable(),
  /** In plain words: the Autopilot's last answer when done, or why it stopped, failed or was cancelled. */
  outcome: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;

export const MAX_TASK_GOAL_CHARS = 4000;

export const TasksStartParams = mutatingParams({
  goal: z.string().trim().min(1).max(MAX_TASK_GOAL_CHARS),
  /** The thread to work in; a new thread titled after the goal when absent. */
  threadId: EntityId.optional(),
  projectId: EntityId.optional(),
  /** Within the workspace's maximum; the workspace's defaults where absent. */
  budget: TaskBudget.partial().optional(),
});
export const TaskControlParams = mutatingParams({
  taskId: EntityId,
  /** Shown in the task's outcome and the audit log. */
  reason: z.string().max(500).optional(),
});
export const TasksGetParams = z.object({ taskId: EntityId });
export const TaskResult = z.object({ task: Task });

/** Protocol 15: what a task with this budget may cost at most, before it is started (the start dialog says it). */
export const TasksEstimateParams = z.object({ budget: TaskBudget.partial().optional() }).default({});
export const TasksEstimateResult = z.object({
  /** The budget a start with these values gets (the workspace's defaults where absent), and the most it may ask. */
  budget: TaskBudget,
  maximum: TaskBudget,
  /**
   * Its worst case: every token of its budget and one more step past it, or every step of its
   * budget at a step's most (its whole context and output), whichever is less, at the dearer
   * of the model's two prices. Null: no model here.
   */
  worstCase: z
    .object({
      credits: z.number().int().nonnegative(),
      tokens: z.number().int().nonnegative(),
      /** Credits per million tokens. */
      pricePerMillion: z.number().int().nonnegative(),
    })
    .nullable(),
  /**
   * Protocol 19: what such a task typically costs here, never more than the worst case: a
   * recent step's median charge times the steps recent tasks took (at most the budget's),
   * `basis: "recent"` with how many model calls and tasks it was read from; before any task
   * was charged, `"default"`: a stated guess (five steps of 3,000 tokens in and 500 out).
   */
  typical: z
    .object({
      credits: z.number().int().nonnegative(),
      steps: z.number().int().min(1),
      basis: z.enum(["recent", "default"]),
      calls: z.number().int().nonnegative(),
      tasks: z.number().int().nonnegative(),
    })
    .nullable()
    .optional(),
});
/** Most recently updated first. */
export const TasksListParams = pageParams(
  { active: z.boolean().default(false), projectId: EntityId.optional() },
  { max: 200, size: 50 },
);
export const TasksListResult = z.object({ tasks: z.array(Task), next: PageCursor.nullable() });
/**
 * Capability `tasks.steps` (protocol 19): what a step changes of a running task. A socket that
 * asked for it gets `task.changed` at a step's end (the task running, a step taken) as this,
 * without what never changes after the start (the goal, thread, project, job, starter and
 * creation time); every other change, and every socket that did not ask, gets the whole task.
 * A client applies it to the task it holds (`withTaskChange`); one that holds none reads the
 * task with `tasks.get`.
 */
export const TaskStepChange = Task.pick({
  id: true,
  status: true,
  budget: true,
  used: true,
  updatedAt: true,
}).extend({
  /** Absent (capability `steps.lean`): null, as it is while a task runs. */
  endedAt: Task.shape.endedAt.optional(),
  /** Absent (capability `steps.lean`): null. */
  outcome: Task.shape.outcome.optional(),
});
export type TaskStepChange = z.infer<typeof TaskStepChange>;
/**
 * Capability `steps.folded` (protocol 19, decision 94): a step's change without its status (a
 * step's change is only sent while the task runs) and its budget (set at the start, never
 * changed after): `withTaskChange` reads the status as `running` and keeps the budget held.
 */
export const TaskStepFolded = TaskStepChange.omit({ status: true, budget: true });
export type TaskStepFolded = z.infer<typeof TaskStepFolded>;
export const TaskEventPayload = z.object({ task: z.union([Task, TaskStepChange, TaskStepFolded]) });

/** Whether a `task.changed` carries the whole task (not only a step's change). */
export const isWholeTask = (task: Task | TaskStepChange | TaskStepFolded): task is Task => "goal" in task;

/** The task as `task.changed` sends it to a socket that asked for `tasks.steps`: only a step's change while it runs. */
export function taskChangeFor(task: Task): Task | TaskStepChange {
  if (task.status !== "running" || task.used.steps === 0) return task;
  const { id, status, budget, used, updatedAt, endedAt, outcome } = task;
  return { id, status, budget, used, updatedAt, endedAt, outcome };
}

/** A task as a `task.changed` leaves it: the whole task, or `known` with a step's change; null when only a change came for a task not held. */
export function withTaskChange(known: Task | undefined, task: Task | TaskStepChange | TaskStepFolded): Task | null {
  if (isWholeTask(task)) return task;
  // A step's change leaves out what is null while a task runs (steps.lean), and its status,
  // running, and the budget, which never changes (steps.folded).
  return known ? { ...known, endedAt: null, outcome: null, status: "running", ...task } : null;
}

export function tasksStepsCapability() {
  return {
    name: "tasks.steps",
    since: 19,
    summary:
      "a running task's change at a step's end carries only what a step changes (task.changed), not the whole task",
    adds: ["events.task.changed.task|object1"],
    // The room writes the whole task (the log, replays and converted sockets get it: a socket
    // that did not ask needs no conversion); a socket that asked is sent the step's change.
    events: {},
    results: {},
    written: {
      "task.changed": (payload: { task: Task }) => {
        const task = taskChangeFor(payload.task);
        return task === payload.task ? payload : { task };
      },
    },
  };
}

/**
 * The run log: what a run of the Autopilot (a reply's run, or a task) did, step by step, as
 * entries a person can read as sentences (`text`) and a program as data (`details`).
 */
export const RunLogKind = z.enum(["start", "model-call", "tool-call", "approval", "error", "end"]);
export const RunLogEntry = z.object({
  runId: EntityId,
  seq: z.number().int().min(1),
  at: Timestamp,
  kind: RunLogKind,
  /** The step (a task's; 0 for a reply's run) the entry belongs to. */
  step: z.number().int().min(0),
  text: z.string(),
  /** Bounded: tool arguments and results are clipped, secrets never appear. */
  details: z.record(z.string(), z.unknown()),
});
export type RunLogEntry = z.infer<typeof RunLogEntry>;
export const RunLogListParams = z.object({
  runId: EntityId,
  /** Entries after this seq (0: from the start). */
  after: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(200),
});
/** `next` is the seq to continue `after`, null on the last page. */
export const RunLogListResult = z.object({ entries: z.array(RunLogEntry), next: z.number().int().nullable() });
/**
 * Ephemeral: entries as they are written; a client that missed some reads them with `runlog.list`.
 * Capability `runlog.marks` (protocol 19): a socket that asked gets no entries (`entries` empty)
 * and `last`, the seq the run's log reached: a client that shows the log reads what it lacks
 * with `runlog.list`, and one that does not show it is not sent every entry of every run.
 */
export const RunLogAppendedPayload = z.object({
  runId: EntityId,
  entries: z.array(RunLogEntry),
  last: z.number().int().min(1).optional(),
});
export type RunLogAppendedPayload = z.infer<typeof RunLogAppendedPayload>;

export function runlogMarksCapability() {
  return {
    name: "runlog.marks",
    since: 19,
    summary:
      "runlog.appended says the seq a run's log reached (last) instead of carrying its entries; runlog.list reads them",
    adds: ["events.runlog.appended.last"],
    // The room writes the entries (every socket that did not ask gets them, as before).
    events: {},
    results: {},
    written: {
      "runlog.appended": (payload: RunLogAppendedPayload) => {
        const last = payload.entries.at(-1)?.seq;
        return last === undefined ? payload : { runId: payload.runId, entries: [], last };
      },
    },
  };
}

/** A task step's stream: its run id is the task's id and the step (`task_….3`). */
const TASK_STEP_RUN = /^task_[0-9a-f]{1,40}\.\d{1,6}$/;
export const isTaskStepRun = (runId: string): boolean => TASK_STEP_RUN.test(runId);

/**
 * What capability `tool.steps` sends a socket that asked of a task step's stream (agent.ts
 * `toolStepsCapability`): not the step's opening `chat.delta` (offset 0, no text) nor the
 * `chat.final` of a step that left no message (a step that only called tools). The room sends
 * a step's text from its first visible character, so a stream such a socket saw always ends
 * with its message; the task's `task.changed` says a step runs. A hello's or a view's stream
 * of a step with no text yet is one to leave out (client `withLive`).
 */
export const taskStepStreams = {
  "chat.delta": (payload: { runId: string; offset: number; text: string }) =>
    payload.offset === 0 && payload.text === "" && isTaskStepRun(payload.runId) ? null : payload,
  "chat.final": (payload: { runId: string; messageId: string | null; aborted: boolean }) =>
    payload.messageId === null && !payload.aborted && isTaskStepRun(payload.runId) ? null : payload,
};
