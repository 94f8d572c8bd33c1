// `instances.invokeNode`: one command on a node paired with a hosted or linked instance's
// gateway, through the instance's bridge (`node.invoke`). Who may run one: a person (people
// decide); the Autopilot's model, whose call is gated (shared/protocol/tool-policy.ts) so it runs only
// after a person approved that very call; and an agent over MCP, whose gated tool call runs
// only with the approval a person granted it. An agent's key on its own is refused.
import type { z } from "zod";
import type { InstancesInvokeNodeParams, InstancesInvokeNodeResult } from "../../../../../shared/protocol/instances";
import type { Principal } from "../../../../../shared/protocol/principal";
import { AUTOPILOT_ID } from "../../../../../shared/people";
import { isPerson } from "../../../../auth/current-access";
import { RoomError } from "../../../../domain/errors";
import { getApproval } from "../approvals/index";
import { gatewayNotConnected, requireInstance } from "../instance-store";
import type { Sql } from "../../../../domain/sql";

export interface NodeGateway {
  connected: boolean;
  invokeNode(call: {
    nodeId: string;
    command: string;
    params: Record<string, unknown>;
    timeoutMs: number;
    idempotencyKey: string;
  }): Promise<{ ok: boolean; output: string }>;
}

export interface InvokeNodeDeps {
  sql: Sql;
  bridge: NodeGateway | undefined;
}

/**
 * Whether `principal` may run a node command: a person, the Autopilot's approved call, or
 * a call a person approved for this principal (dispatch already held `approvedCall` to this
 * very call's gate: party/rooms/autopilot/features/mcp/approval-gates.ts).
 */
function mayInvokeNodes(sql: Sql, principal: Pick<Principal, "id" | "kind">, approvedCall?: string): boolean {
  if (principal.id === AUTOPILOT_ID || isPerson(principal)) return true;
  const approval = approvedCall ? getApproval(sql, approvedCall) : null;
  return (
    approval?.status === "approved" &&
    approval.requestedBy.id === principal.id &&
    approval.resolvedBy !== null &&
    isPerson(approval.resolvedBy)
  );
}

export async function invokeNode(
  deps: InvokeNodeDeps,
  principal: Principal,
  p: z.output<typeof InstancesInvokeNodeParams>,
  approvedCall?: string,
): Promise<z.output<typeof InstancesInvokeNodeResult>> {
  if (!mayInvokeNodes(deps.sql, principal, approvedCall))
    throw new RoomError(
      "forbidden",
      "a node runs commands for people: call it over MCP, where a person approves each call, or ask a person to run it",
    );
  const instance = requireInstance(deps.sql, p.instanceId);
  if (!deps.bridge?.connected) throw gatewayNotConnected(instance);
  const idempotencyKey = `ap-node-${p.idempotencyKey ?? crypto.randomUUID()}`.slice(0, 200);
  try {
    return await deps.bridge.invokeNode({
      nodeId: p.nodeId,
      command: p.command,
      params: p.params,
      timeoutMs: p.timeoutMs,
      idempotencyKey,
    });
  } catch (error) {
    // The gateway's refusal (not paired, command not allowed, node offline) is the answer.
    return { ok: false, output: error instanceof Error ? error.message.slice(0, 2000) : String(error).slice(0, 2000) };
  }
}
