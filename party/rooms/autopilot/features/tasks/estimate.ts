// What a task with a budget may cost (`tasks.estimate`, the start dialog, the approval of the
// Autopilot's own tasks.start): the worst case the budgets are checked against, and beside it
// what such a task typically costs in this workspace (billing's typical.ts).
import { desc, eq } from "drizzle-orm";
import { tasks } from "../../../../domain/db/schema";
import type { Sql } from "../../../../domain/sql";
import { storedField } from "../../../../domain/db/client";
import { median, tokenCost, typicalCallCost } from "../billing/index";
import type { TaskBudget } from "../../../../../shared/protocol/tasks";
import { creditsText } from "../../../../../shared/billing-words";

/** Finished tasks whose steps say how many steps a task here typically takes. */
const RECENT_TASKS = 20;
/** The stated guess before any task here was charged: a few steps of a modest context. */
export const DEFAULT_TYPICAL = { steps: 5, inputTokens: 3000, outputTokens: 500 } as const;

export interface Estimate {
  worstCase: { credits: number; tokens: number; pricePerMillion: number };
  typical: { credits: number; steps: number; basis: "recent" | "default"; calls: number; tasks: number };
}

/** The steps recent done tasks took (each at least 1), newest first; read without decoding their conversations. */
function recentSteps(sql: Sql): number[] {
  return sql.db
    .select({ steps: storedField(tasks.doc, "$.used.steps") })
    .from(tasks)
    .where(eq(tasks.status, "done"))
    .orderBy(desc(tasks.updatedAt))
    .limit(RECENT_TASKS)
    .all()
    .map((row) => row.steps)
    .filter((steps): steps is number => typeof steps === "number" && Number.isInteger(steps) && steps > 0);
}

/**
 * What the rest of a task at this step typically costs: a recent step's median charge (or the
 * stated guess at `guessPerStep`) for the steps recent tasks took beyond this one, at least one
 * and at most `stepsLeft`.
 */
export function typicalRest(sql: Sql, task: { usedSteps: number; stepsLeft: number }, guessPerStep: number): number {
  const perStep = typicalCallCost(sql, "task")?.credits ?? guessPerStep;
  const steps = recentSteps(sql);
  const typicalSteps = steps.length > 0 ? median(steps) : DEFAULT_TYPICAL.steps;
  return perStep * Math.min(task.stepsLeft, Math.max(1, typicalSteps - task.usedSteps));
}

/**
 * The worst case and the typical cost of a task with this budget. A step is one model call of
 * at most the model's context in and the billing's most out, and the runner stops a task once
 * it used its tokens or its steps: the worst case is the lesser of every token of the budget
 * plus one more step, and every step at a step's most. (A step's failed attempts are charged
 * what the endpoint reported; a failure that reported nothing costs nothing.)
 */
export function estimateTask(
  sql: Sql,
  budget: TaskBudget,
  model: { contextTokens: number; maxOutputTokens: number; price: { input: number; output: number } },
): Estimate {
  const pricePerMillion = Math.max(model.price.input, model.price.output);
  const step = model.contextTokens + model.maxOutputTokens;
  const tokens = Math.min(budget.maxTokens + step, budget.maxSteps * step);
  const worst = Math.ceil((tokens * pricePerMillion) / 1_000_000);
  const calls = typicalCallCost(sql, "task");
  const steps = recentSteps(sql);
  const typicalSteps = Math.min(budget.maxSteps, steps.length > 0 ? median(steps) : DEFAULT_TYPICAL.steps);
  const perStep = calls?.credits ?? tokenCost(model.price, DEFAULT_TYPICAL.inputTokens, DEFAULT_TYPICAL.outputTokens);
  return {
    worstCase: { credits: worst, tokens, pricePerMillion },
    typical: {
      credits: Math.min(worst, perStep * typicalSteps),
      steps: typicalSteps,
      basis: calls ? "recent" : "default",
      calls: calls?.calls ?? 0,
      tasks: steps.length,
    },
  };
}

/** "typically ~40 credits" (with why it is a guess before any task here was charged). */
export function typicalWords(typical: Estimate["typical"]): string {
  const guess = typical.basis === "default" ? " (a guess: no task has run here yet)" : "";
  return `typically ~${creditsText(typical.credits)}${guess}`;
}
