// What a client viewing a task's thread receives per step (issue 74: at most 1 KB a step; decisions
// 84, 87, 89, 94 and 98), counted per frame type over a 20-step task as the bench's task runs it (a cheap read-only
// tool per step), for a client that asks for every capability (the app, the client library) and
// for one that asks for none (an older build), which gets every frame as it always did.
import { describe, expect, it } from "vitest";
import { offeredCapabilities } from "../../../../../../shared/protocol/capabilities";
import {
  type RunLogAppendedPayload,
  type Task,
  type TaskStepChange,
  withTaskChange,
} from "../../../../../../shared/protocol/tasks";
import { PROTOCOL_VERSION } from "../../../../../../shared/protocol/version";
import { type Job, type JobProgress, withJobChange } from "../../../../../../shared/protocol/jobs";
import { TOOL_PREVIEW_CHARS } from "../../../../../../shared/protocol/agent";
import type { Message } from "../../../../../../shared/protocol/threads";
import { withToolMessage } from "../../../../../../shared/protocol/steps-folded";
import { jobAfterStep, TOOL_OPENING_CHARS } from "../../../../../../shared/protocol/steps-derived";
import type { ThreadBumpPayload } from "../../../../../../shared/protocol/interest";
import { RawSocket } from "../../../../../test/harness";
import { type FrameCounts, countFrames, countsLine, totalBytes } from "./test/frame-counts";
import { agentRoom, startToolTask, taskState } from "./test/harness";

const STEPS = 20;
/** Bytes per step a viewer that asked for every capability may receive (a ceiling: the measure is below it). */
const CEILING_PER_STEP = 900;

const total = totalBytes;
const table = (byType: FrameCounts) => countsLine(byType, STEPS, "step");

const taskChanges = (sock: RawSocket, taskId: string) =>
  sock
    .events("task.changed")
    .map((f) => (f.payload as { task: Task | TaskStepChange }).task)
    .filter((t) => t.id === taskId);

describe("what a viewer of a task's thread receives", () => {
  it("per step, under the ceiling with every capability; the whole task each time without tasks.steps", async () => {
    const { owner, sock, thread } = await agentRoom();
    const caps = offeredCapabilities(PROTOCOL_VERSION).join(",");
    const viewer = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { view: thread.id, caps });
    const older = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { view: thread.id });
    expect((await viewer.hello()).capabilities).toContain("tasks.steps");
    await older.hello();
    const counted = countFrames(viewer);
    const { task, goal } = await startToolTask(sock, thread.id, STEPS);
    const done = await taskState(viewer, task.id, (t) => t.status === "done", 120_000);
    await taskState(older, task.id, (t) => t.status === "done", 30_000);
    expect(done).toMatchObject({ status: "done", used: { steps: STEPS } });

    // A step's change carries what a step changes, not the goal; only the start is whole.
    const seen = taskChanges(viewer, task.id);
    // Between its start (queued, then running) and its end.
    const steps = seen.slice(2, -1);
    expect(steps.length).toBeGreaterThanOrEqual(STEPS - 1);
    expect(steps.every((t) => t.used.steps > 0)).toBe(true);
    // steps.folded: nor its status (running) and budget (as at the start).
    expect(steps.every((t) => !("status" in t) && !("budget" in t))).toBe(true);
    // steps.lean: what is null while a task runs is left out (withTaskChange reads it as null).
    expect(steps.every((t) => !("endedAt" in t) && !("outcome" in t))).toBe(true);
    expect(seen[0]).toMatchObject({ goal, status: "queued" });
    expect(seen[1]).toMatchObject({ status: "running", used: { steps: 0 } });
    // steps.derived: after its start every change is one, the end's too (its outcome said).
    expect(seen.slice(1).every((t) => !("goal" in t))).toBe(true);
    expect(seen.at(-1)).toMatchObject({ status: "done", outcome: done.outcome, endedAt: done.endedAt });
    // Applied in order to the whole task, they end where the room's task is.
    let held: Task | null = null;
    for (const t of seen) held = withTaskChange(held ?? undefined, t);
    expect(held).toEqual((await sock.ok("tasks.get", { taskId: task.id })).task);
    expect(held).toMatchObject({ goal, threadId: thread.id });
    // A socket that did not ask gets the whole task every time, as before.
    const olderSeen = taskChanges(older, task.id);
    expect(olderSeen.length).toBe(seen.length);
    expect(olderSeen.every((t) => "goal" in t && t.goal === goal)).toBe(true);

    // The run log's entries are read where shown: a socket that asked is told where the log reached.
    const { entries } = await sock.ok("runlog.list", { runId: task.id, limit: 500 });
    const marks = viewer.events("runlog.appended").map((f) => f.payload as RunLogAppendedPayload);
    expect(marks.every((m) => m.entries.length === 0 && m.last !== undefined)).toBe(true);
    // steps.folded: a step's model and tool calls are not marked (its task.changed says the log grew).
    const stepKinds = new Set(["model-call", "tool-call"]);
    const unmarked = entries.filter((e) => !stepKinds.has(e.kind));
    expect(marks.length).toBeLessThanOrEqual(unmarked.length);
    expect(unmarked.length).toBeLessThan(STEPS / 4);
    expect(marks.at(-1)?.last).toBe(entries.at(-1)?.seq);
    const olderEntries = older.events("runlog.appended").flatMap((f) => (f.payload as RunLogAppendedPayload).entries);
    expect(olderEntries.map((e) => e.seq)).toEqual(entries.map((e) => e.seq));

    // A tool's message comes with its result's opening (40 characters, steps.derived) and its
    // length; messages.list reads it whole.
    const { messages } = (await sock.ok("messages.list", { threadId: thread.id, limit: 200 })) as {
      messages: Message[];
    };
    const stored = new Map(messages.map((m) => [m.id, m]));
    const tools = (s: RawSocket) =>
      s
        .events("message.created")
        .map((f) => (f.payload as { message: Message }).message)
        .filter((m) => m.tool);
    expect(tools(viewer).length).toBe(STEPS - 1);
    for (const m of tools(viewer)) {
      const whole = stored.get(m.id)?.tool?.result ?? "";
      expect(whole.length).toBeGreaterThan(TOOL_PREVIEW_CHARS);
      expect(m.tool).toMatchObject({ result: whole.slice(0, TOOL_OPENING_CHARS), resultChars: whole.length });
      expect(stored.get(m.id)?.tool).not.toHaveProperty("resultChars");
      // steps.folded: no author, no null fields; made whole, it is the stored one.
      expect(m).not.toHaveProperty("author");
      expect(m.tool).not.toHaveProperty("durationMs");
      const held = stored.get(m.id);
      expect(withToolMessage(m)).toEqual({
        ...held,
        tool: { ...held?.tool, result: m.tool?.result, resultChars: whole.length },
      });
    }
    expect(tools(older).map((m) => m.tool)).toEqual(tools(viewer).map((m) => stored.get(m.id)?.tool));

    // The job's progress comes as what a report changed; applied to the job started, it ends as the room's.
    // steps.derived: a step's report on the task's job is not sent; the step's change makes it.
    expect(viewer.events("job.progressed")).toEqual([]);
    const { jobs } = (await sock.ok("jobs.list", {})) as { jobs: Job[] };
    const roomJob = jobs.find((j) => j.id === held?.jobId);
    let job: Job | null = null;
    let known: Task | null = null;
    const reports: Job[] = [];
    for (const f of viewer.events()) {
      if (f.type !== "event") continue;
      if (f.event.startsWith("job."))
        job = withJobChange(job ?? undefined, (f.payload as { job: Job | JobProgress }).job);
      if (f.event !== "task.changed") continue;
      const next = withTaskChange(known ?? undefined, (f.payload as { task: Task | TaskStepChange }).task);
      const report = next && jobAfterStep(known ?? undefined, next, job ?? undefined);
      if (report) {
        job = report;
        reports.push(report);
      }
      known = next;
    }
    expect(job).toEqual(roomJob);
    // Each the room's report of that step, as a socket that did not ask is sent it.
    const olderReports = older.events("job.progressed").map((f) => (f.payload as { job: Job }).job);
    expect(olderReports.every((j) => "title" in j)).toBe(true);
    expect(reports).toEqual(olderReports);

    // A step that only calls a tool opens no stream for a socket that asked; an older one sees each open and end.
    const ofTask = (s: RawSocket, event: string) =>
      s.events(event).filter((f) => (f.payload as { runId: string }).runId.startsWith(`${task.id}.`));
    expect(ofTask(viewer, "chat.delta").every((f) => (f.payload as { text: string }).text !== "")).toBe(true);
    expect(ofTask(viewer, "chat.final").every((f) => (f.payload as { messageId: string | null }).messageId)).toBe(true);
    expect(ofTask(older, "chat.delta").length).toBeGreaterThanOrEqual(STEPS);
    expect(ofTask(older, "chat.final").length).toBe(STEPS);

    // bumps.others: the thread a socket views is not bumped to it; one that did not ask is told of it as before.
    const bumped = (s: RawSocket) =>
      s.events("thread.bump").flatMap((f) => (f.payload as ThreadBumpPayload).threads.map((b) => b.threadId));
    // A window's bumps may go after the task's end (a slow machine ran its steps inside one):
    // the older socket's comes, and the viewer's would have come with it.
    await older.waitForEvent<ThreadBumpPayload>("thread.bump", (p) => p.threads.some((b) => b.threadId === thread.id));
    expect(bumped(older)).toContain(thread.id);
    expect(bumped(viewer)).not.toContain(thread.id);

    // What every step sends, whatever the machine's speed (the money's state, the traces' and the
    // other threads' bumps go at most once a second, more of them on a slower machine).
    const timed = new Set([
      "billing.changed",
      "traces.changed",
      "thread.bump",
      "inbox.updated",
      "presence.summary",
      "presence.own",
    ]);
    const perStep = total(new Map([...counted].filter(([k]) => !timed.has(k)))) / STEPS;
    const said = `${Math.round(perStep)} B per step without the timed frames; ${Math.round(total(counted) / STEPS)} B with them: ${table(counted)}`;
    expect(perStep, said).toBeLessThanOrEqual(CEILING_PER_STEP);
    console.log(said);
    viewer.close();
    older.close();
  });
});
