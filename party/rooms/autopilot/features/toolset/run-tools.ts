// A run's tools: the room's own (tools.ts) plus, when the thread has an OpenClaw instance
// attached and the run may write, that gateway's tools (gateway-tool.ts); the approval
// policy over both (built per segment, so the gateway's catalog is read once per run
// segment, not per model step); a call's idempotency key and what a decided approval
// tells it.
import type { ToolSet } from "ai";
import { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Scope } from "../../../../../shared/protocol/principal";
import { toolWords } from "../../../../../shared/plain-words";
import { hasScope } from "../../../../../shared/scopes";
import type { Sql } from "../../../../domain/sql";
import type { PendingCall } from "../../../../records/agent-run";
import { GATEWAY_TOOL, gatewayToolRisk, requestedGatewayTool } from "../instances/index";
import { type GatewayAccess, gatewayTools } from "../instances/index";
import type { Risk } from "../../../../../shared/protocol/tool-policy";
import { aroundTools, type ToolAround } from "../model/index";
import { LOAD_TOOL, withLoadTool } from "./offer";
import { type CallMethod, gatedRisk, roomTools, type ToolCallSeen, toolApprovalPolicy, toolName } from "./tools";

/** Using an instance's gateway tools takes what sending it a message takes. */
export const GATEWAY_TOOL_SCOPE: Scope = "write";

export interface RunTools {
  tools: ToolSet;
  approval: ReturnType<typeof toolApprovalPolicy>;
}

export interface RunToolsInput {
  sql: Sql;
  runId: string;
  scopes: readonly Scope[];
  riskyGatewayTools: readonly string[];
  call: CallMethod;
  /** The thread's attached instance, if any. */
  gateway: GatewayAccess | null;
  /** A guest's run (party/records/agent-run.ts `guest`): its thread, the one place it acts without a person. */
  guestThread?: string | null;
  /** What every call goes through before its tool runs (the run's access check, agent/run-access.ts). */
  around?: ToolAround;
}

/** The one tool a guest's run calls without a person: reading its own thread. */
const GUEST_FREE = toolName("messages.list");

const ThreadInput = z.object({ threadId: z.string() }).passthrough();

/**
 * The approval policy of a guest's run: a guest in a bound chat is no member of the
 * workspace, so its run sees and acts only in its thread (docs/access.md, "In a bound chat").
 * Reading that thread (and loading tools, offer.ts) runs at once; every other call (another thread, the audit log, memory,
 * search, the money, posting elsewhere, an instance's tools) waits for a person's approval.
 * What the run's own policy denies stays denied.
 */
export function guestPolicy(threadId: string, policy: RunTools["approval"]): RunTools["approval"] {
  return (options) => {
    const status = policy(options);
    if (status === "denied" || (typeof status === "object" && status?.type === "denied")) return status;
    const { toolName: name, input } = options.toolCall;
    const own = ThreadInput.safeParse(input);
    if (name === GUEST_FREE && own.success && own.data.threadId === threadId) return status;
    // Loading tools only changes what the run's next calls are offered, which still ask.
    if (name === LOAD_TOOL) return status;
    return "user-approval";
  };
}

export async function runTools(input: RunToolsInput): Promise<RunTools> {
  const { scopes, riskyGatewayTools: risky } = input;
  const mayUseGateway = input.gateway !== null && hasScope(scopes, GATEWAY_TOOL_SCOPE);
  const { around } = input;
  const gateway =
    mayUseGateway && input.gateway
      ? await gatewayTools({ sql: input.sql, runId: input.runId, access: input.gateway, risky })
      : null;
  const tools: ToolSet = withLoadTool(
    {
      ...roomTools(scopes, input.call, around),
      ...(gateway && around ? aroundTools(gateway, around) : gateway),
    },
    around,
  );
  const gatewayPolicy = (call: ToolCallSeen) => {
    if (call.toolName !== GATEWAY_TOOL) return undefined;
    if (!hasScope(scopes, GATEWAY_TOOL_SCOPE))
      return {
        type: "denied" as const,
        reason: `the run may not use ${GATEWAY_TOOL}: it needs the ${GATEWAY_TOOL_SCOPE} scope`,
      };
    const name = requestedGatewayTool(call.input);
    return name && gatewayToolRisk(name, risky) ? ("user-approval" as const) : undefined;
  };
  const approval = toolApprovalPolicy(scopes, gatewayPolicy);
  return { tools, approval: input.guestThread ? guestPolicy(input.guestThread, approval) : approval };
}

/** The title and risk of the approval a gated call files: what it does in words (shared/plain-words.ts), never the tool's name. */
export function approvalFor(
  tool: string,
  input: unknown,
  riskyGatewayTools: readonly string[],
  instanceName: string | null,
): { title: string; risk: Risk } {
  if (tool === GATEWAY_TOOL) {
    const name = requestedGatewayTool(input) ?? "an unnamed tool";
    return {
      title:
        `The Autopilot wants to run the OpenClaw tool “${name}” on instance ${instanceName ? `“${instanceName}”` : "(detached)"}`.slice(
          0,
          200,
        ),
      risk: gatewayToolRisk(name, riskyGatewayTools) ?? "high",
    };
  }
  if (tool === NODE_TOOL) return { title: nodeCallTitle(input, "Autopilot"), risk: "high" };
  return { title: `The Autopilot wants to ${toolWords(tool)}`, risk: gatedRisk(tool) ?? "medium" };
}

const NODE_TOOL = toolName("instances.invokeNode");

/** A node call's title names the command line a person approves (system.run's argv), not only the tool. */
export function nodeCallTitle(input: unknown, who: string): string {
  const call = (input ?? {}) as { command?: unknown; params?: { command?: unknown }; instanceId?: unknown };
  const argv = call.params?.command;
  const line =
    Array.isArray(argv) && argv.every((a) => typeof a === "string")
      ? argv.join(" ")
      : typeof argv === "string"
        ? argv
        : null;
  const what = typeof call.command === "string" ? call.command : "a command";
  const where = typeof call.instanceId === "string" ? ` on a node of ${call.instanceId}` : " on a node";
  return `${who} wants to run ${what}${line ? `: ${line}` : ""}${where}`.slice(0, 200);
}

/** The idempotency key of a tool call: run ids are unique, tool call ids (`call_0`) are not. */
export async function toolCallKey(runId: string, toolCallId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${runId}:${toolCallId}`));
  return `ap:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** What a paused call is told once its room approval is decided or expired. */
export function answerFor(approval: Approval): PendingCall["answer"] {
  if (approval.status === "approved") return { approved: true };
  if (approval.status === "denied")
    return {
      approved: false,
      reason: `denied by ${approval.resolvedBy?.name ?? "a person"}${approval.note ? `: ${approval.note}` : ""}`,
    };
  return { approved: false, reason: `expired: ${approval.note ?? "nobody decided in time"}` };
}
