// An approved tool run: once, as a job, on the instance's gateway through its bridge (hosted or
// linked alike). A decision is recorded once, so the reaction that runs it comes once; the
// tool and its arguments are the approval's action, the same the person read. The answer is
// the job's result, as text.
import type { Approval } from "../../../../../shared/protocol/approvals";
import { TOOL_OPERATIONS } from "../../../../../shared/protocol/instances";
import type { Commit } from "../../kernel/commit";
import type { Sql } from "../../../../domain/sql";
import { pendingInstanceApprovals } from "../approvals/index";
import { gatewayNotConnected } from "../instance-store";
import { failRoomJob, finishRoomJob, startJob } from "../jobs/index";
import { answerText, JOB_RESULT_CHARS } from "./answer";
import type { ToolGateway } from "./tools";

export interface ToolOperationDeps {
  sql: Sql;
  commit: Commit;
  workspaceId: string;
  tools(instanceId: string): ToolGateway | undefined;
}

/** Whether an instance approval is a tool's run (party/rooms/autopilot/features/instance-tools/). */
export function isToolApproval(approval: Approval): boolean {
  return approval.action?.kind === "instance" && TOOL_OPERATIONS.has(approval.action.operation);
}

/** The tool runs of an instance still waiting for a decision: a deleted instance's expire with it. */
export function pendingToolApprovals(sql: Sql, instanceId: string): Approval[] {
  return pendingInstanceApprovals(sql, instanceId, TOOL_OPERATIONS);
}

function argsOf(text: string): Record<string, unknown> {
  const args = JSON.parse(text) as unknown;
  if (args === null || typeof args !== "object" || Array.isArray(args))
    throw new Error("the arguments are not an object");
  return args as Record<string, unknown>;
}

/** A decided tool approval: an approved one runs once; any other holds nothing to drop. */
export async function settleToolApproval(deps: ToolOperationDeps, approval: Approval): Promise<void> {
  const action = approval.action;
  if (action?.kind !== "instance" || approval.status !== "approved" || !action.tool) return;
  const tool = action.tool;
  const jobId = deps.commit(
    null,
    (ctx) =>
      startJob(ctx, { title: approval.title, message: "approved", idempotencyKey: `room-op-${approval.id}` }).job.id,
  );
  try {
    const gateway = deps.tools(action.instanceId);
    if (!gateway?.connected) throw gatewayNotConnected({ id: action.instanceId });
    const outcome = answerText(
      await gateway.invokeTool({ name: tool.name, args: argsOf(tool.args), idempotencyKey: `ap-tool-${approval.id}` }),
      JOB_RESULT_CHARS,
    );
    deps.commit(null, (ctx) =>
      outcome.ok ? finishRoomJob(ctx, jobId, outcome.output) : failRoomJob(ctx, jobId, outcome.output),
    );
  } catch (error) {
    const message = answerText(
      { ok: false, code: "failed", message: error instanceof Error ? error.message : String(error) },
      JOB_RESULT_CHARS,
    ).output;
    console.error(
      JSON.stringify({
        msg: "tool run failed",
        workspace: deps.workspaceId,
        instanceId: action.instanceId,
        tool: tool.name,
        error: message,
      }),
    );
    deps.commit(null, (ctx) => failRoomJob(ctx, jobId, message));
  }
}
