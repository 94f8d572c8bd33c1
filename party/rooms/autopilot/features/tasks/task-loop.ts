import type { ActingTools, AgentDeps } from "../agent/index";
import { waitUnlessAborted } from "./retry";
import { loopAccess } from "./step-access";

/** What a reply's run takes (runner.ts), less the files; and how many tasks run at once in this room. */
export interface TaskDeps extends Omit<AgentDeps, "files"> {
  concurrent(): number;
  /** A loop started (a task started or resumed, after a wait too): the room's heartbeat must be set. */
  started?(): void;
  /** The runner's last loop ended and it started no other (its heartbeat may go). */
  idle?(): void;
}

/** One loop of the runner over one task: from its start or resume to its wait or its end. */
export interface Active {
  abort: AbortController;
  /** The starter's access as this loop's steps take it (step-access.ts). */
  access: ReturnType<typeof loopAccess>;
  /** Set by a step whose model call failed transiently: how long to wait before taking it again. */
  retryInMs?: number | undefined;
  /**
   * Set by a step that stored its model's calls, which run in the same turn (TaskRunner's loop):
   * the tools its model call was offered, which the calls then run with, built once for the step
   * rather than again a moment later (each call still reads its starter's access).
   */
  stepTools?: ActingTools | undefined;
}

/** The tools a step that stored its calls kept (Active.stepTools), taken once: the pass that runs the calls. */
export function takeStepTools(active: Active): ActingTools | undefined {
  const tools = active.stepTools;
  active.stepTools = undefined;
  return tools;
}

export const newLoop = (d: TaskDeps): Active => ({ abort: new AbortController(), access: loopAccess(d.currentAccess) });

/** What the loop waits between steps: a failed model call's retry wait (a pause's abort ends it), else a turn of the event loop. */
export function betweenSteps(active: Active): Promise<unknown> {
  const wait = active.retryInMs ?? 0;
  active.retryInMs = undefined;
  return wait > 0 ? waitUnlessAborted(wait, active.abort.signal) : new Promise((r) => setTimeout(r, 0));
}
