// What a person's decision does to a run waiting on it, in one transaction each: a tool
// call's answer (the run resumes once every call is answered), its spend approval
// (approved: it goes on; otherwise it ends), or `chat.abort` (it ends, and what it waited on
// expires). The claim (`awaiting_approval` → the next status) makes each happen once, however
// many people decide at the same moment. The runner (runner.ts) executes what they answer.
import type { z } from "zod";
import type { Approval, ToolAction } from "../../../../../shared/protocol/approvals";
import type { SpendAction } from "../../../../../shared/protocol/billing";
import { spendNoLongerNeeded } from "../../../../../shared/billing-words";
import type { Actor } from "../../../../../shared/protocol/principal";
import type { RunLogEntry } from "../../../../../shared/protocol/tasks";
import { type AgentRun, claimRun, endRun, getRun, saveRun } from "./agent-runs";
import { getApproval, settleApproval } from "../approvals/index";
import { appendRunLog } from "./run-log";
import { othersOnSpend, syncWaiting, waitedOn } from "./run-waiting";
import type { Sql } from "../../../../domain/sql";
import { asAutopilot, type PostDeps } from "./autopilot-posts";
import { spendRefusedText } from "./run-spend";
import { answerFor } from "../toolset/index";
import { approvalEntry } from "./task-log";

/** A tool call's approval answered: the run, claimed to stream again, once all of its calls are. */
export function answerToolCall(
  sql: Sql,
  approval: Approval,
  action: z.infer<typeof ToolAction>,
): { resumed: AgentRun | null; logged: RunLogEntry[] } {
  let logged: RunLogEntry[] = [];
  const resumed = sql.transaction((): AgentRun | null => {
    const run = getRun(sql, action.runId);
    if (run?.status !== "awaiting_approval") return null;
    let changed = false;
    const pending = run.doc.pending.map((call) => {
      if (call.toolCallId !== action.toolCallId || call.answer) return call;
      changed = true;
      return { ...call, answer: answerFor(approval) };
    });
    if (!changed) return null;
    logged = appendRunLog(sql, run.id, [approvalEntry(approval, run.segment)], Date.now());
    const now = Date.now();
    const next: AgentRun = { ...run, doc: { ...run.doc, pending } };
    if (pending.some((call) => !call.answer)) {
      saveRun(sql, next, now);
      return null;
    }
    if (!claimRun(sql, run.id, "awaiting_approval", "streaming", now)) return null;
    const claimed: AgentRun = { ...next, status: "streaming", segment: run.segment + 1 };
    saveRun(sql, claimed, now);
    return claimed;
  });
  return { resumed, logged };
}

/**
 * The spend approval run `runId` waits on (one of those listed on it), decided (its budget already raised: the billing feature
 * reacts first): approved, the run claimed to go on from its stored messages (`stopped` null);
 * otherwise ended, with why. Null when the run no longer waits on it.
 */
export function decideRunSpend(
  sql: Sql,
  approval: Approval,
  action: SpendAction,
  runId: string,
): { run: AgentRun; stopped: string | null } | null {
  if (approval.status === "pending") return null;
  const now = Date.now();
  return sql.transaction(() => {
    const run = getRun(sql, runId);
    if (run?.status !== "awaiting_approval" || run.doc.spendApprovalId !== approval.id) return null;
    const { spendApprovalId: _decided, ...doc } = run.doc;
    // No longer needed (the budget has room now): it goes on as if approved.
    if (approval.status !== "approved" && !spendNoLongerNeeded(approval)) {
      if (!claimRun(sql, run.id, "awaiting_approval", "failed", now)) return null;
      endRun(sql, run.id, "failed", now);
      return { run, stopped: `The Autopilot stopped: ${spendRefusedText(approval, action)}.` };
    }
    if (!claimRun(sql, run.id, "awaiting_approval", "streaming", now)) return null;
    const claimed: AgentRun = { ...run, status: "streaming", segment: run.segment + 1, doc };
    saveRun(sql, claimed, now);
    return { run: claimed, stopped: null };
  });
}

/** `chat.abort` on a run waiting for people: it ends, and every approval it waited on expires. */
export function cancelWaitingRun(deps: PostDeps, run: AgentRun, by: Actor): boolean {
  return asAutopilot(deps, (ctx) => {
    if (!claimRun(ctx.sql, run.id, "awaiting_approval", "aborted", ctx.now)) return false;
    endRun(ctx.sql, run.id, "aborted", ctx.now);
    // A spend approval other replies share stays theirs to decide.
    const shared = othersOnSpend(ctx.sql, run) > 0 ? run.doc.spendApprovalId : undefined;
    for (const id of waitedOn(run)) {
      if (id === shared) continue;
      const approval = getApproval(ctx.sql, id);
      if (approval?.status === "pending")
        settleApproval(ctx, approval, "expired", `the Autopilot's reply was stopped by ${by.name}`);
    }
    syncWaiting(ctx, run.threadId);
    return true;
  });
}
