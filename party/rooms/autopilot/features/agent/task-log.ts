// What a run's log says (a task's, or a reply's run), step by step: each entry a sentence
// a person reads and the data a program reads (shared/protocol/tasks.ts RunLogEntry).
import { toolLabel } from "../../../../../shared/plain-words";
import { noLongerNeededWhy, spendNoLongerNeeded } from "../../../../../shared/billing-words";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { TaskStatus } from "../../../../../shared/protocol/tasks";
import { appendRunLog, type NewRunLogEntry } from "./run-log";
import type { TaskCall, TaskDoc } from "../../../../records/task";
import { clipText, jsonText, type PostDeps } from "./autopilot-posts";
import type { CallEnd } from "../billing/index";

export const endText = (status: TaskStatus, outcome: string): string =>
  status === "done"
    ? `Task done: ${outcome}`
    : status === "stopped"
      ? `Task stopped: ${outcome}`
      : status === "cancelled"
        ? `Task cancelled: ${outcome}`
        : `Task failed: ${outcome}`;

/** Why a task may not take another step, in plain words; null while its budget lasts. */
export function overBudget(task: TaskDoc): string | null {
  const { budget, used } = task;
  if (used.steps >= budget.maxSteps) return `it reached its budget of ${budget.maxSteps} steps`;
  if (used.tokens >= budget.maxTokens) return `it reached its budget of ${budget.maxTokens} tokens`;
  if (used.runningMs >= budget.maxRunningMs)
    return `it reached its budget of ${Math.round(budget.maxRunningMs / 60_000)} minutes of running time`;
  return null;
}

export function modelCallEntry(
  step: number,
  event: {
    ended: CallEnd;
    inputTokens: number | null;
    outputTokens: number | null;
    durationMs: number;
    finishReason: string | null;
  },
  model: string,
): NewRunLogEntry {
  const tokens = (event.inputTokens ?? 0) + (event.outputTokens ?? 0);
  return {
    kind: "model-call",
    step,
    text:
      event.ended === "answered"
        ? `Asked the model (${model}): ${tokens} tokens in ${(event.durationMs / 1000).toFixed(1)} s`
        : `The model call failed after ${(event.durationMs / 1000).toFixed(1)} s`,
    details: {
      model,
      ok: event.ended === "answered",
      inputTokens: event.inputTokens,
      outputTokens: event.outputTokens,
      durationMs: Math.round(event.durationMs),
      finishReason: event.finishReason,
    },
  };
}

export function toolCallEntry(
  step: number,
  call: Pick<TaskCall, "toolCallId" | "tool" | "input" | "roomApprovalId">,
  result: NonNullable<TaskCall["result"]>,
): NewRunLogEntry {
  // What the call did in words (shared/plain-words.ts): "Archive a thread: done", "…: not done: denied by Ann".
  const outcome = result.status === "ok" ? "done" : result.status === "denied" ? "not done" : "failed";
  return {
    kind: "tool-call",
    step,
    text: `${toolLabel(call.tool)}: ${outcome}${result.status === "ok" ? "" : `: ${result.text.replace(/\s+/g, " ").slice(0, 200)}`}`,
    details: {
      tool: call.tool,
      toolCallId: call.toolCallId,
      arguments: clipText(jsonText(call.input ?? {})),
      status: result.status,
      result: clipText(result.text),
      approvalId: call.roomApprovalId,
    },
  };
}

export function approvalEntry(approval: Approval, step: number): NewRunLogEntry {
  const who = approval.resolvedBy?.name ?? "nobody";
  const text =
    approval.status === "approved"
      ? `${who} approved: ${approval.title}`
      : approval.status === "denied"
        ? `${who} denied: ${approval.title}${approval.note ? ` (${approval.note})` : ""}`
        : spendNoLongerNeeded(approval)
          ? `No longer needed: ${approval.title} (${noLongerNeededWhy(approval.note)})`
          : approval.note
            ? `Withdrawn: ${approval.title} (${approval.note})`
            : `Nobody decided in time: ${approval.title}`;
  return {
    kind: "approval",
    step,
    text,
    details: { approvalId: approval.id, status: approval.status, decidedBy: approval.resolvedBy?.id ?? null },
  };
}

/**
 * Writes a reply's run's log as its events come: each entry appended, then sent to whoever
 * follows the run. The SDK reports a step's model call once the step ended, after the tool
 * calls it asked for ran: those are held and written after it, in the order they happened.
 */
export class RunLogWriter {
  /** By run: tool calls of the step under way. */
  readonly #held = new Map<string, NewRunLogEntry[]>();

  constructor(private readonly d: Pick<PostDeps, "sql" | "broadcast">) {}

  write(runId: string, entries: NewRunLogEntry[]): void {
    const stored = appendRunLog(this.d.sql, runId, entries, Date.now());
    if (stored.length > 0) this.d.broadcast("runlog.appended", { runId, entries: stored });
  }

  hold(runId: string, entry: NewRunLogEntry): void {
    this.#held.set(runId, [...(this.#held.get(runId) ?? []), entry]);
  }

  /** Writes what is held for the run (after its model call, or when the step was cut off). */
  flush(runId: string): void {
    const held = this.#held.get(runId) ?? [];
    this.#held.delete(runId);
    this.write(runId, held);
  }
}
