// Budgets enforced before spending (decision 44): check → work → record. Before a model call or
// an instance start the caller asks with a worst-case estimate; the gate compares it with the
// balance (out of credits: `payment_required`) and with every budget that applies (the
// workspace's, the spender's key's, the project's, the task's; crossing one: a spend approval).
// What passed is reserved until its actual cost is recorded, so calls in flight at the same
// time cannot together pass a budget that each alone fits. Reservations live in memory: a
// restart ends the calls they were for.
import type { BudgetScope, SpendPurpose } from "../../../../../shared/protocol/billing";
import { type BillingConfig, modelPrice, tokenCost } from "./config";
import type { Sql } from "../../../../domain/sql";
import type { OpContext, RoomWriter } from "../../kernel/commit";
import { appendLedger, budgetState, creditedBalance, recordOverReport, setBudgets } from "./billing";
import { reportedTokens } from "./token-bound";

/** Who and what a spending is for: each budget it counts against. */
export interface SpendSubject {
  principalId: string | null;
  /** Only a key's principal has a key budget; people's spending counts for the workspace. */
  keyId?: string | null;
  projectId: string | null;
  taskId: string | null;
}

export type SpendVerdict =
  | { kind: "ok"; reservation: Reservation }
  | { kind: "payment_required"; balance: number; needed: number }
  | {
      kind: "over";
      budget: { scope: BudgetScope; subjectId: string | null };
      /** What approving adds to that budget: enough for this spending. */
      amount: number;
      remaining: number;
      /** The spending's whole worst case. */
      needed: number;
    };

export interface Reservation {
  readonly id: number;
  readonly amount: number;
  readonly subject: SpendSubject;
}

/**
 * How a model call ended: `answered` (its stream finished), `failed` (the endpoint refused or
 * failed it, cut the connection, or went silent past a timeout), `stopped` (the room stopped
 * it: a person stopped the reply, a task was paused, an access change).
 */
export type CallEnd = "answered" | "failed" | "stopped";

/** A model call's actual use, as the endpoint reported it (null: it reported none). */
export interface ModelSpend {
  /** Unique per call: the ledger entry's id. */
  id: string;
  at: number;
  purpose: SpendPurpose;
  model: string;
  inputTokens: number | null;
  outputTokens: number | null;
  /** How it ended: a failed call that reported no usage costs nothing. */
  ended: CallEnd;
  runId: string | null;
  threadId: string | null;
}

export class SpendGate {
  readonly #sql: Sql;
  readonly #commit: RoomWriter["commit"];
  readonly #config: BillingConfig;
  readonly #changed: (ctx: OpContext) => void;
  readonly #reserved = new Map<number, Reservation>();
  #next = 1;

  /** `changed`: tells, in the commit that wrote an entry, that the money changed (news.ts). */
  constructor(writer: RoomWriter, config: BillingConfig, changed: (ctx: OpContext) => void) {
    this.#sql = writer.sql;
    this.#commit = writer.commit;
    this.#config = config;
    this.#changed = changed;
  }

  get config(): BillingConfig {
    return this.#config;
  }

  /**
   * The most a model call can cost: `inputTokens` is an upper bound of its input (run-spend.ts
   * `inputTokenBound`), and it may take every output token of its cap.
   */
  modelEstimate(modelId: string, inputTokens: number, maxOutputTokens = this.#config.maxOutputTokens): number {
    const price = modelPrice(this.#config.prices, modelId);
    return Math.max(1, tokenCost(price, inputTokens, maxOutputTokens));
  }

  /** The budgets a subject's spending counts against, the workspace's first. */
  #budgetsOf(subject: SpendSubject): { scope: BudgetScope; subjectId: string | null }[] {
    const out: { scope: BudgetScope; subjectId: string | null }[] = [{ scope: "workspace", subjectId: null }];
    if (subject.keyId) out.push({ scope: "key", subjectId: subject.keyId });
    if (subject.projectId) out.push({ scope: "project", subjectId: subject.projectId });
    if (subject.taskId) out.push({ scope: "task", subjectId: subject.taskId });
    return out;
  }

  #reservedFor(scope: BudgetScope, subjectId: string | null): number {
    let total = 0;
    for (const r of this.#reserved.values()) {
      const matches =
        scope === "workspace" ||
        (scope === "key" && r.subject.keyId === subjectId) ||
        (scope === "project" && r.subject.projectId === subjectId) ||
        (scope === "task" && r.subject.taskId === subjectId);
      if (matches) total += r.amount;
    }
    return total;
  }

  /** Whether `estimate` credits may be spent now for `subject`; when they may, they are reserved. */
  check(subject: SpendSubject, estimate: number, now = Date.now()): SpendVerdict {
    // A read: the month's plan credits count before their entry is written (by the charge's commit).
    const balance = creditedBalance(this.#sql, this.#config, now) - this.#reservedFor("workspace", null);
    if (balance < estimate) return { kind: "payment_required", balance: Math.max(0, balance), needed: estimate };
    // The budgets that are set, in one read (most subjects have none of their four set).
    const set = setBudgets(this.#sql);
    for (const budget of this.#budgetsOf(subject)) {
      const row = set.find((b) => b.scope === budget.scope && b.subjectId === budget.subjectId);
      if (!row) continue;
      const state = budgetState(this.#sql, budget.scope, budget.subjectId, now, row.limit);
      if (!state) continue;
      const remaining = state.remaining - this.#reservedFor(budget.scope, budget.subjectId);
      if (remaining < estimate)
        return { kind: "over", budget, amount: estimate - Math.max(0, remaining), remaining, needed: estimate };
    }
    const reservation: Reservation = { id: this.#next++, amount: estimate, subject };
    this.#reserved.set(reservation.id, reservation);
    return { kind: "ok", reservation };
  }

  /** What a budget has left now, less what calls in flight reserved; null when none is set. */
  left(scope: BudgetScope, subjectId: string | null, now = Date.now()): number | null {
    const state = budgetState(this.#sql, scope, subjectId, now);
    return state ? state.remaining - this.#reservedFor(scope, subjectId) : null;
  }

  /** The reservation ends without a cost (the call never went out). */
  release(reservation: Reservation): void {
    this.#reserved.delete(reservation.id);
  }

  /**
   * A model call's actual cost, recorded once (by its id), and its reservation released. It is
   * what the endpoint reported, but never more than was reserved for the call: the reservation
   * is the call's worst case (its input's bound and every output token of its cap), and an
   * endpoint's word is no bound. What a report asks beyond it is not taken from the workspace:
   * the entry's note says so, the audit log keeps the report, and operators see the month's
   * total (`overReported`). A call that reported no usage is charged its worst case when it
   * answered or the room stopped it (the endpoint may have used all of it); one that failed
   * without usage (an outage: refused, unreachable, cut off, silent) costs nothing and leaves
   * no entry, however often a task's step asks again. The entry, its running sums, an
   * over-report's record and the news of the change are one commit: all of them or none.
   */
  recordModelCall(reservation: Reservation | null, spend: ModelSpend): number {
    if (reservation) this.#reserved.delete(reservation.id);
    // The endpoint's figures, as counts (remote input: a negative one would credit the workspace).
    const call = {
      ...spend,
      inputTokens: reportedTokens(spend.inputTokens),
      outputTokens: reportedTokens(spend.outputTokens),
    };
    const price = modelPrice(this.#config.prices, call.model);
    const metered = call.inputTokens !== null || call.outputTokens !== null;
    if (!metered && call.ended === "failed") return 0;
    const reported = metered ? tokenCost(price, call.inputTokens ?? 0, call.outputTokens ?? 0) : null;
    // Every call is checked (and reserved) before it goes out; without a reservation nothing bounds it, so nothing is charged.
    const bound = reservation?.amount ?? 0;
    const cost = reported === null ? bound : Math.min(reported, bound);
    const excess = reported === null ? 0 : reported - cost;
    const subject = reservation?.subject;
    this.#commit(null, (ctx) => {
      const written = appendLedger(ctx.sql, {
        id: call.id,
        at: call.at,
        kind: "usage",
        amount: -cost,
        purpose: call.purpose,
        principalId: subject?.principalId ?? null,
        runId: call.runId,
        threadId: call.threadId,
        projectId: subject?.projectId ?? null,
        taskId: subject?.taskId ?? null,
        model: call.model,
        inputTokens: call.inputTokens,
        outputTokens: call.outputTokens,
        note:
          reported === null
            ? call.ended === "stopped"
              ? "stopped before the endpoint reported its usage: charged the worst case"
              : "the endpoint reported no usage: charged the worst case"
            : excess > 0
              ? overReportNote(reported, cost)
              : null,
      });
      if (!written) return;
      if (reported !== null && excess > 0) recordOverReport(ctx.sql, call, { reported, charged: cost, excess });
      this.#changed(ctx);
    });
    return cost;
  }
}

/** The receipt's words for a call whose endpoint reported more than the call could have used. */
const overReportNote = (reported: number, charged: number): string =>
  `the endpoint reported usage worth ${reported.toLocaleString("en-US")} credits, more than this call could use: charged its worst case, ${charged.toLocaleString("en-US")}`;
