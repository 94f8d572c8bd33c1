// A reply's run against the workspace's money (decision 44): before each of its model calls the
// run asks the spend gate with that call's worst case (the first before the stream starts, the
// next ones between the SDK's steps, which stop the stream when refused), and each call's actual
// cost is recorded against the reservation made for it. Out of credits, the run ends there with
// why in the thread; over a budget, it waits on a spend approval whose approval raises the
// budget once and lets the run go on from where it stopped.
import type { ModelMessage } from "ai";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { SpendAction, SpendWaiter } from "../../../../../shared/protocol/billing";
import { amendApproval, requestApproval } from "../approvals/index";
import type { OpContext } from "../../kernel/commit";
import { syncWaiting } from "./run-waiting";
import {
  joinedSpend,
  type Reservation,
  type SpendGate,
  type SpendSubject,
  type SpendVerdict,
  sharedSpendApproval,
  spendAsk,
  spendWaiters,
  typicalRunCost,
} from "../billing/index";
import { creditsText } from "../../../../../shared/billing-words";
import { type AgentRun, saveRun } from "./agent-runs";
import { recordUsage } from "../model/index";
import type { Sql } from "../../../../domain/sql";
import { asAutopilot, failSegment, type PostDeps } from "./autopilot-posts";
import type { RunEvent } from "../model/index";
import { boundRunMessages } from "./run-storage";
import { getThread } from "../threads/index";

/** Whose budgets a reply's spending counts against: its trigger's key (an agent's), the thread's project. */
export function runSpender(run: Pick<AgentRun, "doc">, projectId: string | null): SpendSubject {
  const by = run.doc.triggeredBy;
  return { principalId: by.id, keyId: by.kind === "agent" ? by.id : null, projectId, taskId: null };
}

/**
 * One segment's spending: a reservation per model call, charged when the SDK reports the call.
 * `estimate` is a call's worst case from the messages it sends (the segment's, then with each
 * step's tool calls and results): an upper bound, so no call costs more than was reserved.
 */
export class RunSpending {
  readonly #gate: SpendGate;
  readonly #subject: SpendSubject;
  readonly #estimate: (messages: ModelMessage[]) => number;
  #reservation: Reservation | null = null;
  /** Why the gate said no (null while it has not). */
  refused: Exclude<SpendVerdict, { kind: "ok" }> | null = null;

  constructor(gate: SpendGate, subject: SpendSubject, estimate: (messages: ModelMessage[]) => number) {
    this.#gate = gate;
    this.#subject = subject;
    this.#estimate = estimate;
  }

  /** Before a model call that sends `messages`: whether it may go out (its worst case is then reserved). */
  next(messages: ModelMessage[]): boolean {
    if (this.#reservation) return true;
    const verdict = this.#gate.check(this.#subject, this.#estimate(messages));
    if (verdict.kind === "ok") {
      this.#reservation = verdict.reservation;
      return true;
    }
    this.refused = verdict;
    return false;
  }

  /** The SDK reported a model call: its actual cost, once, against what was reserved for it. */
  charge(call: Omit<Parameters<SpendGate["recordModelCall"]>[1], "purpose">): void {
    this.#gate.recordModelCall(this.#reservation, { ...call, purpose: "reply" });
    this.#reservation = null;
  }

  /** The segment ended: a reservation for a call that never went out costs nothing. */
  end(): void {
    if (this.#reservation) this.#gate.release(this.#reservation);
    this.#reservation = null;
  }
}

/** The words a run the gate found out of credits ends with. */
function outOfCreditsRunText(refused: Extract<SpendVerdict, { kind: "payment_required" }>): string {
  return `The Autopilot stopped: the workspace is out of credits (${refused.balance.toLocaleString("en-US")} left; its next model call may cost up to ${refused.needed.toLocaleString("en-US")}). Top up in Billing or ask an operator for credits, then ask again.`;
}

/**
 * Over a budget: the run waits on a spend approval, with its model messages so far, as it waits
 * on a tool's approval (run-pause.ts): approved, it goes on from there (runner.ts); denied or
 * expired, it ends with why. The approval asks for the rest of the reply (`stepsAhead` calls
 * at the next call's worst case: a resumed reply may take its whole step limit again), so
 * one decision carries it to its end. It is filed for the run's trigger (the two-person rule
 * applies to them as to any request they caused), unless a reply that reached the same
 * budget's edge already waits on one: this run then waits on that one too, which asks for
 * this reply's share besides (billing's spend-asks.ts). Answers false when the messages are
 * too large to keep: the run then ends, and its words say to ask again.
 */
function pauseForSpend(
  deps: PostDeps,
  run: AgentRun,
  refused: Extract<SpendVerdict, { kind: "over" }>,
  messages: ModelMessage[],
  pause: { ttlMs: number | undefined; stepsAhead: number; guess: number },
): boolean {
  const bounded = boundRunMessages(messages);
  const scope = refused.budget.scope === "key" ? "agent key" : refused.budget.scope;
  const ask = { amount: spendAsk(refused, pause.stepsAhead * refused.needed), needed: refused.needed };
  const title = getThread(deps.sql, run.threadId)?.title;
  const where = title ? `“${title.length > 60 ? `${title.slice(0, 59)}…` : title}”` : "this thread";
  // Beside the most it may cost (what is asked), what a whole reply typically costs here.
  const typical = Math.min(ask.amount, typicalRunCost(deps.sql, "reply")?.credits ?? pause.guess);
  const what = `the rest of the Autopilot's reply in ${where} (up to ${pause.stepsAhead} model calls; a reply here typically costs ~${creditsText(typical)})`;
  const left = Math.max(0, refused.remaining).toLocaleString("en-US");
  const goesOn = bounded.ok ? "the replies go on" : "ask the Autopilot again";
  asAutopilot(
    deps,
    (ctx) => {
      const shared = bounded.ok ? sharedSpendApproval(ctx.sql, refused.budget, run.doc.triggeredBy) : null;
      const approval = shared
        ? joinSpendApproval(ctx, shared, { kind: "run", id: run.id, what }, ask, { scope, left, goesOn })
        : requestApproval(
            ctx,
            {
              title: `Spend up to ${ask.amount.toLocaleString("en-US")} more credits on ${what}`,
              details: `The ${scope}'s budget has ${left} credits left. Approve to raise it by that much once (or by the amount you choose)${bounded.ok ? " and the reply goes on" : ", then ask the Autopilot again"}; deny to stop it.`,
              risk: "medium",
              threadId: run.threadId,
            },
            {
              kind: "spend",
              amount: ask.amount,
              needed: ask.needed,
              budget: refused.budget,
              for: { kind: "run", id: run.id },
              what,
              spender: run.doc.triggeredBy,
            },
            pause.ttlMs,
          ).approval;
      if (!bounded.ok || !approval) return;
      const doc = {
        ...run.doc,
        messages: bounded.messages as unknown as Record<string, unknown>[],
        pending: [],
        spendApprovalId: approval.id,
      };
      saveRun(ctx.sql, { id: run.id, status: "awaiting_approval", segment: run.segment, doc }, ctx.now);
      syncWaiting(ctx, run.threadId);
    },
    ["read", "write"],
    run.doc.triggeredBy,
  );
  return bounded.ok;
}

/** One more reply waits on a shared spend approval: it asks for that reply's share too, and says how many wait. */
function joinSpendApproval(
  ctx: OpContext,
  shared: Approval,
  waiter: SpendWaiter,
  ask: { amount: number; needed: number },
  words: { scope: string; left: string; goesOn: string },
): Approval | null {
  if (shared.action?.kind !== "spend") return null;
  const action = joinedSpend(shared.action, waiter, ask);
  const replies = spendWaiters(action).length;
  const amount = action.amount.toLocaleString("en-US");
  return amendApproval(ctx, shared.id, {
    title: `Spend up to ${amount} more credits on ${replies} of the Autopilot's replies`,
    details: `The ${words.scope}'s budget has ${words.left} credits left and ${replies} replies wait on it. Approve to raise it by that much once (or by the amount you choose) and ${words.goesOn}; deny to stop them.`,
    action,
  });
}

/** The words a run ends with when its spend approval could not keep it waiting (run-spend.ts). */
const overBudgetEndText = (refused: Extract<SpendVerdict, { kind: "over" }>): string =>
  `The Autopilot stopped before its next model call: it would go over the ${refused.budget.scope === "key" ? "agent key" : refused.budget.scope}'s budget. A spend approval for ${refused.amount.toLocaleString("en-US")} credits is in Approvals; once it is approved, ask again.`;

/**
 * A run the spend gate refused: over a budget it waits on a spend approval (true), else its
 * segment ends with why (false; the caller ends the run).
 */
export function refusedRun(
  deps: PostDeps,
  run: AgentRun,
  chatRunId: string,
  refused: Exclude<SpendVerdict, { kind: "ok" }>,
  messages: ModelMessage[],
  pause: { ttlMs: number | undefined; stepsAhead: number; guess: number },
): boolean {
  if (refused.kind === "over" && pauseForSpend(deps, run, refused, messages, pause)) return true;
  const why = refused.kind === "over" ? overBudgetEndText(refused) : outOfCreditsRunText(refused);
  failSegment(deps, run.threadId, chatRunId, "", why);
  return false;
}

/** Why what waited on a spend approval (a task, a reply) stopped: it was not granted. */
export function spendRefusedText(approval: Approval, action: SpendAction): string {
  const amount = action.amount.toLocaleString("en-US");
  if (approval.status === "denied")
    return `${approval.resolvedBy?.name ?? "Someone"} denied spending ${amount} more credits${approval.note ? ` (${approval.note})` : ""}`;
  return approval.note
    ? `no decision on spending ${amount} more credits (${approval.note})`
    : `nobody approved spending ${amount} more credits in time`;
}

/** A reply's model call as the SDK reported it: its usage row, and its cost in the ledger once. */
export function recordReplyCall(
  sql: Sql,
  spending: RunSpending,
  run: AgentRun,
  modelId: string,
  event: Extract<RunEvent, { type: "model-call" }>,
): void {
  const at = Date.now() - event.durationMs;
  const { inputTokens, outputTokens, ended } = event;
  recordUsage(sql, {
    at,
    threadId: run.threadId,
    runId: run.id,
    principalId: run.doc.triggeredBy.id,
    purpose: "reply",
    model: modelId,
    inputTokens,
    outputTokens,
    durationMs: event.durationMs,
    ok: ended === "answered",
  });
  const id = `reply:${run.id}:${crypto.randomUUID()}`;
  spending.charge({ id, at, model: modelId, inputTokens, outputTokens, ended, runId: run.id, threadId: run.threadId });
}
