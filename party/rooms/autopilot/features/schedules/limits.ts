// How many schedules a workspace keeps and how often one may run, from the Worker's vars
// (docs/operations.md "Limits"): each value bounded, a typo falls back to the default.
import { z } from "zod";
import type { Env } from "../../../../env";

const integer = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).catch(fallback);

const ScheduleEnv = z.object({
  // At most 500: `schedules.list` answers them all at once.
  MAX_SCHEDULES: integer(1, 500, 50),
  SCHEDULE_MIN_INTERVAL_SECONDS: integer(1, 24 * 60 * 60, 60),
});

export interface ScheduleLimits {
  /** Schedules one workspace keeps, whatever their status: one more is refused. */
  max: number;
  /** The shortest time between two runs of one schedule. */
  minIntervalMs: number;
}

export function readScheduleLimits(env: Env): ScheduleLimits {
  const v = ScheduleEnv.parse({
    MAX_SCHEDULES: env.MAX_SCHEDULES,
    SCHEDULE_MIN_INTERVAL_SECONDS: env.SCHEDULE_MIN_INTERVAL_SECONDS,
  });
  return { max: v.MAX_SCHEDULES, minIntervalMs: v.SCHEDULE_MIN_INTERVAL_SECONDS * 1000 };
}
