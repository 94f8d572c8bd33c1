// What a spend approval asks for (decision 60): enough for the work that waits, not one model
// call, so a person decides once per crossing of a budget however many calls follow; and the
// one approval that replies reaching the same budget's edge together share.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { SpendAction, SpendWaiter } from "../../../../../shared/protocol/billing";
import type { Actor } from "../../../../../shared/protocol/principal";
import type { Sql } from "../../../../domain/sql";
import { getSettings } from "../../kernel/settings";
import { spendApprovals } from "./billing";
import type { SpendVerdict } from "./spend-gate";

type Over = Extract<SpendVerdict, { kind: "over" }>;

/** The most work one spend approval lists: beyond it, the next reply files its own. */
const MAX_WAITING = 50;

/**
 * The credits a spend approval asks for: what the work ahead may cost in all (`workAhead`: its
 * calls left, each at the next call's worst case), less what the budget has left; never less
 * than what the next call lacks.
 */
export function spendAsk(refused: Over, workAhead: number): number {
  return Math.max(refused.amount, workAhead - Math.max(0, refused.remaining));
}

/**
 * The pending spend approval replies share at this budget's edge (filed for a reply), if one has
 * room. Under the two-person rule only the same person's (or key's) replies share one: a
 * person must not decide the spending of a reply they started, and a shared approval names
 * the first reply's starter as whom it acts for.
 */
export function sharedSpendApproval(sql: Sql, budget: Over["budget"], spender: Actor): Approval | null {
  const twoPersonRule = getSettings(sql).approvals.twoPersonRule;
  for (const approval of spendApprovals(sql, "pending")) {
    const action = approval.action;
    if (action?.kind !== "spend" || action.for.kind !== "run") continue;
    if (action.budget.scope !== budget.scope || action.budget.subjectId !== budget.subjectId) continue;
    if (twoPersonRule && action.spender?.id !== spender.id) continue;
    if ((action.waiting?.length ?? 0) + 1 >= MAX_WAITING) continue;
    return approval;
  }
  return null;
}

/** Every reply or task that waits on a spend approval: the one it was filed for, then those that joined. */
export function spendWaiters(action: SpendAction): SpendWaiter[] {
  const first = action.for.kind === "instance" ? [] : [{ kind: action.for.kind, id: action.for.id, what: action.what }];
  return [...first, ...(action.waiting ?? [])];
}

/** A shared spend approval with one more reply waiting on it: what it asks grows by that reply's. */
export function joinedSpend(
  action: SpendAction,
  waiter: SpendWaiter,
  ask: { amount: number; needed: number },
): SpendAction {
  return {
    ...action,
    amount: action.amount + ask.amount,
    needed: (action.needed ?? action.amount) + ask.needed,
    waiting: [...(action.waiting ?? []).filter((w) => w.id !== waiter.id), waiter],
  };
}
