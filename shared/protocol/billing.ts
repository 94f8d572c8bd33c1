import { z } from "zod";
import { EntityId, mutatingParams, Timestamp } from "./common";
import { PageCursor, pageParams } from "./paging";
import { Actor } from "./principal";

/**
 * Money (protocol 10): a ledger per workspace, in credits (whole numbers). Every model call of
 * the Autopilot's agent and tasks, every gateway's model use and every hour an instance runs is
 * a usage entry priced from the operator's price table; plans, grants and top-ups add credits.
 * Budgets (the workspace's per month, optional ones per agent key, project and task) are
 * checked before anything is spent; what would cross one becomes a spend approval
 * (`SpendAction`). Out of credits is `payment_required`.
 */

/** Credits: whole numbers; usage is negative in the ledger, what adds credits positive. */
export const Credits = z.number().int();

export const LedgerKind = z.enum(["plan", "grant", "topup", "usage"]);
/** What a usage entry paid for. */
export const SpendPurpose = z.enum(["reply", "task", "summary", "title", "gateway", "instance_time"]);
export type SpendPurpose = z.infer<typeof SpendPurpose>;

export const LedgerEntry = z.object({
  /** Unique per thing paid for or credited: the same usage or webhook twice is one entry. */
  id: z.string(),
  at: Timestamp,
  kind: LedgerKind,
  /** Signed: usage takes credits (negative), the rest adds them. */
  amount: Credits,
  purpose: SpendPurpose.nullable(),
  /** Who the spending was for (the run's starter, the key, the instance's gateway: null). */
  principalId: z.string().nullable(),
  runId: z.string().nullable(),
  threadId: EntityId.nullable(),
  projectId: EntityId.nullable(),
  /** The task whose step it was (tasks' entries only). */
  taskId: EntityId.nullable(),
  instanceId: z.string().nullable(),
  model: z.string().nullable(),
  inputTokens: z.number().int().nonnegative().nullable(),
  outputTokens: z.number().int().nonnegative().nullable(),
  /** Instance time only. */
  seconds: z.number().int().nonnegative().nullable(),
  /** In plain words: what it was ("Top-up through Stripe", "Granted by an operator: …"). */
  note: z.string().nullable(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** An entry's details, none known: what an entry that names only some of them has for the rest. */
export const NO_ENTRY_DETAILS = {
  purpose: null,
  principalId: null,
  runId: null,
  threadId: null,
  projectId: null,
  taskId: null,
  instanceId: null,
  model: null,
  inputTokens: null,
  outputTokens: null,
  seconds: null,
  note: null,
} satisfies Omit<LedgerEntry, "id" | "at" | "kind" | "amount">;

export const BudgetScope = z.enum(["workspace", "key", "project", "task"]);
export type BudgetScope = z.infer<typeof BudgetScope>;

/** A limit on spending: per calendar month (UTC) for the workspace, keys and projects; in total for a task. */
export const Budget = z.object({
  scope: BudgetScope,
  /** The key's principal id, the project's or the task's id; null for the workspace. */
  subjectId: z.string().nullable(),
  limit: Credits.nonnegative(),
  /** What spend approvals added to it in this period (a task's: in total). */
  raised: Credits.nonnegative(),
  /** Spent against it in this period (a task's: in total). */
  used: Credits.nonnegative(),
  remaining: Credits,
});
export type Budget = z.infer<typeof Budget>;

export const Plan = z.object({
  id: z.string(),
  name: z.string(),
  /** Credits the plan adds at the start of every period (unused ones carry over). */
  includedCredits: Credits.nonnegative(),
  /** Null: no limit. */
  maxInstances: z.number().int().nonnegative().nullable(),
  maxSeats: z.number().int().nonnegative().nullable(),
});

export const BillingPeriod = z.object({ start: Timestamp, end: Timestamp });

/** The workspace's money at a glance: what the Billing panel, `billing.summary` and `billing.changed` carry. */
/**
 * Protocol 15: when owners and admins are told about the money (docs/billing.md): each budget
 * as it passes each of `budgetPercents` of what it allows, and the balance as it falls below
 * `lowBalance` credits; each once per period. The app shows a banner while the balance is below.
 */
export const BillingAlerts = z.object({
  budgetPercents: z.array(z.number().int().min(1).max(100)).max(4),
  /** Credits; null: no balance alert. */
  lowBalance: Credits.nonnegative().max(1_000_000_000_000).nullable(),
});
export type BillingAlerts = z.infer<typeof BillingAlerts>;

/** Protocol 16: a plan people may choose themselves (Stripe Billing), with its price in words ("$20.00 a month"). */
export const OfferedPlan = Plan.extend({ price: z.string().max(80) });
export type OfferedPlan = z.infer<typeof OfferedPlan>;

/** Protocol 16: the workspace's subscription to a plan through Stripe Billing (docs/billing.md). */
export const PlanSubscription = z.object({
  /** The plan it bills. */
  plan: z.object({ id: z.string(), name: z.string() }),
  /** Stripe's word for it: active, trialing, past_due, unpaid, canceled, incomplete… */
  status: z.string().max(40),
  /** When the period paid for ends (and the next renewal is due). */
  periodEnd: Timestamp,
  /** Cancelled: it ends then, and the workspace goes back to the operator's default plan. */
  endsAt: Timestamp.nullable(),
  /** A downgrade asked for: the plan the workspace moves to at `at`; until then it keeps the one it paid for. */
  next: z.object({ id: z.string(), name: z.string(), at: Timestamp }).nullable(),
  /** A renewal's payment failed: since when, and until when the plan still holds without one that succeeds. */
  paymentFailed: z.object({ since: Timestamp, graceUntil: Timestamp }).nullable(),
});
export type PlanSubscription = z.infer<typeof PlanSubscription>;

/**
 * Protocol 16: a spending allowance (docs/billing.md): an owner or admin let an agent key's spend
 * approvals be approved in their name, up to `monthly` credits a month, while no person is there.
 */
export const SpendAllowance = z.object({
  /** The agent key's principal id. */
  principalId: z.string(),
  monthly: Credits.positive(),
  /** What it approved this month, and what is left of it. */
  used: Credits.nonnegative(),
  remaining: Credits.nonnegative(),
  /** The person who set it: it approves in their name, while they still may. */
  setBy: Actor,
});
export type SpendAllowance = z.infer<typeof SpendAllowance>;

export const BillingState = z.object({
  plan: Plan,
  period: BillingPeriod,
  /** Credits left: everything credited less everything spent. */
  balance: Credits,
  /** Spent in this period. */
  periodUsed: Credits.nonnegative(),
  budgets: z.array(Budget),
  /** Top-ups through Stripe Checkout are on (the operator configured Stripe). */
  topUps: z.boolean(),
  /** Credits one top-up buys, as the operator offers them (empty without Stripe). */
  topUpOptions: z.array(z.object({ credits: Credits.positive(), price: z.string() })),
  /** Protocol 15: the alerts' thresholds. */
  alerts: BillingAlerts,
  /** Protocol 16: where `plan` comes from: the operator's default, the subscription, or an operator's override. */
  planSource: z.enum(["default", "subscription", "operator"]),
  /** Protocol 16: the subscription through Stripe, while there is one. */
  subscription: PlanSubscription.nullable(),
  /** Protocol 16: the plans owners and admins may choose (empty without Stripe or priced plans). */
  plans: z.array(OfferedPlan),
  /** Protocol 16: agent keys' spending allowances. */
  allowances: z.array(SpendAllowance),
});
export type BillingState = z.infer<typeof BillingState>;

/**
 * Operators' view of a workspace's money (/admin, never a workspace's socket): its state and
 * what model endpoints reported in this period beyond what their calls could have used, in
 * how many calls. The workspace was charged each call's worst case, not this.
 */
export type OperatorBillingState = BillingState & { overReported: { credits: number; calls: number } };

/** `instance`: protocol 15 (a hosted instance's running time and its gateway's model use). */
export const SpendGroupBy = z.enum(["purpose", "principal", "project", "thread", "run", "day", "instance"]);
export const SpendGroup = z.object({
  /** The purpose, principal, project, thread, run id, or UTC day (YYYY-MM-DD); null for none. */
  key: z.string().nullable(),
  credits: Credits.nonnegative(),
  entries: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});

export const BillingSummaryParams = z
  .object({
    /** The rollup of usage in [since, until); the current period when absent. */
    since: Timestamp.optional(),
    until: Timestamp.optional(),
    groupBy: SpendGroupBy.default("purpose"),
  })
  .default({ groupBy: "purpose" });
export const BillingSummaryResult = z.object({
  state: BillingState,
  /** Usage in the range, largest first. */
  groups: z.array(SpendGroup),
});

/** Newest first: receipts. */
export const BillingEntriesParams = pageParams(
  { runId: z.string().max(128).optional(), kind: LedgerKind.optional() },
  { max: 500, size: 100 },
);
export const BillingEntriesResult = z.object({ entries: z.array(LedgerEntry), next: PageCursor.nullable() });

/** Owners and admins: set or remove (limit null) a budget. A task's budget is in credits, in total. */
export const BillingSetBudgetParams = mutatingParams({
  scope: BudgetScope,
  subjectId: z.string().min(1).max(128).optional(),
  limit: Credits.nonnegative().max(1_000_000_000_000).nullable(),
});
export const BillingSetBudgetResult = z.object({ state: BillingState });

/** Owners and admins: the alerts' thresholds (protocol 15). */
export const BillingSetAlertsParams = mutatingParams({ alerts: BillingAlerts });
export const BillingSetAlertsResult = z.object({ state: BillingState });

/** Protocol 16: an owner or admin (a person) sets an agent key's monthly spending allowance; null removes it. */
export const BillingSetAllowanceParams = mutatingParams({
  principalId: z.string().min(1).max(128),
  monthly: Credits.positive().max(1_000_000_000_000).nullable(),
});
export const BillingSetAllowanceResult = z.object({ state: BillingState });

/** Ephemeral: the ledger or a budget changed (coalesced per commit); the full state, to replace the client's. */
export const BillingChangedPayload = z.object({ state: BillingState });

/** Work that waits on a spend approval (protocol 15): a reply's run or a task. */
export const SpendWaiter = z.object({
  kind: z.enum(["task", "run"]),
  id: z.string().max(128),
  /** In plain words. */
  what: z.string().max(300),
});
export type SpendWaiter = z.infer<typeof SpendWaiter>;

/**
 * What would cross a budget (protocol 10): approving raises that budget by `amount` (or what
 * the person granted instead, `granted`) once, in this period; denying stops what asked with a
 * reason. Since protocol 15 `amount` covers the rest of the work (a task's steps left, a reply's
 * step limit), not one model call, and other replies that reach the same budget's edge while it
 * is pending wait on it too (`waiting`; `amount` and `needed` grow by theirs).
 */
export const SpendAction = z.object({
  kind: z.literal("spend"),
  amount: Credits.positive(),
  /** Protocol 15: what approving raised the budget by, when a person approved it (their figure, or `amount`). */
  granted: Credits.positive().optional(),
  /** Protocol 15: the other work waiting on this approval (replies that reached the same edge). */
  waiting: z.array(SpendWaiter).max(50).optional(),
  /**
   * What the work that waits may spend in all (its worst case): once the budget has that much
   * left by other means (a person raised or removed it), the approval is no longer needed.
   * Absent on approvals filed before it was kept.
   */
  needed: Credits.positive().optional(),
  budget: z.object({ scope: BudgetScope, subjectId: z.string().nullable() }),
  /** What the credits are for: a task's next step, a reply's next model call, an instance start. */
  for: z.object({ kind: z.enum(["task", "run", "instance"]), id: z.string() }),
  /** In plain words. */
  what: z.string().max(300),
  /** Who would spend it (the run's or task's starter). */
  spender: Actor.nullable(),
});
export type SpendAction = z.infer<typeof SpendAction>;

/**
 * One hosted instance's hours this period (decision 78): how long its gateway was awake (billed
 * as instance hours) and asleep (not billed), and the credits sleeping saved (the asleep hours at
 * the instance-hour price, rounded down).
 */
export const InstanceHours = z.object({
  instanceId: z.string(),
  name: z.string(),
  awakeMs: z.number().int().nonnegative(),
  asleepMs: z.number().int().nonnegative(),
  savedCredits: Credits.nonnegative(),
});
export type InstanceHours = z.infer<typeof InstanceHours>;
export const BillingInstanceHoursParams = z.object({}).default({});
export const BillingInstanceHoursResult = z.object({
  period: z.object({ start: Timestamp, end: Timestamp }),
  /** What an hour of a running instance costs. */
  instanceHour: Credits.nonnegative(),
  /** The workspace's hosted instances (linked gateways run on their owners' machines: none). */
  instances: z.array(InstanceHours),
});
