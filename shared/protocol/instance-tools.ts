// An OpenClaw instance's own tools, listed and run from the product (capability
// `instances.tools`, decision 73): `instances.tools` reads the gateway's `tools.catalog`,
// `instances.invokeTool` runs one through its `tools.invoke`. The gate is the Autopilot's own
// for gateway tools (the operator's risky list, AUTOPILOT_RISKY_GATEWAY_TOOLS): a tool it does
// not name runs at once; one it names is an instance approval a person decides, run once then.
import { z } from "zod";
import { Approval } from "./approvals";
import { APPROVAL_ACTIONS, approvalActionCapability, withoutActionsOf } from "./approval-actions";
import { mutatingParams } from "./common";
import { InstanceId, TOOL_OPERATIONS } from "./instances";

/** A gateway tool's name as its catalog lists it. */
export const GatewayToolName = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "a tool name from the instance's list");

/** The arguments of one call, as JSON text, are at most this long (as the Autopilot's `openclaw_tool`'s). */
export const MAX_TOOL_ARGS_CHARS = 8_000;
/** A tool's answer as text is cut to this. */
export const MAX_TOOL_OUTPUT_CHARS = 16_000;

export const InstancesToolsParams = z.object({ instanceId: InstanceId });

/** One tool of the instance's agent, as its gateway lists it. */
export const InstanceTool = z.object({
  name: z.string().max(100),
  /** One line, from the gateway. */
  description: z.string().max(300),
  /** Running it is an approval a person decides (the operator's risky list names it). */
  needsApproval: z.boolean(),
});
export type InstanceTool = z.infer<typeof InstanceTool>;

export const InstancesToolsResult = z.object({ tools: z.array(InstanceTool).max(300) });

export const InstancesInvokeToolParams = mutatingParams({
  instanceId: InstanceId,
  tool: GatewayToolName,
  /** The tool's arguments as a JSON object; the gateway checks them. */
  args: z
    .record(z.string(), z.unknown())
    .default({})
    .refine(
      (args) => JSON.stringify(args).length <= MAX_TOOL_ARGS_CHARS,
      `arguments longer than ${MAX_TOOL_ARGS_CHARS} characters`,
    ),
});

/** What a call did: ran at once (its answer as text), or waits for the approval it filed. */
export const InstancesInvokeToolResult = z.object({
  ran: z.object({ ok: z.boolean(), output: z.string().max(MAX_TOOL_OUTPUT_CHARS) }).nullable(),
  approval: Approval.nullable(),
});

/** `value` with every tool approval's action left out, however deep (its title and summary still say what it does). */
export const withoutToolActions: (value: unknown) => unknown = withoutActionsOf(TOOL_OPERATIONS);

/**
 * Capability `instances.tools` (decision 73): an approval's action may run a gateway tool
 * (`invokeTool`, with the action's `tool: {name, args}`). A socket that did not ask gets
 * such an approval without its action: a plain approval it can still read and decide.
 */
export function toolsCapability() {
  return approvalActionCapability({
    name: "instances.tools",
    since: 19,
    summary: "an OpenClaw instance's tools: a tool's run as an approval's action",
    adds: APPROVAL_ACTIONS,
    convert: withoutToolActions,
    ownResults: ["instances.invokeTool"],
  });
}
