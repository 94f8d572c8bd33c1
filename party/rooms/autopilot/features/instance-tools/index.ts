import { defineFeature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import { gatewayBridge, readRiskyGatewayTools } from "../gateway-bridge";
import { invokeInstanceTool, listInstanceTools, requestToolRun } from "./tools";

// What the instances' operations use of the tools: a decided run runs.
export { settleToolApproval } from "./operations";

/**
 * An instance's own tools (its OpenClaw agent's), listed and run through its gateway's own
 * methods (decision 73), gated as the Autopilot's gateway tools are: a risky tool's run is an
 * instance approval, run once approved (the instances feature settles it: features/instances/host.ts).
 */
export const instanceTools = defineFeature({
  name: "instanceTools",
  needs: [gatewayBridge],
  build: (s, { gatewayBridge: { bridges } }) => {
    // The same list the Autopilot's `openclaw_tool` gates on (features/model/config.ts reads it too).
    const risky = () => readRiskyGatewayTools(s.env.AUTOPILOT_RISKY_GATEWAY_TOOLS);
    return {
      methods: methods({
        "instances.tools": local((_req, params) =>
          listInstanceTools({ sql: s.sql, bridge: bridges.get(params.instanceId), risky: risky() }, params.instanceId),
        ),
        "instances.invokeTool": local((req, params) =>
          invokeInstanceTool({ sql: s.sql, bridge: bridges.get(params.instanceId), risky: risky() }, params, () =>
            req.room.commit(req.principal, (ctx) => requestToolRun(ctx, params), {
              now: req.now,
              ...(req.onBehalfOf ? { onBehalfOf: req.onBehalfOf } : {}),
            }),
          ),
        ),
      }),
    };
  },
});
