import { runtimeFromEnv } from "../instance-store";
import { defineFeature } from "../../kernel/feature";
import { methods, query } from "../../kernel/handlers";
import { billing } from "../billing";
import { InstanceMeters } from "./meters";

export { checkInstanceStart, gatewaySpendTold, planLimitRefusal } from "./billing-meters";
export { HOUSEKEEPING_SECONDS, InstanceMeters, type MeterParts } from "./meters";

/**
 * What the workspace's OpenClaw instances cost (docs/billing.md): their running time follows
 * their status, their gateways' model use is read when a run ends (the instances' bridges call
 * `meterGateway`), and the daily `meterInstances` housekeeping bills what runs long.
 */
export const metering = defineFeature({
  name: "metering",
  needs: [billing],
  schedules: ["meterInstances"],
  build: (s, { billing }) => {
    const meters = new InstanceMeters({
      sql: s.sql,
      commit: s.commit,
      config: billing.config,
      workspaceId: s.workspaceId,
      runtime: () => runtimeFromEnv(s.env),
      changed: billing.changed,
      schedule: {
        every: (seconds) => s.scheduler.every(seconds, "meterInstances"),
        cancel: async () => {
          for (const schedule of await s.scheduler.list())
            if (schedule.callback === "meterInstances") await s.scheduler.cancel(schedule.id);
        },
      },
    });
    return {
      api: meters,
      methods: methods({
        "billing.instanceHours": query(() => meters.hours()),
      }),
      reactions: {
        // The runtime learns whether the gateways may spend when the balance crosses zero either way.
        "billing.changed": ({ money }) => void s.keepAliveWhile(() => meters.tellRuntime(false, money.balance)),
        "instance.updated": ({ instance }) => meters.statusChanged(instance),
      },
      schedules: { meterInstances: () => meters.housekeeping() },
      // Not awaited: the room answers while the runtime is told (and a runtime that is down does not hold it).
      start: () => {
        void s.keepAliveWhile(() => meters.start());
      },
    };
  },
});
