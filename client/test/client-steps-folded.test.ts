// The client library and the room's steps.folded: a task step's frames come without what the
// client reads from the rest (a tool message's author and nulls; a step's status and
// budget; a running job's status), and the state and listeners get them whole.
import { describe, expect, it } from "vitest";
import { eventually } from "./fake-room";
import type { Job } from "../../shared/protocol/jobs";
import type { Task } from "../../shared/protocol/tasks";
import type { Message } from "../../shared/protocol/threads";
import { message, snapshot, thread } from "./fixtures";
import { fakeRoomPerTest } from "./client-harness";
import { taskFixture } from "../../shared/test/task-fixtures";

const harness = fakeRoomPerTest();

describe("a task step's frames sent folded (steps.folded)", () => {
  const autopilot = { id: "autopilot", kind: "agent" as const, name: "Autopilot" };
  const tool = {
    callId: "call_1_0",
    name: "threads_list",
    arguments: '{"limit":1}',
    result: '{"threads":[]}',
    status: "ok" as const,
    durationMs: null,
    approvalId: null,
    runId: "task_1",
  };
  const whole = message("m1", "t1", 1, { author: autopilot, kind: "tool", text: "List the threads: done", tool });
  const task: Task = taskFixture({
    goal: "List the threads",
    status: "queued",
    used: { steps: 0, tokens: 0, runningMs: 0 },
    startedBy: { id: "user_alice", kind: "user", name: "Alice" },
    updatedAt: 1,
  });
  const job: Job = {
    id: "job_1",
    title: "List the threads",
    status: "running",
    progress: 0,
    message: "",
    threadId: "t1",
    owner: { id: "user_alice", kind: "user", name: "Alice" },
    startedAt: 1,
    updatedAt: 1,
    finishedAt: null,
    cancelRequestedBy: null,
    error: null,
  };

  it("hands listeners and the state the whole message, task and job", async () => {
    harness.room.onConnect = () => ({ seq: 1, snapshot: snapshot({ threads: [thread("t1")] }) });
    const client = harness.connect();
    await client.ready();
    const messages: Message[] = [];
    client.on("message.created", ({ message: m }) => messages.push(m as Message));
    const room = harness.room.latest;
    room.event("job.started", { job }, 2);
    room.event("task.changed", { task }, 3);
    const { author: _author, tool: _tool, ...rest } = whole;
    const { durationMs: _d, approvalId: _a, ...folded } = tool;
    room.event("message.created", { message: { ...rest, tool: folded } }, 4);
    room.event(
      "task.changed",
      { task: { id: task.id, used: { steps: 1, tokens: 900, runningMs: 40 }, updatedAt: 5 } },
      5,
    );
    room.event(
      "job.progressed",
      { job: { id: job.id, progress: 5, message: "step 1 of at most 20", updatedAt: 5 } },
      6,
    );
    await eventually(() => expect(client.lastSeq).toBe(6));
    expect(messages).toEqual([whole]);
    expect(client.state.tasks.get(task.id)).toEqual({
      ...task,
      status: "running",
      used: { steps: 1, tokens: 900, runningMs: 40 },
      updatedAt: 5,
    });
    expect(client.state.jobs.get(job.id)).toEqual({
      ...job,
      progress: 5,
      message: "step 1 of at most 20",
      updatedAt: 5,
    });
  });
});
