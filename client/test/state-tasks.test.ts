// The client's state and a task's step change (capability tasks.steps, decision 84), its job's
// progress as a change (jobs.progress, decision 87).
import { describe, expect, it } from "vitest";
import type { EventName, EventPayload } from "../../shared/protocol/events";
import type { KnownEvent } from "../src/frames";
import type { WorkspaceState } from "../src/state";
import { applied, fromSnapshot } from "./fixtures";
import { taskFixture } from "../../shared/test/task-fixtures";

/** `state` after the next durable event, numbered on from its lastSeq as the room numbers them. */
const appliedNext = <E extends EventName>(state: WorkspaceState, event: E, payload: EventPayload<E>) =>
  applied(state, { known: true, event, payload, seq: (state.lastSeq ?? 0) + 1 } as KnownEvent);

describe("applyEvent and tasks", () => {
  it("applies a task's step change (tasks.steps) to the task it holds, and leaves one it does not hold to be read", () => {
    const task = taskFixture();
    const step = {
      id: "task_1",
      status: "running" as const,
      budget: task.budget,
      used: { steps: 2, tokens: 300, runningMs: 30 },
      updatedAt: 3,
      endedAt: null,
      outcome: null,
    };
    let state = fromSnapshot({}, 5);
    state = appliedNext(state, "task.changed", { task: step });
    expect(state.tasks.has("task_1")).toBe(false);
    state = appliedNext(state, "task.changed", { task });
    state = appliedNext(state, "task.changed", { task: step });
    expect(state.tasks.get("task_1")).toEqual({ ...task, used: step.used, updatedAt: 3 });
    expect(state.lastSeq).toBe(8);
  });

  it("applies a job's progress (jobs.progress) to the job it holds, and leaves one it does not hold to be read", () => {
    const job = {
      id: "job_1",
      title: "Task: Tidy the backlog",
      status: "running" as const,
      progress: 5,
      message: "step 1 of at most 20",
      threadId: "t1",
      owner: { id: "autopilot", kind: "agent" as const, name: "Autopilot" },
      startedAt: 1,
      updatedAt: 2,
      finishedAt: null,
      cancelRequestedBy: null,
      error: null,
    };
    const { title: _t, threadId: _th, owner: _o, startedAt: _s, ...rest } = job;
    const change = { ...rest, progress: 10, message: "step 2 of at most 20", updatedAt: 3 };
    let state = fromSnapshot({}, 5);
    state = appliedNext(state, "job.progressed", { job: { ...change, id: "job_other" } });
    expect(state.jobs.has("job_other")).toBe(false);
    state = appliedNext(state, "job.started", { job });
    state = appliedNext(state, "job.progressed", { job: change });
    expect(state.jobs.get("job_1")).toEqual({ ...job, progress: 10, message: "step 2 of at most 20", updatedAt: 3 });
  });
});
