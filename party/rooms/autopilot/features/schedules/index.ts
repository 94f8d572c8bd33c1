import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate, query } from "../../kernel/handlers";
import { callHook, type HookOutcome, hookPath, hookTokenHash, newHookToken, setHook } from "./hooks";
import { scheduleHookRoute } from "./hook-route";
import { FIRE_SCHEDULES, ScheduleRunner } from "./firing";
import { readScheduleLimits } from "./limits";
import {
  createSchedule,
  deleteSchedule,
  pauseSchedule,
  requireSchedule,
  resumeSchedule,
  runScheduleNow,
  updateSchedule,
} from "./methods";
import { allSchedules, runsOf } from "./store";

// What other features read of this one.
export { allSchedules } from "./store";

/**
 * Schedules: work the room starts at its times while nobody is connected — a prompt posted
 * to a thread or a task given to the Autopilot, as whoever created it (firing.ts).
 */
export const schedules = defineFeature({
  name: "schedules",
  schedules: [FIRE_SCHEDULES],
  // A schedule's webhook, answered in the Worker (hook-route.ts).
  offers: { workerRoutes: [scheduleHookRoute] },
  build: (s) => {
    const limits = readScheduleLimits(s.env);
    const runner = new ScheduleRunner({
      sql: s.sql,
      commit: s.commit,
      scheduler: s.scheduler,
      currentAccess: s.currentAccess,
      call: s.call,
      keepAliveWhile: (work) => s.keepAliveWhile(work),
      workspaceId: s.workspaceId,
    });
    const parts = { runner, limits };
    return {
      methods: methods({
        "schedules.create": mutate((ctx, p) => createSchedule(ctx, p, parts.limits)),
        "schedules.list": query((sql) => ({ schedules: allSchedules(sql) })),
        "schedules.pause": mutate(pauseSchedule),
        "schedules.resume": mutate(resumeSchedule),
        "schedules.delete": mutate(deleteSchedule),
        "schedules.update": mutate((ctx, p) => updateSchedule(ctx, p, parts.limits)),
        "schedules.run": mutate(runScheduleNow),
        "schedules.runs": query((sql, p) => {
          requireSchedule(sql, p.scheduleId);
          return { runs: runsOf(sql, p.scheduleId) };
        }),
        // The token is made and hashed before the transaction (hashing is asynchronous); only
        // the hash is kept, and the path with the token goes to this caller alone.
        "schedules.hook": local(async (req, p) => {
          const token = p.enabled ? newHookToken() : null;
          const tokenHash = token === null ? null : await hookTokenHash(token);
          const schedule = s.commit(req.principal, (ctx) => setHook(ctx, p, tokenHash), {
            now: Date.now(),
            ...(req.onBehalfOf ? { onBehalfOf: req.onBehalfOf } : {}),
          });
          return { schedule, path: token === null ? null : hookPath(s.workspaceId(), schedule.id, token) };
        }),
      }),
      rpc: {
        /** RPC from the Worker (hook-route.ts): a call of a schedule's webhook. */
        async callScheduleHook(call: {
          scheduleId: string;
          token: string;
          payload: string;
          key: string | null;
        }): Promise<HookOutcome> {
          const tokenHash = await hookTokenHash(call.token);
          return s.commit(null, (ctx) =>
            callHook(
              ctx,
              { scheduleId: call.scheduleId, tokenHash, payload: call.payload, key: call.key },
              parts.limits.minIntervalMs,
            ),
          );
        },
      },
      // Whenever a schedule changed: a run started now is acted on, and the alarm follows the earliest next run.
      afterCommit: (effects) => {
        if (effects.events.some((e) => e.event === "schedule.changed" || e.event === "schedule.deleted"))
          parts.runner.settle();
      },
      schedules: { [FIRE_SCHEDULES]: () => parts.runner.fire() },
      start: () => parts.runner.start(),
    };
  },
});
