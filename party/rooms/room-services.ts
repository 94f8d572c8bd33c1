import type { z } from "zod";
import type { AgentInfo, Responder } from "../../shared/protocol/agent";
import type { ModelConfig } from "../agent/config";
import type { CurrentAccess } from "../agent/run-access";
import type { ChatAbortResult } from "../../shared/protocol/gateway";
import type { GraphApplyResult, GraphCommand } from "../../shared/protocol/graph";
import type { InstancesDetailsResult } from "../../shared/protocol/instances";
import type { PresenceEntry } from "../../shared/protocol/presence";
import type { Principal } from "../../shared/protocol/principal";
import type { DecisionRoom } from "../bridge/decisions";
import type { InstanceBridge } from "../bridge/instance-bridge";
import type { LinkPolicy } from "../domain/gateway-address";

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
  /** Who answers a new thread: the Autopilot when its model is configured, else nobody. */
  defaultResponder(): Responder;
  /** Stops the Autopilot's reply in a thread (as the requester); null when it has none. */
  abortReply(threadId: string): z.output<typeof ChatAbortResult> | null;
  /** Which addresses a linked gateway may have (instances.link). */
  linkPolicy(): LinkPolicy;
  /** An instance's details from the runtime and its gateway (instance-details.ts). */
  instanceDetails(instanceId: string): Promise<z.output<typeof InstancesDetailsResult>>;
  /** A principal's access as D1 has it now: approvals.resolve asks it for whom the decided work is done (deferred-access.ts). */
  currentAccess: CurrentAccess;
}

/** What a client's hello says of the Autopilot's model: never the key or the URL. */
export function agentInfo(config: ModelConfig): AgentInfo {
  return config.configured
    ? { model: { configured: true, modelId: config.modelId, missing: [], invalid: [] } }
    : { model: { configured: false, modelId: null, missing: config.missing, invalid: config.invalid.map((i) => i.name) } };
}
