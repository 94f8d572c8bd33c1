// An approved tool run: once, as a job, on the instance's gateway through its bridge (hosted or
// linked alike). A decision is recorded once, so the reaction that runs it comes once; the
// tool and its arguments are the approval's action, the same the person read. The answer is
// the job's result, as text.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Sql } from "../../../../domain/sql";
import { gatewayNotConnected, getInstance } from "../instance-store";
import { type ApprovedJobDeps, runApprovedJob } from "../jobs/index";
import { answerText, JOB_RESULT_CHARS } from "./answer";
import type { ToolGateway } from "./tools";

export interface ToolOperationDeps extends ApprovedJobDeps {
  sql: Sql;
  tools(instanceId: string): ToolGateway | undefined;
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
  await runApprovedJob(deps, approval, {
    run: async () => {
      const gateway = deps.tools(action.instanceId);
      if (!gateway?.connected)
        throw gatewayNotConnected({ id: action.instanceId, sleep: getInstance(deps.sql, action.instanceId)?.sleep });
      const outcome = answerText(
        await gateway.invokeTool({
          name: tool.name,
          args: argsOf(tool.args),
          idempotencyKey: `ap-tool-${approval.id}`,
        }),
        JOB_RESULT_CHARS,
      );
      return { ok: outcome.ok, message: outcome.output };
    },
    errorText: (text) => answerText({ ok: false, code: "failed", message: text }, JOB_RESULT_CHARS).output,
    log: { msg: "tool run failed", instanceId: action.instanceId, tool: tool.name },
  });
}
