// An approved config change: once, as a job, through the gateway's own `config.patch` against
// the hash read when it was proposed, so the gateway validates it and refuses it if its config
// changed since (the job then fails with the gateway's words; propose it again). The patch is
// the approval's action: what the person read is what is sent.
import type { Approval } from "../../../../../shared/protocol/approvals";
import { CONFIG_OPERATIONS } from "../../../../../shared/protocol/instances";
import type { Sql } from "../../../../domain/sql";
import type { Commit } from "../../kernel/commit";
import { pendingInstanceApprovals } from "../approvals/index";
import { redactedText } from "../gateway-channels";
import { gatewayNotConnected } from "../instance-store";
import { failRoomJob, finishRoomJob, startJob } from "../jobs/index";
import type { GatewayReader } from "../gateway-channels";

export interface ConfigOperationDeps {
  sql: Sql;
  commit: Commit;
  workspaceId: string;
  configOf(instanceId: string): GatewayReader | undefined;
}

/** Whether an instance approval is a config change (party/rooms/autopilot/features/instance-config/). */
export function isConfigApproval(approval: Approval): boolean {
  return approval.action?.kind === "instance" && CONFIG_OPERATIONS.has(approval.action.operation);
}

/** The config changes of an instance still waiting for a decision: a deleted instance's expire with it. */
export function pendingConfigApprovals(sql: Sql, instanceId: string): Approval[] {
  return pendingInstanceApprovals(sql, instanceId, CONFIG_OPERATIONS);
}

/** A decided config change: an approved one is applied once; any other holds nothing to drop. */
export async function settleConfigApproval(deps: ConfigOperationDeps, approval: Approval): Promise<void> {
  const action = approval.action;
  if (action?.kind !== "instance" || approval.status !== "approved" || !action.config) return;
  const { patch, baseHash } = action.config;
  const jobId = deps.commit(
    null,
    (ctx) =>
      startJob(ctx, { title: approval.title, message: "approved", idempotencyKey: `room-op-${approval.id}` }).job.id,
  );
  try {
    const gateway = deps.configOf(action.instanceId);
    if (!gateway?.connected) throw gatewayNotConnected({ id: action.instanceId });
    await gateway.channels.request("config.patch", {
      raw: patch,
      baseHash,
      note: `approved in the product (${approval.id})`,
    });
    deps.commit(null, (ctx) => finishRoomJob(ctx, jobId, "the gateway took the change"));
  } catch (error) {
    const message = redactedText(error instanceof Error ? error.message : String(error), 2000);
    console.error(
      JSON.stringify({
        msg: "config change failed",
        workspace: deps.workspaceId,
        instanceId: action.instanceId,
        error: message,
      }),
    );
    deps.commit(null, (ctx) => failRoomJob(ctx, jobId, message));
  }
}
