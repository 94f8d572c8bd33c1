// What a task asks people for, in the one approval queue, and waits for: a tool call that needs
// a person, and money (decision 44). Before each step's model call the runner asks the spend
// gate with the worst case of that call; what would cross a budget becomes a spend approval the
// task waits for, and out of credits pauses it until someone tops up.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { SpendAction } from "../../../../../shared/protocol/billing";
import { creditsText, spendNoLongerNeeded } from "../../../../../shared/billing-words";
import type { OpContext } from "../../kernel/commit";
import { requestApproval } from "../approvals/index";
import type { NewRunLogEntry } from "../agent/index";
import {
  type CallEnd,
  type Reservation,
  type SpendGate,
  type SpendSubject,
  type SpendVerdict,
  spendAsk,
  TYPICAL_CALL_GUESS,
} from "../billing/index";
import { getTask, saveTask } from "./tasks";
import { typicalRest } from "./estimate";
import type { Sql } from "../../../../domain/sql";
import type { TaskDoc } from "../../../../records/task";
import { approvalEntry } from "../agent/index";
import type { ModelConfig } from "../model/index";
import { clipText, jsonText } from "../agent/index";
import { approvalFor } from "../toolset/index";
import type { TaskCall } from "../../../../records/task";

const approvalTtl = (ops: TaskAskOps): number | undefined => {
  const config = ops.model();
  return config.configured ? config.approvalTtlMs : undefined;
};

/** A call that needs a person: an approval in the one queue, and the task waits for it. */
export function askForCall(ops: TaskAskOps, task: TaskDoc, call: TaskCall): void {
  const config = ops.model();
  const riskyGatewayTools = config.configured ? config.riskyGatewayTools : [];
  ops.commit((ctx) => {
    const fresh = getTask(ctx.sql, task.id);
    if (!fresh?.inflight || fresh.status !== "running") return;
    const args = clipText(jsonText(call.input ?? {}));
    const { title, risk } = approvalFor(call.tool, call.input, riskyGatewayTools, ops.instanceName(task.threadId));
    const { approval } = requestApproval(
      ctx,
      {
        title,
        details: args,
        risk,
        threadId: task.threadId,
        idempotencyKey: `task-approval-${task.id}-${call.toolCallId}`,
      },
      { kind: "tool", runId: task.id, toolCallId: call.toolCallId, tool: call.tool, arguments: args },
      approvalTtl(ops),
      // The approver reads which task and step asks, wherever the approval reaches them.
      { step: fresh.inflight.step, goal: fresh.goal, startedBy: fresh.startedBy.name },
    );
    const calls = fresh.inflight.calls.map((c) =>
      c.toolCallId === call.toolCallId ? { ...c, roomApprovalId: approval.id } : c,
    );
    saveTask(ctx, { ...fresh, status: "waiting", inflight: { ...fresh.inflight, calls } });
    const text = `Asked the people to approve: ${title}`;
    const details = { approvalId: approval.id, tool: call.tool, status: "pending" };
    ops.log(ctx.sql, task.id, [{ kind: "approval", step: fresh.inflight.step, text, details }], ctx.now);
  }, task);
}

/** What the checks write through: the task runner's commit (as the Autopilot, for the task's starter), log and posts. */
export interface TaskAskOps {
  spend: SpendGate;
  model(): ModelConfig;
  /** The name of the OpenClaw instance attached to a thread, for the words of a gateway tool's approval. */
  instanceName(threadId: string): string | null;
  commit<T>(fn: (ctx: OpContext) => T, task?: Pick<TaskDoc, "scopes" | "startedBy">): T;
  log(sql: Sql, runId: string, entries: NewRunLogEntry[], at: number): void;
  post(threadId: string, text: string, runId: string): void;
}

/**
 * The step's model call may spend its worst case now (then it is reserved), or the task waits:
 * for a spend approval when it would cross a budget, paused when the workspace is out of credits.
 */
export function reserveStep(ops: TaskAskOps, task: TaskDoc, modelId: string, inputTokens: number): Reservation | null {
  const estimate = ops.spend.modelEstimate(modelId, inputTokens);
  const verdict = ops.spend.check(taskSpender(task), estimate);
  if (verdict.kind === "ok") return verdict.reservation;
  const step = task.used.steps + 1;
  if (verdict.kind === "payment_required") {
    const text = outOfCreditsText(verdict);
    const paused = ops.commit((ctx) => {
      const fresh = getTask(ctx.sql, task.id);
      if (fresh?.status !== "running") return false;
      saveTask(ctx, { ...fresh, status: "paused" });
      ops.log(ctx.sql, task.id, [{ kind: "error", step, text, details: { ...verdict } }], ctx.now);
      return true;
    });
    if (paused) ops.post(task.threadId, text, `${task.id}.credits.${step}`);
    return null;
  }
  // The rest of the task: its steps left at this step's worst case, never more than its own budget lets it spend.
  const stepsLeft = Math.max(1, task.budget.maxSteps - task.used.steps);
  const own = verdict.budget.scope === "task" ? null : ops.spend.left("task", task.id);
  const ahead = own === null ? stepsLeft * estimate : Math.min(stepsLeft * estimate, Math.max(estimate, own));
  ops.commit((ctx) => {
    const fresh = getTask(ctx.sql, task.id);
    if (fresh?.status !== "running" || fresh.spendApprovalId) return;
    const guess = ops.spend.modelEstimate(modelId, TYPICAL_CALL_GUESS.inputTokens, TYPICAL_CALL_GUESS.outputTokens);
    const typical = typicalRest(ctx.sql, { usedSteps: task.used.steps, stepsLeft }, guess);
    const request = spendRequest(task, verdict, { ahead, stepsLeft, typical });
    const { approval } = requestApproval(
      ctx,
      { title: request.title, details: request.details, risk: "medium", threadId: task.threadId },
      request.action,
      approvalTtl(ops),
    );
    saveTask(ctx, { ...fresh, status: "waiting", spendApprovalId: approval.id });
    const text = `Asked the people to approve: ${request.title}`;
    const details = {
      approvalId: approval.id,
      amount: request.action.amount,
      budget: verdict.budget,
      status: "pending",
    };
    ops.log(ctx.sql, task.id, [{ kind: "approval", step, text, details }], ctx.now);
  }, task);
  return null;
}

/** A spend approval a task waits for was decided: "go" (its next step goes on once), "stop", or null (not this task's). */
export function spendDecided(ops: TaskAskOps, approval: Approval, action: SpendAction): "go" | "stop" | null {
  if (action.for.kind !== "task" || approval.status === "pending") return null;
  return ops.commit((ctx) => {
    const task = getTask(ctx.sql, action.for.id);
    if (!task || task.spendApprovalId !== approval.id) return null;
    ops.log(ctx.sql, task.id, [approvalEntry(approval, task.used.steps + 1)], ctx.now);
    // No longer needed (the budget has room now): the step goes on as if approved.
    const approved = approval.status === "approved" || spendNoLongerNeeded(approval);
    const status = approved && task.status === "waiting" ? "running" : task.status;
    saveTask(ctx, { ...task, status, spendApprovalId: null });
    return approved ? "go" : "stop";
  });
}

/** Whose budgets a task's spending counts against: its starter's key (an agent's), its project, itself. */
export function taskSpender(task: Pick<TaskDoc, "id" | "startedBy" | "projectId">): SpendSubject {
  return {
    principalId: task.startedBy.id,
    keyId: task.startedBy.kind === "agent" ? task.startedBy.id : null,
    projectId: task.projectId,
    taskId: task.id,
  };
}

const goalOf = (task: Pick<TaskDoc, "goal">) => (task.goal.length > 80 ? `${task.goal.slice(0, 79)}…` : task.goal);

/**
 * The spend approval for a step that would cross a budget: its request and its action. It asks
 * for the rest of the task (`ahead`: its steps left at this step's worst case; billing's
 * spend-asks.ts), so the task asks once per crossing, not once per step.
 */
export function spendRequest(
  task: Pick<TaskDoc, "id" | "goal" | "threadId" | "startedBy" | "used">,
  verdict: Extract<SpendVerdict, { kind: "over" }>,
  work: { ahead: number; stepsLeft: number; typical: number },
): { title: string; details: string; action: SpendAction } {
  const step = task.used.steps + 1;
  const amount = spendAsk(verdict, work.ahead);
  const steps = work.stepsLeft === 1 ? `step ${step}` : `steps ${step} to ${step + work.stepsLeft - 1}`;
  // Beside the most it may cost (what is asked), what such steps typically cost here.
  const typical = `typically ~${creditsText(Math.min(amount, work.typical))}`;
  const what = `the rest of the task "${goalOf(task)}" (${steps} at most; ${typical})`;
  const scope = verdict.budget.scope === "key" ? "agent key" : verdict.budget.scope;
  const credits = amount.toLocaleString("en-US");
  return {
    title: `Spend up to ${credits} more credits on ${what}`,
    details: `The ${scope}'s budget has ${Math.max(0, verdict.remaining).toLocaleString("en-US")} credits left; the rest of the task may cost up to ${credits} more (${typical}). Approve to raise the budget by that much once (or by the amount you choose); deny to stop the task.`,
    action: {
      kind: "spend",
      amount,
      needed: verdict.needed,
      budget: verdict.budget,
      for: { kind: "task", id: task.id },
      what,
      spender: task.startedBy,
    },
  };
}

/** Why a task paused for credits, in words for its thread and log. */
export function outOfCreditsText(verdict: Extract<SpendVerdict, { kind: "payment_required" }>): string {
  return `Paused: the workspace is out of credits (${verdict.balance.toLocaleString("en-US")} left; the next step may cost up to ${verdict.needed.toLocaleString("en-US")}). Top up in Billing or ask an operator for credits, then resume the task.`;
}

/** The model call of a step, charged once: its actual cost against the reservation made for it. */
export function chargeStep(
  spend: SpendGate,
  reservation: Parameters<SpendGate["recordModelCall"]>[0],
  call: {
    id: string;
    task: Pick<TaskDoc, "id" | "threadId">;
    model: string;
    inputTokens: number | null;
    outputTokens: number | null;
    ended: CallEnd;
    at: number;
  },
): void {
  spend.recordModelCall(reservation, {
    id: call.id,
    at: call.at,
    purpose: "task",
    model: call.model,
    inputTokens: call.inputTokens,
    outputTokens: call.outputTokens,
    ended: call.ended,
    runId: call.task.id,
    threadId: call.task.threadId,
  });
}
