import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { BudgetScope as LedgerBudgetScope, LedgerEntry } from "../../../../../shared/protocol/billing";
import * as col from "../../../../domain/db/columns";

/**
 * The billing feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

// The workspace's money (protocol 10, features/billing/billing.ts): one row per thing credited or paid
// for, by an id unique to it (a model call's usage row, a Stripe event, an operator's grant,
// a period's plan credits), so the same one twice is one entry. Credits are whole numbers;
// usage is negative. The balance is the sum.
export const ledger = sqliteTable(
  "ledger",
  {
    n: col.ordinal(),
    id: text("id").notNull(),
    at: col.at(),
    kind: text("kind").$type<LedgerEntry["kind"]>().notNull(),
    amount: integer("amount").notNull(),
    purpose: text("purpose").$type<NonNullable<LedgerEntry["purpose"]>>(),
    principalId: text("principal_id"),
    runId: text("run_id"),
    threadId: text("thread_id"),
    projectId: text("project_id"),
    taskId: text("task_id"),
    instanceId: text("instance_id"),
    model: text("model"),
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    seconds: integer("seconds"),
    note: text("note"),
  },
  (t) => [
    uniqueIndex("ledger_id").on(t.id),
    index("ledger_kind_at").on(t.kind, t.at),
    index("ledger_principal").on(t.principalId, t.at),
    index("ledger_project").on(t.projectId, t.at),
    index("ledger_task").on(t.taskId),
    index("ledger_run").on(t.runId),
  ],
);

// Budgets people set: per scope and subject ("" for the workspace's own).
export const budgets = sqliteTable(
  "budgets",
  {
    scope: text("scope").$type<LedgerBudgetScope>().notNull(),
    subjectId: text("subject_id").notNull(),
    limit: integer("limit").notNull(),
    updatedAt: col.updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.subjectId] })],
);

// What approved spend approvals added to a budget: one row per approval, written in the
// commit that reacts to its decision (so a decision raises once, however often it is seen).
export const budgetRaises = sqliteTable(
  "budget_raises",
  {
    approvalId: text("approval_id").primaryKey(),
    scope: text("scope").$type<LedgerBudgetScope>().notNull(),
    subjectId: text("subject_id").notNull(),
    amount: integer("amount").notNull(),
    at: col.at(),
  },
  (t) => [index("budget_raises_subject").on(t.scope, t.subjectId, t.at)],
);

// Billing's own small facts by key: the workspace's plan, and the meters' watermarks (the
// gateway usage counters last billed per instance, an instance's time billed up to).
export const billingMeta = col.keyValueTable("billing_meta");

// The ledger's running sums, kept in the transaction of every entry (appendLedger is the
// ledger's only writer): the balance, and what each budget's subject spent per month (a
// task's in total), so a check before a model call reads a row instead of summing the ledger.
export const ledgerTotals = sqliteTable("ledger_totals", {
  key: text("key").primaryKey(),
  amount: integer("amount").notNull(),
});
