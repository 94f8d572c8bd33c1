// An approved config change: once, as a job, through the gateway's own `config.patch` against
// the hash read when it was proposed, so the gateway validates it and refuses it if its config
// changed since (the job then fails with the gateway's words; propose it again). The patch is
// the approval's action: what the person read is what is sent.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Sql } from "../../../../domain/sql";
import { redactedText } from "../gateway-channels";
import { gatewayNotConnected, getInstance } from "../instance-store";
import { type ApprovedJobDeps, runApprovedJob } from "../jobs/index";
import type { GatewayReader } from "../gateway-channels";

export interface ConfigOperationDeps extends ApprovedJobDeps {
  sql: Sql;
  configOf(instanceId: string): GatewayReader | undefined;
}

/** A decided config change: an approved one is applied once; any other holds nothing to drop. */
export async function settleConfigApproval(deps: ConfigOperationDeps, approval: Approval): Promise<void> {
  const action = approval.action;
  if (action?.kind !== "instance" || approval.status !== "approved" || !action.config) return;
  const { patch, baseHash } = action.config;
  await runApprovedJob(deps, approval, {
    run: async () => {
      const gateway = deps.configOf(action.instanceId);
      if (!gateway?.connected)
        throw gatewayNotConnected({ id: action.instanceId, sleep: getInstance(deps.sql, action.instanceId)?.sleep });
      await gateway.channels.request("config.patch", {
        raw: patch,
        baseHash,
        note: `approved in the product (${approval.id})`,
      });
      return { ok: true, message: "the gateway took the change" };
    },
    errorText: (text) => redactedText(text, 2000),
    log: { msg: "config change failed", instanceId: action.instanceId },
  });
}
