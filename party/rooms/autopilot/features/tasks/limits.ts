// What a task may spend, from the Worker's vars: each value bounded, a typo falls back to
// the default (an operator's input, but never a 0-step or endless task).
import { z } from "zod";
import type { Env } from "../../../../env";
import type { TaskLimits } from "./tasks";

const MINUTE = 60_000;
const integer = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).catch(fallback);

const TaskEnv = z.object({
  AUTOPILOT_TASK_STEPS: integer(1, 1000, 50),
  AUTOPILOT_TASK_MAX_STEPS: integer(1, 1000, 200),
  AUTOPILOT_TASK_MAX_TOKENS: integer(1000, 100_000_000, 2_000_000),
  AUTOPILOT_TASK_MAX_MINUTES: integer(1, 7 * 24 * 60, 6 * 60),
  AUTOPILOT_TASKS_AT_ONCE: integer(1, 10, 2),
});

export interface TaskSettings extends TaskLimits {
  /** Tasks of one workspace that take steps at the same time; the rest wait their turn. */
  atOnce: number;
}

export function readTaskLimits(env: Env): TaskSettings {
  const v = TaskEnv.parse({
    AUTOPILOT_TASK_STEPS: env.AUTOPILOT_TASK_STEPS,
    AUTOPILOT_TASK_MAX_STEPS: env.AUTOPILOT_TASK_MAX_STEPS,
    AUTOPILOT_TASK_MAX_TOKENS: env.AUTOPILOT_TASK_MAX_TOKENS,
    AUTOPILOT_TASK_MAX_MINUTES: env.AUTOPILOT_TASK_MAX_MINUTES,
    AUTOPILOT_TASKS_AT_ONCE: env.AUTOPILOT_TASKS_AT_ONCE,
  });
  const maximum = {
    maxSteps: v.AUTOPILOT_TASK_MAX_STEPS,
    maxTokens: v.AUTOPILOT_TASK_MAX_TOKENS,
    maxRunningMs: v.AUTOPILOT_TASK_MAX_MINUTES * MINUTE,
  };
  return {
    maximum,
    defaults: {
      maxSteps: Math.min(v.AUTOPILOT_TASK_STEPS, maximum.maxSteps),
      maxTokens: Math.min(500_000, maximum.maxTokens),
      maxRunningMs: Math.min(60 * MINUTE, maximum.maxRunningMs),
    },
    atOnce: v.AUTOPILOT_TASKS_AT_ONCE,
  };
}
