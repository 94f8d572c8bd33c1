// `instances.tools` and `instances.invokeTool`: an instance's own tools (its OpenClaw agent's)
// through its gateway (decision 73). The gate is the Autopilot's own for gateway tools: a tool
// the operator's risky list (AUTOPILOT_RISKY_GATEWAY_TOOLS) does not name runs at once for
// whoever may write (a person or an agent's key); one it names is an instance approval that a
// person decides, the tool and its arguments in its action, run once then (operations.ts).
import type { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type {
  InstancesInvokeToolParams,
  InstancesInvokeToolResult,
  InstancesToolsResult,
} from "../../../../../shared/protocol/instance-tools";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { OpContext } from "../../kernel/commit";
import { requestApproval } from "../approvals/index";
import type { GatewayCatalogEntry } from "../gateway-bridge";
import { gatewayToolRisk } from "../gateway-bridge";
import { redactedText } from "../gateway-channels";
import { gatewayNotConnected, INSTANCE_APPROVAL_TTL_MS, requireInstance } from "../instance-store";
import { answerText, toolList } from "./answer";

/** What the tools need of an instance's bridge. */
export interface ToolGateway {
  readonly connected: boolean;
  toolsCatalog(): Promise<GatewayCatalogEntry[]>;
  invokeTool(request: {
    name: string;
    args: Record<string, unknown>;
    idempotencyKey: string;
  }): Promise<{ ok: true; text: string } | { ok: false; code: string; message: string }>;
}

export interface ToolsDeps {
  sql: Sql;
  bridge: ToolGateway | undefined;
  /** The operator's list of tools whose run a person approves first. */
  risky: readonly string[];
}

/** Why the gateway did not answer, in words (its own may quote what it was sent). */
const unavailable = (what: string, instanceId: string, error: unknown) =>
  new RoomError(
    "unavailable",
    `the gateway did not ${what}: ${redactedText(error instanceof Error ? error.message : String(error), 500)}`,
    { instanceId },
  );

export async function listInstanceTools(
  deps: ToolsDeps,
  instanceId: string,
): Promise<z.output<typeof InstancesToolsResult>> {
  const instance = requireInstance(deps.sql, instanceId);
  if (!deps.bridge?.connected) throw gatewayNotConnected(instance);
  try {
    return toolList(await deps.bridge.toolsCatalog(), deps.risky);
  } catch (error) {
    if (error instanceof RoomError) throw error;
    throw unavailable("list its tools", instanceId, error);
  }
}

/**
 * Files the approval a risky tool's run waits for: the tool and its arguments (JSON text) are
 * its action, what the person reads is what runs. The gateway need not be connected now: it
 * runs when a person decides, as a channel's or a skill's change does.
 */
export function requestToolRun(ctx: OpContext, p: z.output<typeof InstancesInvokeToolParams>): { approval: Approval } {
  const instance = requireInstance(ctx.sql, p.instanceId);
  const args = JSON.stringify(p.args);
  return requestApproval(
    ctx,
    {
      title: `Run the tool "${p.tool}" of OpenClaw instance "${instance.name}"`.slice(0, 200),
      details: `Runs ${p.tool} once for the instance's agent with these arguments:\n${args}\nIts answer is the job's result.`,
      risk: "high",
    },
    {
      kind: "instance",
      operation: "invokeTool",
      instanceId: p.instanceId,
      name: instance.name,
      tool: { name: p.tool, args },
    },
    INSTANCE_APPROVAL_TTL_MS,
  );
}

/** Runs a tool at once (its gateway connected), or files the approval its run waits for (`ask`: requestToolRun in a commit). */
export async function invokeInstanceTool(
  deps: ToolsDeps,
  p: z.output<typeof InstancesInvokeToolParams>,
  ask: () => { approval: Approval },
): Promise<z.output<typeof InstancesInvokeToolResult>> {
  const instance = requireInstance(deps.sql, p.instanceId);
  if (gatewayToolRisk(p.tool, deps.risky) !== undefined) return { ran: null, approval: ask().approval };
  if (!deps.bridge?.connected) throw gatewayNotConnected(instance);
  try {
    const outcome = await deps.bridge.invokeTool({
      name: p.tool,
      args: p.args,
      idempotencyKey: `ap-tool-${p.idempotencyKey}`.slice(0, 200),
    });
    return { ran: answerText(outcome), approval: null };
  } catch (error) {
    // No answer (the connection dropped, a timeout): it may have run, so it is not sent again.
    throw unavailable("answer (the tool may or may not have run)", p.instanceId, error);
  }
}
