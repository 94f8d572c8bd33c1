import type { Job, JobProgress } from "./jobs";
import type { Task, TaskStepChange } from "./tasks";

/** The fields of `change` named in `keys` that are null, left out. */
function withoutNulls<T extends object>(change: T, keys: readonly (keyof T)[]): T {
  if (!keys.some((key) => key in change && change[key] === null)) return change;
  const lean = { ...change };
  for (const key of keys) if (lean[key] === null) delete lean[key];
  return lean;
}

const TASK_NULLS = ["endedAt", "outcome"] as const;
const JOB_NULLS = ["finishedAt", "cancelRequestedBy", "error"] as const;

/**
 * Capability `steps.lean` (protocol 19, decision 89): a running task's step change
 * (`tasks.steps`) and a job's progress report (`jobs.progress`) leave out the fields that are
 * null, which is what they are while a task or job runs; `withTaskChange` and `withJobChange`
 * read a missing one as null. A whole task or job is sent whole, its nulls included.
 */
export function stepsLeanCapability() {
  return {
    name: "steps.lean",
    since: 19,
    summary:
      "a running task's step change and a job's progress report leave out their fields that are null (endedAt, outcome; finishedAt, cancelRequestedBy, error)",
    // The lesser frames of tasks.steps and jobs.progress, whose fields it makes optional.
    adds: ["events.task.changed.task|object1", "events.job.progressed.job|object1"],
    // After tasks.steps and jobs.progress (their lesser frames are what this one trims); the
    // room writes the whole frame, which the log, replays and every converted socket get.
    events: {},
    results: {},
    written: {
      "task.changed": (payload: { task: Task | TaskStepChange }) => {
        if ("goal" in payload.task) return payload;
        const task = withoutNulls<TaskStepChange>(payload.task, TASK_NULLS);
        return task === payload.task ? payload : { task };
      },
      "job.progressed": (payload: { job: Job | JobProgress }) => {
        if ("title" in payload.job) return payload;
        const job = withoutNulls<JobProgress>(payload.job, JOB_NULLS);
        return job === payload.job ? payload : { job };
      },
    },
  };
}
