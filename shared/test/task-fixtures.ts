// A task as the room sends it whole, for tests of how its changes are sent and applied.
import type { Task } from "../protocol/tasks";

/** A task of thread `t1` with its job, Alice's, running with some steps used; `over` replaces fields. */
export const taskFixture = (over: Partial<Task> = {}): Task => ({
  id: "task_1",
  goal: "Tidy the backlog",
  status: "running",
  threadId: "t1",
  projectId: null,
  jobId: "job_1",
  budget: { maxSteps: 20, maxTokens: 500_000, maxRunningMs: 3_600_000 },
  used: { steps: 1, tokens: 100, runningMs: 10 },
  startedBy: { id: "u1", kind: "user", name: "Alice" },
  createdAt: 1,
  updatedAt: 2,
  endedAt: null,
  outcome: null,
  ...over,
});
