// Budgets enforced before spending (decision 44): check → work → record. Before a model call or
// an instance start the caller asks with a worst-case estimate; the gate compares it with the
// balance (out of credits: `payment_required`) and with every budget that applies (the
// workspace's, the spender's key's, the project's, the task's; crossing one: a spend approval).
// What passed is reserved until its actual cost is recorded, so calls in flight at the same
// time cannot together pass a budget that each alone fits. Reservations live in memory: a
// restart ends the calls they were for.
import type { BudgetScope, SpendPurpose } from "../../../../shared/protocol/billing";
import { type BillingConfig, modelPrice, tokenCost } from "../../../billing/config";
import type { Sql } from "../../../domain/sql";
import { appendLedger, balanceOf, budgetState, creditPeriod } from "./billing";

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
    };

export interface Reservation {
  readonly id: number;
  readonly amount: number;
  readonly subject: SpendSubject;
}

/** A model call's actual use, as the endpoint reported it (null: it reported none). */
export interface ModelSpend {
  /** Unique per call: the ledger entry's id. */
  id: string;
  at: number;
  purpose: SpendPurpose;
  model: string;
  inputTokens: number | null;
  outputTokens: number | null;
  /** Whether the call answered; a failed one that reported no usage costs nothing. */
  ok: boolean;
  runId: string | null;
  threadId: string | null;
}

/** Characters per token the worst-case estimate assumes: fewer than any tokenizer gives for text. */
const CHARS_PER_TOKEN = 3;

export class SpendGate {
  readonly #sql: Sql;
  readonly #config: BillingConfig;
  readonly #changed: () => void;
  readonly #reserved = new Map<number, Reservation>();
  #next = 1;

  /** `changed`: the ledger changed (the billing feature tells clients, coalesced). */
  constructor(sql: Sql, config: BillingConfig, changed: () => void) {
    this.#sql = sql;
    this.#config = config;
    this.#changed = changed;
  }

  get config(): BillingConfig {
    return this.#config;
  }

  /** The most a model call with this much input text can cost: every output token it may take. */
  modelEstimate(modelId: string, inputChars: number, maxOutputTokens = this.#config.maxOutputTokens): number {
    const price = modelPrice(this.#config.prices, modelId);
    return Math.max(1, tokenCost(price, Math.ceil(inputChars / CHARS_PER_TOKEN), maxOutputTokens));
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
    creditPeriod(this.#sql, this.#config, now);
    const balance = balanceOf(this.#sql) - this.#reservedFor("workspace", null);
    if (balance < estimate) return { kind: "payment_required", balance: Math.max(0, balance), needed: estimate };
    for (const budget of this.#budgetsOf(subject)) {
      const state = budgetState(this.#sql, budget.scope, budget.subjectId, now);
      if (!state) continue;
      const remaining = state.remaining - this.#reservedFor(budget.scope, budget.subjectId);
      if (remaining < estimate) return { kind: "over", budget, amount: estimate - Math.max(0, remaining), remaining };
    }
    const reservation: Reservation = { id: this.#next++, amount: estimate, subject };
    this.#reserved.set(reservation.id, reservation);
    return { kind: "ok", reservation };
  }

  /** The reservation ends without a cost (the call never went out). */
  release(reservation: Reservation): void {
    this.#reserved.delete(reservation.id);
  }

  /**
   * A model call's actual cost, recorded once (by its id), and its reservation released. A call
   * that answered but whose endpoint reported no usage is charged what was reserved for it: the
   * worst case.
   */
  recordModelCall(reservation: Reservation | null, call: ModelSpend): number {
    if (reservation) this.#reserved.delete(reservation.id);
    const price = modelPrice(this.#config.prices, call.model);
    const metered = call.inputTokens !== null || call.outputTokens !== null;
    const cost = metered ? tokenCost(price, call.inputTokens ?? 0, call.outputTokens ?? 0) : (reservation?.amount ?? 0);
    const subject = reservation?.subject;
    const written = appendLedger(this.#sql, {
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
      note: metered ? null : "the endpoint reported no usage: charged the worst case",
    });
    if (written) this.#changed();
    return cost;
  }
}
