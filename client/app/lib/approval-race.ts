import { noLongerNeededWhy, spendNoLongerNeeded } from "../../../shared/billing-words";
import type { Approval } from "../../../shared/protocol/approvals";

/**
 * What someone who pressed Approve or Deny reads when another decision landed first: the
 * room answers them `already_resolved`, and the approval they see is the winner's. Null
 * when they did not press, when theirs won, or while it is still pending.
 */
export function lostRaceLine(
  tried: "approve" | "deny" | null,
  approval: Pick<Approval, "status" | "resolvedBy" | "note">,
  me: string | undefined,
): string | null {
  if (tried === null || approval.status === "pending") return null;
  if (spendNoLongerNeeded(approval))
    return `It was no longer needed before your ${tried === "approve" ? "approval" : "denial"} arrived: ${noLongerNeededWhy(approval.note)}.`;
  if (approval.status === "expired")
    // Withdrawn (someone went ahead without it) is not expired: the note says who and why.
    return approval.note
      ? `It was withdrawn before your ${tried === "approve" ? "approval" : "denial"} arrived: ${approval.note}.`
      : `It expired before your ${tried === "approve" ? "approval" : "denial"} arrived.`;
  if (!approval.resolvedBy || approval.resolvedBy.id === me) return null;
  const same = (tried === "approve") === (approval.status === "approved");
  return `${approval.resolvedBy.name} decided first${same ? " — the same way" : ""}: your ${tried === "approve" ? "approval" : "denial"} was not needed.`;
}
