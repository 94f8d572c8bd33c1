import type { z } from "zod";
import type { GraphApplyResult, GraphCommand } from "../../shared/protocol/graph";
import type { PresenceEntry } from "../../shared/protocol/presence";
import type { Principal } from "../../shared/protocol/principal";
import type { DecisionRoom } from "../bridge/decisions";
import type { InstanceBridge } from "../bridge/instance-bridge";

/**
 * What a method needs of the live room beyond its SQL: the connections (presence), the
 * instances' bridges, the Hatchery. The Autopilot builds one per request.
 */
export interface RoomServices extends DecisionRoom {
  principal: Principal;
  /** The bridge of an instance, if one runs (one does for every instance that exists). */
  bridge(instanceId: string): InstanceBridge | undefined;
  presence(): PresenceEntry[];
  /** Sets the requesting connection's status and tells everyone. */
  setStatus(status: string | null): PresenceEntry;
  /** Applies graph commands in the Hatchery as the requesting principal, once per key. */
  applyGraph(idempotencyKey: string, commands: GraphCommand[]): Promise<z.output<typeof GraphApplyResult>>;
}
