// The client library and the room's steps.derived: a task's changes after its start come as
// changes, and a task step's report on its own job is not sent; the library makes the report
// from the step's change (state and listeners get it whole) and takes the seq it would have had
// as no gap. A gap anywhere else still resumes.
import { describe, expect, it } from "vitest";
import { eventually } from "./fake-room";
import type { Job } from "../../shared/protocol/jobs";
import type { Task } from "../../shared/protocol/tasks";
import { snapshot, thread } from "./fixtures";
import { fakeRoomPerTest } from "./client-harness";
import { taskFixture } from "../../shared/test/task-fixtures";

const harness = fakeRoomPerTest();

const autopilot = { id: "autopilot", kind: "agent" as const, name: "Autopilot" };
const task: Task = taskFixture({ status: "queued", used: { steps: 0, tokens: 0, runningMs: 0 }, updatedAt: 1 });
const job: Job = {
  id: "job_1",
  title: "Task: Tidy the backlog",
  status: "running",
  progress: 0,
  message: "queued",
  threadId: "t1",
  owner: autopilot,
  startedAt: 1,
  updatedAt: 1,
  finishedAt: null,
  cancelRequestedBy: null,
  error: null,
};
const step = (steps: number, updatedAt: number) => ({
  task: { id: task.id, used: { steps, tokens: 100 * steps, runningMs: 10 * steps }, updatedAt },
});

describe("a task's job reported from its steps' changes (steps.derived)", () => {
  it("makes each step's report, hands it on whole, and takes its seq as sent", async () => {
    harness.room.onConnect = () => ({ seq: 1, snapshot: snapshot({ threads: [thread("t1")] }) });
    const client = harness.connect();
    await client.ready();
    const reports: Job[] = [];
    const events: string[] = [];
    client.on("job.progressed", ({ job: j }) => reports.push(j as Job));
    client.on("event", (frame) => events.push(frame.event));
    const room = harness.room.latest;
    room.event("job.started", { job }, 2);
    room.event("task.changed", { task }, 3);
    room.event(
      "task.changed",
      { task: { id: task.id, status: "running", budget: task.budget, used: task.used, updatedAt: 2 } },
      4,
    );
    room.event("task.changed", step(1, 5), 5);
    // Seq 6 was the step's report, not sent.
    room.event("task.changed", step(2, 7), 7);
    // Seq 8 too; the task's end comes as a change and its job's end whole.
    room.event(
      "task.changed",
      {
        task: {
          id: task.id,
          status: "done",
          budget: task.budget,
          used: step(2, 9).task.used,
          updatedAt: 9,
          endedAt: 9,
          outcome: "Tidied.",
        },
      },
      9,
    );
    await eventually(() => expect(client.lastSeq).toBe(9));
    expect(harness.room.connections).toHaveLength(1);
    const report = (steps: number, updatedAt: number): Job => ({
      ...job,
      progress: steps * 5,
      message: `step ${steps} of at most 20`,
      updatedAt,
    });
    expect(reports).toEqual([report(1, 5), report(2, 7)]);
    expect(events.filter((e) => e === "job.progressed")).toHaveLength(2);
    expect(client.state.jobs.get(job.id)).toEqual(report(2, 7));
    expect(client.state.tasks.get(task.id)).toEqual({
      ...task,
      status: "done",
      used: { steps: 2, tokens: 200, runningMs: 20 },
      updatedAt: 9,
      endedAt: 9,
      outcome: "Tidied.",
    });
  });

  it("a report the room sent anyway is applied as sent; a gap after any other event resumes", async () => {
    harness.room.onConnect = () => ({ seq: 1, snapshot: snapshot({ threads: [thread("t1")] }) });
    const client = harness.connect();
    await client.ready();
    const room = harness.room.latest;
    room.event("job.started", { job }, 2);
    room.event("task.changed", { task }, 3);
    room.event("task.changed", step(1, 5), 4);
    room.event(
      "job.progressed",
      { job: { id: job.id, progress: 5, message: "step 1 of at most 20", updatedAt: 5 } },
      5,
    );
    room.event("job.progressed", { job: { id: job.id, progress: 7, message: "almost", updatedAt: 6 } }, 6);
    await eventually(() => expect(client.lastSeq).toBe(6));
    expect(client.state.jobs.get(job.id)).toMatchObject({ progress: 7, message: "almost", updatedAt: 6 });
    // Seq 7 missed after a job's report, not a task's change: the client resumes from 6.
    room.event("job.progressed", { job: { id: job.id, progress: 8, message: "more", updatedAt: 8 } }, 8);
    await harness.room.waitForConnections(2);
  });

  it("reads a task it does not hold when its change comes, and makes its next steps' reports", async () => {
    harness.room.onConnect = () => ({ seq: 1, snapshot: snapshot({ threads: [thread("t1")], jobs: [job] }) });
    const running = {
      ...task,
      status: "running" as const,
      used: { steps: 3, tokens: 300, runningMs: 30 },
      updatedAt: 4,
    };
    harness.room.onRequest = (request, connection) => {
      if (request.method === "tasks.get") connection.respond(request.id, { task: running });
    };
    const client = harness.connect();
    await client.ready();
    const room = harness.room.latest;
    room.event("task.changed", step(3, 4), 2);
    await eventually(() => expect(client.state.tasks.get(task.id)).toEqual(running));
    room.event("task.changed", step(4, 6), 4);
    await eventually(() => expect(client.lastSeq).toBe(4));
    expect(client.state.jobs.get(job.id)).toMatchObject({
      progress: 20,
      message: "step 4 of at most 20",
      updatedAt: 6,
    });
    expect(harness.room.connections).toHaveLength(1);
  });
});
