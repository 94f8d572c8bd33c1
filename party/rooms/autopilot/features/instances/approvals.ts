import type { Approval } from "../../../../../shared/protocol/approvals";
import { dropLinkRequest } from "./gateway-links";
import { getInstance } from "./instances";
import { type OperationDeps, runInstanceOperation } from "./operations";
import { runLinkedOperation } from "./linked-operations";
import { isChannelApproval, settleChannelApproval } from "./channels/operations";

/**
 * An instance approval was decided: an approved one runs (on our runtime, or on the room
 * alone for a linked gateway); a link denied or expired drops the token it was filed with.
 */
export async function settleInstanceApproval(deps: OperationDeps, approval: Approval): Promise<void> {
  const action = approval.action;
  if (action?.kind !== "instance") return;
  // Channel changes run on the gateway, hosted or linked alike (party/rooms/autopilot/features/instances/channels/).
  if (isChannelApproval(approval)) return settleChannelApproval(deps, approval);
  if (approval.status !== "approved") {
    if (action.operation === "link") dropLinkRequest(deps.sql, approval.id);
    return;
  }
  const linked = action.operation === "link" || getInstance(deps.sql, action.instanceId)?.kind === "linked";
  await (linked ? runLinkedOperation(deps, approval) : runInstanceOperation(deps, approval));
}
