// What the model is told for a task: the Autopilot's persona, rules and memory, its
// thread's project (name, brief, links), then the task's own framing (decision 41). The goal itself is the first message of the task's
// conversation, written by its starter.
import type { Sql } from "../../../../domain/sql";
import type { TaskDoc } from "../../../../records/task";
import { buildInstructions } from "../model/index";
import { memoryForInstructions } from "../memory/index";
import { projectOfThread } from "../projects/index";

const TASK_RULES = `You are working on a task on your own: nobody is watching each step. Work towards the goal step by step with the tools. Each of your answers is one step: either call tools, or, when the goal is reached (or cannot be), answer with a short final report and no tool call: that ends the task.
Calls that need a person's approval wait for one; if a call is denied, do not retry it: find another way or report why you stopped.`;

export function taskInstructions(sql: Sql, task: TaskDoc): string {
  const { used, budget } = task;
  return [
    buildInstructions(memoryForInstructions(sql), null, projectOfThread(sql, task.threadId)),
    TASK_RULES,
    `Budget: step ${used.steps + 1} of at most ${budget.maxSteps}; ${Math.max(0, budget.maxTokens - used.tokens)} tokens left.`,
  ].join("\n\n");
}

/** The task's conversation starts with its goal, as its starter gave it. */
export function taskOpening(task: Pick<TaskDoc, "goal" | "startedBy">): Record<string, unknown>[] {
  return [
    { role: "user", content: `${task.startedBy.name} (${task.startedBy.kind}) gives you this task:\n${task.goal}` },
  ];
}
