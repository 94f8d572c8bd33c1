// What a socket that asked for every capability is sent live when a capability sends less than
// the whole frame (decisions 84, 87, 89, 94 and 98), and that every other frame goes as written.
import { describe, expect, it } from "vitest";
import type { RunLogEntry, Task } from "../../../shared/protocol/tasks";
import type { Job } from "../../../shared/protocol/jobs";
import type { Message } from "../../../shared/protocol/threads";
import { TOOL_PREVIEW_CHARS } from "../../../shared/protocol/agent";
import { TOOL_OPENING_CHARS } from "../../../shared/protocol/steps-derived";
import { streamedHash } from "../../../shared/protocol/streamed";
import { askedFor, eventFrame, fanoutTags, takesWritten, writtenText } from "./socket-fanout";
import { offeredCapabilities } from "../../../shared/protocol/capabilities";
import { PROTOCOL_VERSION } from "../../../shared/protocol/version";
import { taskFixture } from "../../../shared/test/task-fixtures";

const task: Task = taskFixture({ threadId: "thr_1", used: { steps: 3, tokens: 9_000, runningMs: 1_200 } });

const entry = (seq: number): RunLogEntry => ({
  runId: "task_1",
  seq,
  at: seq,
  kind: "tool-call",
  step: 1,
  text: "List the threads: done",
  details: { result: "x".repeat(400) },
});

type Less = "task.changed" | "runlog.appended" | "job.progressed" | "message.created" | "chat.delta" | "chat.final";
/** What a socket that asked is sent; null when nothing. */
const sent = (event: Less, payload: never) => {
  const text = writtenText(event, payload, eventFrame(event, payload));
  return text === null ? null : JSON.parse(text).payload;
};

describe("what a socket that asked is sent live", () => {
  it("a running task's step change without what was set at its start; only its start whole", () => {
    // steps.folded: nor its status (running) and budget (set at its start).
    expect(sent("task.changed", { task } as never)).toEqual({ task: { id: "task_1", used: task.used, updatedAt: 2 } });
    // steps.lean: a step change's nulls are left out; a field that is not null stays.
    expect(sent("task.changed", { task: { ...task, outcome: "half way" } } as never)).toMatchObject({
      task: { outcome: "half way" },
    });
    // steps.derived: every other change after its start is one too, with its status and budget.
    const { goal: _g, threadId: _th, projectId: _p, jobId: _j, startedBy: _s, createdAt: _c, ...change } = task;
    const { endedAt: _e, outcome: _o, ...running } = change;
    expect(sent("task.changed", { task: { ...task, used: { ...task.used, steps: 0 } } } as never)).toEqual({
      task: { ...running, used: { ...task.used, steps: 0 } },
    });
    expect(sent("task.changed", { task: { ...task, status: "waiting" } } as never)).toEqual({
      task: { ...running, status: "waiting" },
    });
    const done = { ...task, status: "done" as const, endedAt: 3, outcome: "Done." };
    expect(sent("task.changed", { task: done } as never)).toEqual({
      task: { ...change, status: "done", endedAt: 3, outcome: "Done." },
    });
    // Its start (and a resume from its end) is whole: a client holds the task from it.
    for (const whole of [{ ...task, status: "queued" as const, used: { ...task.used, steps: 0 } }]) {
      const text = eventFrame("task.changed", { task: whole });
      expect(writtenText("task.changed", { task: whole }, text)).toBe(text);
    }
  });

  it("where a run's log reached, not its entries; a durable frame keeps its seq", () => {
    const start = { ...entry(4), kind: "start" as const };
    expect(sent("runlog.appended", { runId: "task_1", entries: [start, entry(5)] } as never)).toEqual({
      runId: "task_1",
      entries: [],
      last: 5,
    });
    // steps.folded: a task's step calls are not marked (the step's task.changed says the log grew); a reply's run's are.
    expect(sent("runlog.appended", { runId: "task_1", entries: [entry(4), entry(5)] } as never)).toBeNull();
    const reply = [entry(4), entry(5)].map((e) => ({ ...e, runId: "run_1" }));
    expect(sent("runlog.appended", { runId: "run_1", entries: reply } as never)).toEqual({
      runId: "run_1",
      entries: [],
      last: 5,
    });
    const payload = { task };
    expect(JSON.parse(writtenText("task.changed", payload, eventFrame("task.changed", payload, 9), 9) ?? "").seq).toBe(
      9,
    );
  });

  it("a job's progress without what was set at its start; its start and end whole", () => {
    const job: Job = {
      id: "job_1",
      title: "Import the backlog",
      status: "running",
      progress: 15,
      message: "3 of 20 files",
      threadId: "thr_1",
      owner: { id: "u1", kind: "user", name: "Alice" },
      startedAt: 1,
      updatedAt: 2,
      finishedAt: null,
      cancelRequestedBy: null,
      error: null,
    };
    const {
      title: _t,
      threadId: _th,
      owner: _o,
      startedAt: _s,
      finishedAt: _f,
      cancelRequestedBy: _c,
      error: _e,
      status: _st,
      ...change
    } = job;
    // steps.folded: a running job's report without its status.
    expect(sent("job.progressed", { job } as never)).toEqual({ job: change });
    const cancelling = { ...job, status: "cancel_requested" as const, cancelRequestedBy: job.owner };
    expect(sent("job.progressed", { job: cancelling } as never)).toEqual({
      job: { ...change, status: "cancel_requested", cancelRequestedBy: job.owner },
    });
    // steps.lean leaves out only the nulls: who asked to cancel goes with every later report.
    const asked = { ...job, cancelRequestedBy: job.owner };
    expect(sent("job.progressed", { job: asked } as never)).toMatchObject({ job: { cancelRequestedBy: job.owner } });
    for (const event of ["job.started", "job.finished"] as const) {
      const text = eventFrame(event, { job });
      expect(writtenText(event, { job }, text)).toBe(text);
    }
    // steps.derived: a task step's report on its job is not sent (the step's task.changed makes it);
    // another report of the Autopilot's, or one in a step's words that is not the Autopilot's, is.
    const autopilot = { id: "autopilot", kind: "agent" as const, name: "Autopilot" };
    const step = { ...job, title: "Task: Tidy the backlog", owner: autopilot, message: "step 3 of at most 20" };
    expect(sent("job.progressed", { job: step } as never)).toBeNull();
    expect(sent("job.progressed", { job: { ...step, message: "resumed by Alice" } } as never)).toEqual({
      job: { ...change, message: "resumed by Alice" },
    });
    expect(sent("job.progressed", { job: { ...step, progress: 16 } } as never)).toEqual({
      job: { ...change, message: "step 3 of at most 20", progress: 16 },
    });
    expect(sent("job.progressed", { job: { ...step, owner: job.owner } } as never)).toEqual({
      job: { ...change, message: "step 3 of at most 20" },
    });
  });

  it("a tool's result as its opening and length; a short one, or a message without a tool, whole", () => {
    const message: Message = {
      id: "msg_1",
      threadId: "thr_1",
      author: { id: "autopilot", kind: "agent", name: "Autopilot" },
      text: "List the threads: done",
      createdAt: 1,
      kind: "tool",
      n: 3,
      tool: {
        callId: "c1",
        name: "threads_list",
        arguments: "{}",
        result: "r".repeat(500),
        status: "ok",
        durationMs: null,
        approvalId: null,
        runId: "task_1",
      },
    };
    // steps.folded: the Autopilot's tool message without its author and null fields.
    const { author: _a, ...folded } = message;
    const { durationMs: _d, approvalId: _ap, ...tool } = message.tool!;
    // steps.derived: its opening is half of tool.steps'; a result between the two is cut too.
    expect(sent("message.created", { message } as never)).toEqual({
      message: { ...folded, tool: { ...tool, result: "r".repeat(TOOL_OPENING_CHARS), resultChars: 500 } },
    });
    const between = "r".repeat(TOOL_PREVIEW_CHARS - 20);
    expect(
      sent("message.created", { message: { ...message, tool: { ...message.tool!, result: between } } } as never),
    ).toEqual({
      message: { ...folded, tool: { ...tool, result: "r".repeat(TOOL_OPENING_CHARS), resultChars: between.length } },
    });
    expect(
      sent("message.created", { message: { ...message, tool: { ...message.tool!, result: "short" } } } as never),
    ).toEqual({
      message: { ...folded, tool: { ...tool, result: "short" } },
    });
    const timed = { ...message, tool: { ...message.tool!, result: "short", durationMs: 40 } };
    expect(sent("message.created", { message: timed } as never)).toMatchObject({
      message: { tool: { durationMs: 40 } },
    });
    for (const whole of [
      {
        ...message,
        tool: { ...message.tool!, result: "short" },
        author: { id: "u1", kind: "user" as const, name: "Alice" },
      },
      { ...message, tool: undefined },
    ]) {
      const text = eventFrame("message.created", { message: whole });
      expect(writtenText("message.created", { message: whole }, text)).toBe(text);
    }
  });

  it("the Autopilot's streamed reply as its text's length and hash; a short one, a person's, an error whole", () => {
    const text = "0000000 ".repeat(20);
    const reply: Message = {
      id: "msg_2",
      threadId: "thr_1",
      author: { id: "autopilot", kind: "agent", name: "Autopilot" },
      text,
      createdAt: 1,
      runId: "run_1.0",
      n: 4,
    };
    expect(sent("message.created", { message: reply } as never)).toEqual({
      message: { ...reply, text: "", streamed: { chars: text.length, hash: streamedHash(text) } },
    });
    expect(streamedHash(text)).not.toBe(streamedHash(`${text.slice(0, -1)}!`));
    for (const whole of [
      { ...reply, text: "Short." },
      { ...reply, author: { id: "u1", kind: "user" as const, name: "Alice" } },
      { ...reply, kind: "error" as const },
      { ...reply, runId: undefined },
    ]) {
      const frame = eventFrame("message.created", { message: whole });
      expect(writtenText("message.created", { message: whole }, frame)).toBe(frame);
    }
  });

  it("no task step's empty opening nor the end of a step that left no message; a reply's run as written", () => {
    const delta = (runId: string, text: string) => ({ threadId: "thr_1", instanceId: null, runId, offset: 0, text });
    const final = (runId: string, messageId: string | null, aborted = false) => ({
      threadId: "thr_1",
      runId,
      messageId,
      aborted,
    });
    expect(sent("chat.delta", delta("task_0a1b.3", "") as never)).toBeNull();
    expect(sent("chat.final", final("task_0a1b.3", null) as never)).toBeNull();
    expect(sent("chat.delta", delta("task_0a1b.3", "Done") as never)).toEqual(delta("task_0a1b.3", "Done"));
    expect(sent("chat.final", final("task_0a1b.3", "msg_1") as never)).toEqual(final("task_0a1b.3", "msg_1"));
    expect(sent("chat.final", final("task_0a1b.3", null, true) as never)).toEqual(final("task_0a1b.3", null, true));
    for (const runId of ["run_1", "thr_1.0", "task_1"]) {
      expect(sent("chat.delta", delta(runId, "") as never)).toEqual(delta(runId, ""));
      expect(sent("chat.final", final(runId, null) as never)).toEqual(final(runId, null));
    }
  });

  it("any other event as written", () => {
    const payload = { reason: "members changed" };
    const text = eventFrame("access.changed", payload);
    expect(writtenText("access.changed", payload, text)).toBe(text);
  });

  it("a socket that asked for every capability is tagged so, in tags a socket may carry", () => {
    const caps = offeredCapabilities(PROTOCOL_VERSION);
    const tags = fanoutTags(new Request(`https://room/?protocol=${PROTOCOL_VERSION}&caps=${caps.join(",")}`));
    // A socket's tag has at most 256 characters and a socket at most ten tags (its id one of them).
    expect(tags.every((tag) => tag.length <= 256)).toBe(true);
    expect(caps.join("+").length).toBeGreaterThan(256);
    expect(takesWritten({ tags })).toBe(true);
    expect(caps.every((name) => askedFor(tags, name))).toBe(true);
    expect(tags.length).toBeLessThan(10);
    // A socket tagged before the names took two tags reads as it did.
    expect(askedFor(["conn_1", "caps:tasks.steps+steps.folded"], "steps.folded")).toBe(true);
  });
});
