import { defineFeature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import { gatewayBridge } from "../gateway-bridge";
import { invokeNode } from "./nodes";
import type { DeviceEntryState } from "./pipe";
import { deviceEntryState, deviceSetup } from "./setup";

/** The room's RPC for the Worker's device entry (party/api/device-entry.ts). */
export interface InstancesRpc {
  /** Only a hosted instance that is ready takes devices. */
  deviceEntryState(instanceId: string): DeviceEntryState;
}

/**
 * Devices and nodes of an instance's gateway: a person's setup code for a device (which then
 * reaches the gateway through the Worker's device entry, party/api/device-entry.ts), and a
 * command run on a paired node.
 */
export const devices = defineFeature({
  name: "devices",
  needs: [gatewayBridge],
  build: (s, { gatewayBridge: { bridges } }) => {
    const rpc: InstancesRpc = { deviceEntryState: (instanceId) => deviceEntryState(s.sql, instanceId) };
    return {
      rpc,
      methods: methods({
        "instances.deviceSetup": local((req, params) =>
          deviceSetup(
            {
              sql: s.sql,
              workspaceId: s.workspaceId(),
              entryOrigin: s.env.DEVICE_ENTRY_ORIGIN,
              bridge: bridges.get(params.instanceId),
            },
            req.principal,
            params.instanceId,
          ),
        ),
        "instances.invokeNode": local((req, params) =>
          invokeNode({ sql: s.sql, bridge: bridges.get(params.instanceId) }, req.principal, params, req.approvedCall),
        ),
      }),
    };
  },
});
