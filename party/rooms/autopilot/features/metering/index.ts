import type { Feature } from "../../kernel/feature";
import type { InstanceMeters } from "./meters";

export { HOUSEKEEPING_SECONDS, InstanceMeters, type MeterParts } from "./meters";

/**
 * What the workspace's OpenClaw instances cost (docs/billing.md): their running time follows
 * their status, their gateways' model use is read when a run ends (the instances' bridges call
 * `meterGateway`), and the daily `meterInstances` housekeeping bills what runs long.
 */
export function metering(live: {
  meters: InstanceMeters;
  keepAliveWhile(work: () => Promise<void>): Promise<void>;
}): Feature {
  // Read when a reaction or schedule runs, not here: the method table is built without the room's parts.
  return {
    name: "metering",
    reactions: {
      "instance.updated": ({ instance }) => live.meters.statusChanged(instance),
    },
    schedules: { meterInstances: () => live.meters.housekeeping() },
    // Not awaited: the room answers while the runtime is told (and a runtime that is down does not hold it).
    start: () => {
      void live.keepAliveWhile(() => live.meters.start());
    },
  };
}
