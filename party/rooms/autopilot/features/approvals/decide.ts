import type { Approval } from "../../../../../shared/protocol/approvals";
import { type ActingFor, actingFor, withdrawalNote } from "../../../../access/acting-for";
import { withdraw } from "../../../../access/withdrawals";
import type { AccessVerdict } from "../../../../auth/current-access";
import { prepareGatewayDecision } from "../../../../bridge/decisions";
import { decisionRefused, getApproval } from "../../domain/approvals";
import { RoomError } from "../../../../domain/errors";
import type { RequestContext } from "../../context";

// Deciding an approval that acts for someone re-reads their access first (party/access/withdrawals.ts).

async function confirmActingFor({ room }: RequestContext, approval: Approval, acting: ActingFor): Promise<() => void> {
  let verdict: AccessVerdict;
  try {
    verdict = await room.currentAccess(acting.principal);
  } catch {
    throw new RoomError("unavailable", `could not confirm that ${acting.principal.name} still has access: try again`, { approvalId: approval.id }, 1000);
  }
  const note = withdrawalNote(acting, verdict);
  if (!note) return () => {};
  withdraw(room, new Map([[approval.id, note]]));
  throw new RoomError("already_resolved", `approval was withdrawn: ${note.replace(/^withdrawn: /, "")}`, { approvalId: approval.id, status: "expired" });
}

/**
 * approvals.resolve's prepare: an approval that acts for someone is decided only while
 * they still may; a gateway's request goes to its gateway first (party/bridge/decisions.ts).
 */
export function prepareDecision(req: RequestContext, params: Parameters<typeof prepareGatewayDecision>[1]): Promise<() => void> | undefined {
  const { room, principal } = req;
  const approval = getApproval(room.sql, params.approvalId);
  // A decision the ordinary path refuses anyway (decided, expired, not this decider's) reads nothing.
  const open = approval?.status === "pending" && (approval.expiresAt === null || approval.expiresAt > Date.now()) && !decisionRefused(room.sql, approval, principal, params);
  const acting = open ? actingFor(room.sql, approval) : null;
  if (approval && acting) return confirmActingFor(req, approval, acting);
  return prepareGatewayDecision({ sql: room.sql, commit: room.commit, principal, decisionsFor: (instanceId) => room.bridges.get(instanceId)?.decisions }, params);
}
