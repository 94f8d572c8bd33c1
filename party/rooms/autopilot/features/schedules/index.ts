import type { Feature } from "../../kernel/feature";
import { methods, mutate, query } from "../../kernel/handlers";
import { FIRE_SCHEDULES, type ScheduleRunner } from "./firing";
import type { ScheduleLimits } from "./limits";
import { createSchedule, deleteSchedule, pauseSchedule, resumeSchedule } from "./methods";
import { allSchedules } from "./store";

export { FIRE_SCHEDULES, ScheduleRunner } from "./firing";
export { readScheduleLimits } from "./limits";

/**
 * Schedules: work the room starts at its times while nobody is connected — a prompt posted
 * to a thread or a task given to the Autopilot, as whoever created it (firing.ts).
 */
export function schedules(parts: {
  runner: Pick<ScheduleRunner, "fire" | "start" | "rearm">;
  limits: ScheduleLimits;
}): Feature {
  return {
    name: "schedules",
    methods: methods({
      "schedules.create": mutate((ctx, p) => createSchedule(ctx, p, parts.limits)),
      "schedules.list": query((sql) => ({ schedules: allSchedules(sql) })),
      "schedules.pause": mutate(pauseSchedule),
      "schedules.resume": mutate(resumeSchedule),
      "schedules.delete": mutate(deleteSchedule),
    }),
    // The alarm follows the earliest next run whenever a schedule changed.
    afterCommit: (effects) => {
      if (effects.events.some((e) => e.event === "schedule.changed" || e.event === "schedule.deleted"))
        parts.runner.rearm();
    },
    schedules: { [FIRE_SCHEDULES]: () => parts.runner.fire() },
    start: () => parts.runner.start(),
  };
}
