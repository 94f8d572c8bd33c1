import type { AgentDeps } from "../agent/index";
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
}

export const newLoop = (d: TaskDeps): Active => ({ abort: new AbortController(), access: loopAccess(d.currentAccess) });
