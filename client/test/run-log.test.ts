import { describe, expect, it } from "vitest";
import type { RunLogEntry, Task } from "../../shared/protocol/tasks";
import {
  durationText,
  entryTone,
  exportFileName,
  groupBySteps,
  hasGap,
  mergeEntries,
  mergeTasks,
  seenThrough,
  sortTasks,
  stepLine,
  estimateWords,
  toolCallParts,
} from "../app/lib/run-log";

const entry = (seq: number, over: Partial<RunLogEntry> = {}): RunLogEntry => ({
  runId: "task_1",
  seq,
  at: 1_000 + seq,
  kind: "model-call",
  step: 1,
  text: `entry ${seq}`,
  details: {},
  ...over,
});

const task = (over: Partial<Task> = {}): Task => ({
  id: "task_1",
  goal: "Ship it",
  status: "running",
  threadId: "thr_1",
  projectId: null,
  jobId: null,
  budget: { maxSteps: 50, maxTokens: 500_000, maxRunningMs: 3_600_000 },
  used: { steps: 6, tokens: 1234, runningMs: 5000 },
  startedBy: { id: "u1", kind: "user", name: "Alice" },
  createdAt: Date.UTC(2026, 2, 4),
  updatedAt: 10,
  endedAt: null,
  outcome: null,
  ...over,
});

describe("a run log as the app holds it", () => {
  it("merges live entries and pages by seq, each once, in order", () => {
    const merged = mergeEntries([entry(1), entry(3)], [entry(2), entry(3, { text: "again" }), entry(4)]);
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(merged[2]!.text).toBe("again");
  });

  it("knows how far it holds every entry, and when a live entry came after a gap", () => {
    expect(seenThrough([])).toBe(0);
    expect(seenThrough([entry(1), entry(2), entry(5)])).toBe(2);
    expect(hasGap([entry(1), entry(2), entry(5)])).toBe(true);
    expect(hasGap([entry(1), entry(2)])).toBe(false);
    // A view that has read nothing yet and got entry 7 live must read 1–6.
    expect(hasGap([entry(7)])).toBe(true);
    expect(seenThrough([entry(7)])).toBe(0);
  });

  it("groups entries by step with the step's tokens and model time", () => {
    const groups = groupBySteps([
      entry(1, { step: 1, details: { inputTokens: 100, outputTokens: 20, durationMs: 400 } }),
      entry(2, { step: 1, kind: "tool-call", details: { tool: "chat_send", status: "ok" } }),
      entry(3, { step: 2, details: { inputTokens: 200, outputTokens: "lots", durationMs: -5 } }),
      entry(4, { step: 0, kind: "start" }),
    ]);
    expect(groups.map((g) => [g.step, g.entries.length, g.tokens, g.durationMs])).toEqual([
      [0, 1, 0, 0],
      [1, 2, 120, 400],
      // Details of the wrong type count as absent, never as NaN.
      [2, 1, 200, 0],
    ]);
  });

  it("reads tool calls' parts and each entry's tone from details of any shape", () => {
    expect(
      toolCallParts(entry(1, { kind: "tool-call", details: { tool: "chat_send", arguments: "{}", result: 7 } })),
    ).toEqual({ tool: "chat_send", args: "{}", result: "", status: "" });
    expect(toolCallParts(entry(1))).toBeNull();
    expect(entryTone(entry(1, { kind: "tool-call", details: { status: "ok" } }))).toBe("ok");
    expect(entryTone(entry(1, { kind: "tool-call", details: { status: "denied" } }))).toBe("bad");
    expect(entryTone(entry(1, { kind: "approval", details: { status: "pending" } }))).toBe("ask");
    expect(entryTone(entry(1, { kind: "approval", details: { status: "approved" } }))).toBe("ok");
    expect(entryTone(entry(1, { kind: "end", details: { status: "done" } }))).toBe("ok");
    expect(entryTone(entry(1, { kind: "end", details: { status: "failed" } }))).toBe("bad");
    expect(entryTone(entry(1, { kind: "model-call", details: { ok: false } }))).toBe("bad");
  });
});

describe("tasks as the app lists them", () => {
  it("says which step a task is on, in words, with the budget as a ceiling and not as a plan", () => {
    expect(stepLine(task())).toBe("On step 7 · at most 50");
    expect(stepLine(task({ status: "waiting" }))).toBe("On step 7 · at most 50");
    expect(stepLine(task({ status: "paused" }))).toBe("6 steps taken · at most 50");
    // An 8-step script and its answer are 9 model calls: a task that ended says it took them, never "Step 9 of 12".
    const ended = task({
      status: "done",
      used: { steps: 9, tokens: 0, runningMs: 0 },
      budget: { ...task().budget, maxSteps: 12 },
    });
    expect(stepLine(ended)).toBe("Took 9 steps (at most 12)");
    expect(stepLine({ ...ended, used: { ...ended.used, steps: 1 } })).toBe("Took 1 step (at most 12)");
    expect(stepLine(task({ status: "queued", used: { steps: 0, tokens: 0, runningMs: 0 } }))).toBe(
      "Not started · at most 50 steps",
    );
    expect(stepLine(task({ status: "running", used: { steps: 50, tokens: 0, runningMs: 0 } }))).toBe(
      "On step 50 · at most 50",
    );
  });

  it("keeps the newer of a listed task and an event's, and lists unfinished ones first", () => {
    const listed = new Map([
      ["a", task({ id: "a", updatedAt: 5, status: "running" })],
      ["b", task({ id: "b", updatedAt: 9, status: "done" })],
    ]);
    const live = new Map([
      ["a", task({ id: "a", updatedAt: 4, status: "paused" })],
      ["c", task({ id: "c", updatedAt: 1, status: "waiting" })],
    ]);
    const merged = mergeTasks(listed, live);
    expect(merged.get("a")!.status).toBe("running");
    expect(sortTasks(merged.values()).map((t) => t.id)).toEqual(["a", "c", "b"]);
  });

  it("formats durations and export names people can read", () => {
    expect(durationText(400)).toBe("0.4 s");
    expect(durationText(42_000)).toBe("42 s");
    expect(durationText(3 * 60_000)).toBe("3 min");
    expect(durationText(125 * 60_000)).toBe("2 h 5 min");
    expect(exportFileName(task({ goal: "Draft the release notes: 2.4!" }))).toBe(
      "task-draft-the-release-notes-2-4-2026-03-04-run-log.json",
    );
    expect(exportFileName(task({ goal: "…" }))).toBe("task-run-2026-03-04-run-log.json");
  });
});

describe("a task's cost before it starts", () => {
  const budget = { maxSteps: 12, maxTokens: 500_000, maxRunningMs: 3_600_000 };
  const worstCase = { credits: 871, tokens: 290_304, pricePerMillion: 3000 };
  it("says a typical cost beside the worst case, and whether it was read from recent tasks or guessed", () => {
    const recent = estimateWords({
      budget,
      maximum: budget,
      worstCase,
      typical: { credits: 40, steps: 9, basis: "recent", calls: 80, tasks: 10 },
    });
    expect(recent).toBe(
      "At most 12 steps and 500,000 tokens: typically ~40 credits (what 9 steps of recent tasks here cost), at most 871 credits (its whole budget, or every step at its most, at the model's dearer price).",
    );
    const guess = estimateWords({
      budget,
      maximum: budget,
      worstCase,
      typical: { credits: 15, steps: 5, basis: "default", calls: 0, tasks: 0 },
    });
    expect(guess).toMatch(/typically ~15 credits \(a guess of 5 modest steps: no task has run here yet\), at most 871/);
    // A room before protocol 19 sends none: the most alone.
    expect(estimateWords({ budget, maximum: budget, worstCase })).toMatch(/: it may cost at most 871 credits/);
    expect(estimateWords({ budget, maximum: budget, worstCase: null })).toMatch(/no model configured/);
  });
});
