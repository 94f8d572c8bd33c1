import type { z } from "zod";
import { creditsText } from "../../../shared/billing-words";
import type { RunLogEntry, Task, TasksEstimateResult, TaskStatus } from "../../../shared/protocol/tasks";

// What the app makes of tasks and their run log (shared/protocol/tasks.ts): plain
// functions of the room's state, so the list, the task's view and the run log say the same
// thing, and tests can check them without a browser. An entry's `details` comes from the
// room but is read as untrusted data: a field is used only when it has the expected type.

export const TASK_STATUS_WORDS: Record<TaskStatus, string> = {
  queued: "Queued",
  running: "Running",
  waiting: "Waiting for approval",
  paused: "Paused",
  done: "Done",
  stopped: "Stopped",
  failed: "Failed",
  cancelled: "Cancelled",
};

const UNFINISHED: ReadonlySet<TaskStatus> = new Set(["queued", "running", "waiting", "paused"]);
export const isUnfinished = (task: Pick<Task, "status">): boolean => UNFINISHED.has(task.status);

/**
 * Where a task is in its steps, against its budget's most ("at most 12"), which is a ceiling and
 * not a plan: the room cannot know how many steps the model will take. Counted steps are model
 * calls that were answered (the last one writes the result): "On step 9 · at most 12" while it
 * runs or waits, "9 steps taken · at most 12" while paused, "Took 9 steps (at most 12)" once it ended.
 */
export function stepLine(task: Pick<Task, "status" | "used" | "budget">): string {
  const { maxSteps } = task.budget;
  const taken = task.used.steps;
  const steps = (n: number) => `${n} ${n === 1 ? "step" : "steps"}`;
  if (task.status === "queued" && taken === 0) return `Not started · at most ${steps(maxSteps)}`;
  if (task.status === "running" || task.status === "waiting")
    return `On step ${Math.min(taken + 1, maxSteps)} · at most ${maxSteps}`;
  if (isUnfinished(task)) return `${steps(taken)} taken · at most ${maxSteps}`;
  return `Took ${steps(taken)} (at most ${maxSteps})`;
}

/**
 * What a task with this budget may cost, as the start dialog says it (`tasks.estimate`): what
 * such tasks typically cost here beside the most it may (which budgets are checked against).
 * A room before protocol 19 sends no typical figure: the most alone.
 */
export function estimateWords(estimate: z.infer<typeof TasksEstimateResult>): string {
  const { budget, worstCase, typical } = estimate;
  if (!worstCase) return "The Autopilot has no model configured here: a task would not start.";
  const limits = `At most ${budget.maxSteps.toLocaleString("en-US")} steps and ${budget.maxTokens.toLocaleString("en-US")} tokens`;
  const most = `at most ${creditsText(worstCase.credits)} (its whole budget, or every step at its most, at the model's dearer price)`;
  if (!typical) return `${limits}: it may cost ${most}.`;
  const why =
    typical.basis === "recent"
      ? `what ${typical.steps === 1 ? "a step" : `${typical.steps} steps`} of recent tasks here cost`
      : `a guess of ${typical.steps} modest steps: no task has run here yet`;
  return `${limits}: typically ~${creditsText(typical.credits)} (${why}), ${most}.`;
}

const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat();

/** "12.3K tokens" in lists; `exact` for a task's own view. */
export function tokensText(tokens: number, exact = false): string {
  return `${exact ? whole.format(tokens) : compact.format(tokens)} token${tokens === 1 ? "" : "s"}`;
}

/** A duration as people say it: "0.4 s", "12 s", "3 min", "2 h 5 min". */
export function durationText(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
}

/** Unfinished first (most recently changed first), then the rest, most recently changed first. */
export function sortTasks(tasks: Iterable<Task>): Task[] {
  return [...tasks].sort(
    (a, b) => Number(isUnfinished(b)) - Number(isUnfinished(a)) || b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : -1),
  );
}

/** Two views of the same tasks (a page read, events since): per task the newer one wins, events on a tie. */
export function mergeTasks(listed: ReadonlyMap<string, Task>, live: ReadonlyMap<string, Task>): Map<string, Task> {
  const merged = new Map(listed);
  for (const [id, task] of live) {
    const known = merged.get(id);
    if (!known || task.updatedAt >= known.updatedAt) merged.set(id, task);
  }
  return merged;
}

/** Entries of one run by seq, each once, in order (a live entry can race the page that also holds it). */
export function mergeEntries(current: readonly RunLogEntry[], incoming: readonly RunLogEntry[]): RunLogEntry[] {
  if (incoming.length === 0) return current as RunLogEntry[];
  const bySeq = new Map(current.map((e) => [e.seq, e]));
  for (const e of incoming) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * The last seq up to which nothing is missing (the room numbers a run's entries 1, 2, 3, …):
 * what to read `runlog.list` after, when live entries stopped arriving for a while.
 */
export function seenThrough(entries: readonly RunLogEntry[]): number {
  let through = 0;
  for (const e of entries) {
    if (e.seq !== through + 1) break;
    through = e.seq;
  }
  return through;
}

/** Whether entries are missing between those held (a live entry came after a gap). */
export const hasGap = (entries: readonly RunLogEntry[]): boolean =>
  entries.length > 0 && seenThrough(entries) < entries[entries.length - 1]!.seq;

const numberIn = (details: Record<string, unknown>, key: string): number | null => {
  const value = details[key];
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
};
const textIn = (details: Record<string, unknown>, key: string): string | null => {
  const value = details[key];
  return typeof value === "string" ? value : null;
};

/** A model call's tokens (in and out) and time, from its details; null for other entries. */
export function modelCallCost(entry: RunLogEntry): { tokens: number; durationMs: number } | null {
  if (entry.kind !== "model-call") return null;
  const input = numberIn(entry.details, "inputTokens") ?? 0;
  const output = numberIn(entry.details, "outputTokens") ?? 0;
  return { tokens: input + output, durationMs: numberIn(entry.details, "durationMs") ?? 0 };
}

/** A tool call's arguments and result as the room clipped them; null for other entries. */
export function toolCallParts(
  entry: RunLogEntry,
): { tool: string; args: string; result: string; status: string } | null {
  if (entry.kind !== "tool-call") return null;
  return {
    tool: textIn(entry.details, "tool") ?? "a tool",
    args: textIn(entry.details, "arguments") ?? "",
    result: textIn(entry.details, "result") ?? "",
    status: textIn(entry.details, "status") ?? "",
  };
}

/** How an entry reads at a glance: fine, needs a person, or went wrong. */
export function entryTone(entry: RunLogEntry): "ok" | "ask" | "bad" | "plain" {
  const status = textIn(entry.details, "status");
  if (entry.kind === "error") return "bad";
  if (entry.kind === "model-call") return entry.details.ok === false ? "bad" : "plain";
  if (entry.kind === "tool-call") return status === "ok" ? "ok" : "bad";
  if (entry.kind === "approval")
    return status === "approved" ? "ok" : status === "pending" ? "ask" : status === null ? "plain" : "bad";
  if (entry.kind === "end") return status === "done" ? "ok" : "bad";
  return "plain";
}

export interface StepGroup {
  step: number;
  at: number;
  entries: RunLogEntry[];
  tokens: number;
  durationMs: number;
}

/** Entries grouped by the step they belong to, in order of the steps (step 0: before the first). */
export function groupBySteps(entries: readonly RunLogEntry[]): StepGroup[] {
  const groups = new Map<number, StepGroup>();
  for (const entry of entries) {
    let group = groups.get(entry.step);
    if (!group) {
      group = { step: entry.step, at: entry.at, entries: [], tokens: 0, durationMs: 0 };
      groups.set(entry.step, group);
    }
    group.entries.push(entry);
    const cost = modelCallCost(entry);
    if (cost) {
      group.tokens += cost.tokens;
      group.durationMs += cost.durationMs;
    }
  }
  return [...groups.values()].sort((a, b) => a.step - b.step);
}

/** The export's file name: the goal's first words, readable on a desktop. */
export function exportFileName(task: Pick<Task, "goal" | "createdAt">): string {
  const words = task.goal
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  const day = new Date(task.createdAt).toISOString().slice(0, 10);
  return `task-${words || "run"}-${day}-run-log.json`;
}
