// Capability steps.derived (decision 98): a task step's report on its own job is not sent to a
// socket that asked; the client makes it from the step's task.changed and the task and job it holds.
import { jobAfterStep } from "../../shared/protocol/steps-derived";
import type { KnownEvent } from "./frames";
import type { WorkspaceState } from "./state";

/**
 * The `job.progressed` the room reports right after `event` (a `task.changed` that took the
 * task from `previous` to `state`) and does not send: null when that change ended no step, or
 * the task's job is not held.
 */
export function derivedJobReport(
  previous: WorkspaceState,
  state: WorkspaceState,
  event: KnownEvent,
): KnownEvent | null {
  if (event.event !== "task.changed") return null;
  const after = state.tasks.get(event.payload.task.id);
  if (!after?.jobId) return null;
  const job = jobAfterStep(previous.tasks.get(after.id), after, state.jobs.get(after.jobId));
  return job ? { known: true, event: "job.progressed", payload: { job } } : null;
}
