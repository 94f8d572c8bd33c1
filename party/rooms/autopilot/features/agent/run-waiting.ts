import type { z } from "zod";
import {
  type ChatGoAheadParams,
  type ChatGoAheadResult,
  MAX_WAITING_APPROVALS,
  type ThreadWaiting,
} from "../../../../../shared/protocol/agent";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { activeRun, type AgentRun, getRun, nextQueued, runsWithStatus } from "./agent-runs";
import { getApproval, withdrawApproval } from "../approvals/index";
import type { OpContext } from "../../kernel/commit";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { getThread, updateThread } from "../threads/index";

// A run waiting for approvals holds its thread (one active run per thread): what is posted
// meanwhile queues behind it. A thread's `waiting` says so — which run, which approvals,
// which messages wait — and is recomputed from the runs and approvals whenever one of them
// changes (syncWaiting), so it is the room's state, whatever came before; `chat.goAhead`
// lets the run go on without its approvals.

/** The approvals a paused run has no answer for yet: its tool calls' and its spend approval (run-spend.ts). */
export function waitedOn(run: AgentRun): string[] {
  const calls = run.doc.pending.flatMap((call) => (call.roomApprovalId && !call.answer ? [call.roomApprovalId] : []));
  return run.doc.spendApprovalId ? [...calls, run.doc.spendApprovalId] : calls;
}

/** How many other replies wait on the spend approval `run` waits on (replies at one budget's edge share one). */
export function othersOnSpend(sql: Sql, run: AgentRun): number {
  const id = run.doc.spendApprovalId;
  if (!id) return 0;
  return runsWithStatus(sql, "awaiting_approval").filter((r) => r.id !== run.id && r.doc.spendApprovalId === id).length;
}

/** What the thread's waiting run waits for and what is queued behind it; null when no run waits. */
export function waitingOf(sql: Sql, threadId: string): ThreadWaiting | null {
  const run = activeRun(sql, threadId);
  if (run?.status !== "awaiting_approval") return null;
  const approvals = waitedOn(run)
    .flatMap((id) => {
      const approval = getApproval(sql, id);
      return approval?.status === "pending" ? [{ id: approval.id, title: approval.title.slice(0, 200) }] : [];
    })
    .slice(0, MAX_WAITING_APPROVALS);
  const queued = nextQueued(sql, threadId);
  return { runId: run.id, approvals, afterN: run.doc.triggerN, queuedThroughN: queued ? queued.doc.triggerN : null };
}

const sameWaiting = (a: ThreadWaiting | null, b: ThreadWaiting | null): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** Brings the thread's `waiting` in line with its runs; tells clients (`thread.updated`) only when it changed. */
export function syncWaiting(ctx: OpContext, threadId: string): void {
  const thread = getThread(ctx.sql, threadId);
  if (!thread) return;
  const waiting = waitingOf(ctx.sql, threadId);
  if (sameWaiting(thread.waiting ?? null, waiting)) return;
  const { waiting: _old, ...rest } = thread;
  updateThread(ctx, waiting ? { ...rest, waiting } : rest);
}

export const wentAheadNote = (name: string): string => `${name} went ahead without it`;

/**
 * `chat.goAhead`: withdraws every approval the run still waits for, as the caller. The
 * room then resumes the run as for any expired approval (runner.ts onApprovalResolved):
 * the calls never run and the model is told who went ahead without them.
 */
export function goAhead(
  ctx: OpContext,
  params: z.output<typeof ChatGoAheadParams>,
): z.output<typeof ChatGoAheadResult> {
  const run = getRun(ctx.sql, params.runId);
  if (!run) throw new RoomError("not_found", `no run ${params.runId}`, { runId: params.runId });
  if (run.status !== "awaiting_approval")
    throw new RoomError("conflict", `run ${run.id} is not waiting for an approval (it is ${run.status})`, {
      runId: run.id,
      status: run.status,
    });
  const others = othersOnSpend(ctx.sql, run);
  if (others > 0)
    throw new RoomError(
      "conflict",
      `run ${run.id} waits on a spend approval ${others} other ${others === 1 ? "reply shares" : "replies share"}: decide it in Approvals, or stop this reply`,
      { runId: run.id, status: run.status, approvalId: run.doc.spendApprovalId },
    );
  const note = wentAheadNote(ctx.actor.name);
  // A spend approval withdrawn is not granted: the run then ends (runner.ts), as with nothing to spend.
  const withdrawn = waitedOn(run).flatMap((id): Approval[] => {
    const approval = withdrawApproval(ctx, id, note);
    return approval ? [approval] : [];
  });
  if (withdrawn.length === 0)
    throw new RoomError("conflict", `run ${run.id} waits for no pending approval`, {
      runId: run.id,
      status: run.status,
    });
  ctx.audit("run.went_ahead", run.id, { threadId: run.threadId, withdrawn: withdrawn.map((a) => a.id) });
  return { runId: run.id, withdrawn };
}
