// What a socket that asked for every capability is sent live when a capability sends less than
// the whole frame (decision 84), and that every other frame goes as written.
import { describe, expect, it } from "vitest";
import type { RunLogEntry, Task } from "../../../shared/protocol/tasks";
import { eventFrame, writtenText } from "./socket-fanout";

const task: Task = {
  id: "task_1",
  goal: "Tidy the backlog",
  status: "running",
  threadId: "thr_1",
  projectId: null,
  jobId: "job_1",
  budget: { maxSteps: 20, maxTokens: 500_000, maxRunningMs: 3_600_000 },
  used: { steps: 3, tokens: 9_000, runningMs: 1_200 },
  startedBy: { id: "u1", kind: "user", name: "Alice" },
  createdAt: 1,
  updatedAt: 2,
  endedAt: null,
  outcome: null,
};

const entry = (seq: number): RunLogEntry => ({
  runId: "task_1",
  seq,
  at: seq,
  kind: "tool-call",
  step: 1,
  text: "List the threads: done",
  details: { result: "x".repeat(400) },
});

const sent = (event: "task.changed" | "runlog.appended", payload: never) =>
  JSON.parse(writtenText(event, payload, eventFrame(event, payload))).payload;

describe("what a socket that asked is sent live", () => {
  it("a running task's step change without what was set at its start; every other change whole", () => {
    expect(sent("task.changed", { task } as never)).toEqual({
      task: {
        id: "task_1",
        status: "running",
        budget: task.budget,
        used: task.used,
        updatedAt: 2,
        endedAt: null,
        outcome: null,
      },
    });
    for (const whole of [
      { ...task, used: { ...task.used, steps: 0 } },
      { ...task, status: "waiting" as const },
      { ...task, status: "done" as const, endedAt: 3, outcome: "Done." },
    ]) {
      const text = eventFrame("task.changed", { task: whole });
      expect(writtenText("task.changed", { task: whole }, text)).toBe(text);
    }
  });

  it("where a run's log reached, not its entries; a durable frame keeps its seq", () => {
    expect(sent("runlog.appended", { runId: "task_1", entries: [entry(4), entry(5)] } as never)).toEqual({
      runId: "task_1",
      entries: [],
      last: 5,
    });
    const payload = { task };
    expect(JSON.parse(writtenText("task.changed", payload, eventFrame("task.changed", payload, 9), 9)).seq).toBe(9);
  });

  it("any other event as written", () => {
    const payload = { reason: "members changed" };
    const text = eventFrame("access.changed", payload);
    expect(writtenText("access.changed", payload, text)).toBe(text);
  });
});
