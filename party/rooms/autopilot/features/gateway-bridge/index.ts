import { fileBytes } from "../../../../files/storage";
import { defineFeature } from "../../kernel/feature";
import { runtimeFromEnv } from "../instance-store";
import { metering } from "../metering";
import { BridgeSupervisor } from "./bridge-supervisor";

// What the instances and the Autopilot use of the bridges.
export type { BridgeSupervisor } from "./bridge-supervisor";
export { GATEWAY_ACTION_KINDS, gatewayActionOf, prepareGatewayDecision } from "./decisions";
export {
  catalogDescription,
  DEFAULT_RISKY_GATEWAY_TOOLS,
  GATEWAY_TOOL,
  gatewayToolRisk,
  readRiskyGatewayTools,
  requestedGatewayTool,
} from "./gateway-catalog";
export type { GatewayCatalogEntry } from "./gateway-frames";
export { readGatewayLimits } from "./gateway-limits";
export { type GatewayAccess, gatewayTools } from "./gateway-tool";
export type { InstanceBridge } from "./instance-bridge";

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { agentGatewayInvokes as agentGatewayInvokesTable } from "./tables";

/** The room's gateway bridges, and who hears that a bridge's sessions changed. */
export interface GatewayBridges {
  readonly bridges: BridgeSupervisor;
  /** Called when a bridge's sessions change (the canvas pulls them: sessions are no durable event). */
  onSessionsChanged(listener: () => void): void;
}

/**
 * One bridge per live OpenClaw instance, hosted or linked: a gateway connection that mirrors
 * its sessions into threads and sends what the room queued for it. The instances feature
 * (features/instances/) starts and stops them as the instances change; a run's end is metered.
 */
export const gatewayBridge = defineFeature({
  name: "gatewayBridge",
  needs: [metering],
  build: (s, needs) => {
    const listeners: (() => void)[] = [];
    const bridges = new BridgeSupervisor({
      workspaceId: s.workspaceId,
      sql: s.sql,
      commit: s.commit,
      runtime: () => runtimeFromEnv(s.env),
      vars: () => s.env,
      currentAccess: s.currentAccess,
      broadcast: (event, payload) => s.broadcast(event, payload),
      sessionsChanged: () => {
        for (const listener of listeners) listener();
      },
      files: (fileId) => fileBytes(s.env.FILES, s.workspaceId())(fileId),
      runEnded: (instanceId) => void needs.metering.meterGateway(instanceId),
    });
    const api: GatewayBridges = { bridges, onSessionsChanged: (listener) => void listeners.push(listener) };
    return { api };
  },
});
