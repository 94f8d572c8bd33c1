import type { Feature } from "../../kernel/feature";
import type { InstanceMeters } from "./meters";

export { HOUSEKEEPING_SECONDS, InstanceMeters, type MeterParts } from "./meters";

/**
 * What the workspace's OpenClaw instances cost (docs/billing.md): their running time follows
 * their status, their gateways' model use is read when a run ends (the instances' bridges call
 * `meterGateway`), and the daily `meterInstances` housekeeping bills what runs long.
 */
export function metering(
  meters: InstanceMeters,
  keepAliveWhile: (work: () => Promise<void>) => Promise<void>,
): Feature {
  return {
    name: "metering",
    reactions: {
      "instance.updated": ({ instance }) => meters.statusChanged(instance),
    },
    schedules: { meterInstances: () => meters.housekeeping() },
    // Not awaited: the room answers while the runtime is told (and a runtime that is down does not hold it).
    start: () => {
      void keepAliveWhile(() => meters.start());
    },
  };
}
