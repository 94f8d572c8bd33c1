import { defineFeature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import { gatewayBridge } from "../gateway-bridge";
import { proposeConfig, requestConfigChange } from "./requests";

// What the instances' operations use of config changes: a decided one is applied.
export { settleConfigApproval } from "./operations";

/**
 * A change of an instance's gateway config, asked for in words (by a person, an agent's key or
 * the Autopilot for a person in its thread) and decided by a person (decision 75): applied once
 * approved through the gateway's own `config.patch`, validated by the gateway (the instances
 * feature settles it: features/instances/host.ts).
 */
export const instanceConfig = defineFeature({
  name: "instanceConfig",
  needs: [gatewayBridge],
  build: (s, { gatewayBridge: { bridges } }) => ({
    methods: methods({
      "instances.proposeConfig": local((req, params) =>
        proposeConfig({ sql: s.sql, bridge: bridges.get(params.instanceId) }, params, (baseHash) =>
          req.room.commit(req.principal, (ctx) => requestConfigChange(ctx, params, baseHash, req.threadId), {
            now: Date.now(),
            ...(req.onBehalfOf ? { onBehalfOf: req.onBehalfOf } : {}),
          }),
        ),
      ),
    }),
  }),
});
