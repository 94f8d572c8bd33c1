// What a task with a budget may cost (`tasks.estimate`, the start dialog, the approval of the
// Autopilot's own tasks.start): the worst case the budgets are checked against, and beside it
// what such a task typically costs in this workspace (billing's typical.ts).
import { desc, eq } from "drizzle-orm";
import { tasks } from "./tables";
import type { Sql } from "../../../../domain/sql";
import { storedField } from "../../../../domain/db/client";
import { median, TYPICAL_CALL_GUESS, tokenCost, typicalCallCost } from "../billing/index";
import type { TaskBudget } from "../../../../../shared/protocol/tasks";
import { creditsText } from "../../../../../shared/billing-words";

/** Finished tasks whose steps say how many steps a task here typically takes. */
const RECENT_TASKS = 20;
/** The stated guess of a task's steps before any task here was done (each a call of billing's TYPICAL_CALL_GUESS). */
const DEFAULT_STEPS = 5;

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
 * A task step's typical charge (a recent step's median, or `guessPerStep` before any was
 * charged) and the steps a task here typically takes (recent done tasks' median, or the stated
 * guess), with what they were read from.
 */
function typicalTask(sql: Sql, guessPerStep: number) {
  const calls = typicalCallCost(sql, "task");
  const recent = recentSteps(sql);
  return {
    perStep: calls?.credits ?? guessPerStep,
    steps: recent.length > 0 ? median(recent) : DEFAULT_STEPS,
    calls,
    tasks: recent.length,
  };
}

/**
 * What the rest of a task at this step typically costs: a step's typical charge for the steps
 * recent tasks took beyond this one, at least one and at most `stepsLeft`.
 */
export function typicalRest(sql: Sql, task: { usedSteps: number; stepsLeft: number }, guessPerStep: number): number {
  const typical = typicalTask(sql, guessPerStep);
  return typical.perStep * Math.min(task.stepsLeft, Math.max(1, typical.steps - task.usedSteps));
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
  const guess = tokenCost(model.price, TYPICAL_CALL_GUESS.inputTokens, TYPICAL_CALL_GUESS.outputTokens);
  const typical = typicalTask(sql, guess);
  const typicalSteps = Math.min(budget.maxSteps, typical.steps);
  return {
    worstCase: { credits: worst, tokens, pricePerMillion },
    typical: {
      credits: Math.min(worst, typical.perStep * typicalSteps),
      steps: typicalSteps,
      basis: typical.calls ? "recent" : "default",
      calls: typical.calls?.calls ?? 0,
      tasks: typical.tasks,
    },
  };
}

/** "typically ~40 credits" (with why it is a guess before any task here was charged). */
export function typicalWords(typical: Estimate["typical"]): string {
  const guess = typical.basis === "default" ? " (a guess: no task has run here yet)" : "";
  return `typically ~${creditsText(typical.credits)}${guess}`;
}
