import type { Approval } from "../../shared/protocol/approvals";
import type { Principal } from "../../shared/protocol/principal";

/**
 * Who may decide an approval (docs/access.md, "Approvals"), on top of the
 * `approve` scope the method already requires:
 *
 * - An approval that gates an action the room then takes (`action` set: an instance
 *   operation, a gateway's exec or pairing request, a tool call of the Autopilot's
 *   model) is decided by a person only, never by the principal that requested it. An
 *   agent's key holding `approve` cannot start a gateway it asked for itself.
 * - A plain `approvals.request` (no action: an agent asking humans) may be decided by
 *   anyone with `approve` as before, except an agent deciding its own request.
 *
 * Returns why the principal may not decide, or null when it may.
 */
export function decisionRefusal(approval: Pick<Approval, "action" | "requestedBy">, principal: Pick<Principal, "id" | "kind">): string | null {
  const ownRequest = approval.requestedBy.id === principal.id;
  if (approval.action) {
    if (principal.kind !== "user") return "only a person can decide an approval that lets the room act";
    if (ownRequest) return "the principal that asked for this cannot approve or deny it: another person must";
    return null;
  }
  if (ownRequest && principal.kind !== "user") return "an agent cannot decide its own request";
  return null;
}
