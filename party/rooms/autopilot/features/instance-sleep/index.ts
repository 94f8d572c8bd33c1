import { defineFeature } from "../../kernel/feature";
import { billing } from "../billing";
import { gatewayBridge } from "../gateway-bridge";
import { listInstances, runtimeFromEnv } from "../instance-store";
import { planLimitRefusal } from "../metering";
import { getThread } from "../threads";
import { SLEEP_IDLE } from "./clock";
import { InstanceSleeper } from "./sleeper";

export type { InstanceSleeper } from "./sleeper";

/** The operator's (and the tests') idle time in seconds, over the plan's; unset: the plan's. */
export function readSleepAfterSeconds(env: { INSTANCE_SLEEP_AFTER_SECONDS?: string }): number | null {
  const raw = env.INSTANCE_SLEEP_AFTER_SECONDS?.trim();
  if (!raw) return null;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 7 * 24 * 3600) : null;
}

/**
 * Hosted gateways that cost nothing idle (decision 78): an instance nobody needs for the
 * plan's idle time sleeps (its gateway process stopped by the runtime, its state kept), and
 * traffic for it wakes it: a message to its thread (a schedule's and a webhook's too), a
 * decision it has to apply, a device connecting at the runtime. The outbox holds what waits.
 * The idle clocks are stored, and one alarm of the room's looks at them (clock.ts).
 */
export const instanceSleep = defineFeature({
  name: "instanceSleep",
  needs: [billing, gatewayBridge],
  schedules: [SLEEP_IDLE],
  build: (s, needs) => {
    const { bridges } = needs.gatewayBridge;
    const sleeper = new InstanceSleeper({
      sql: s.sql,
      commit: s.commit,
      workspaceId: s.workspaceId,
      runtime: () => runtimeFromEnv(s.env),
      bridge: (instanceId) => bridges.get(instanceId),
      idleMs: () => 1000 * (readSleepAfterSeconds(s.env) ?? 60 * needs.billing.sleepAfterMinutes()),
      keepAliveWhile: (work) => s.keepAliveWhile(work),
      scheduler: s.scheduler,
      // A wake is a start: the plan's limit of running instances holds for it too (a downgrade while it slept).
      startRefusal: (instanceId) =>
        planLimitRefusal(s.sql, needs.billing.config, listInstances(s.sql), instanceId)?.message ?? null,
    });
    return {
      api: sleeper,
      reactions: {
        // A message in an OpenClaw thread is traffic (sleeper.message).
        "message.created": ({ message }) => {
          if (bridges.size === 0) return;
          const gateway = getThread(s.sql, message.threadId)?.gateway;
          if (gateway) sleeper.message(gateway.instanceId, message);
        },
        // Connected (again), or its channels read: the idle clock starts from now.
        "instance.updated": ({ instance }) => {
          if (instance.bridge === "connected" && instance.sleep?.state !== "asleep") sleeper.activity(instance.id);
        },
      },
      schedules: { [SLEEP_IDLE]: () => sleeper.due() },
      start: () => sleeper.start(),
    };
  },
});
