import type { Approval } from "../../../shared/protocol/approvals";

/** Which approvals the queue shows: all of them, those waiting for a decision, or those decided. */
export type ApprovalFilter = "all" | "pending" | "decided";

export const APPROVAL_FILTERS: Array<{ id: ApprovalFilter; label: string }> = [
  { id: "all", label: "All" },
  { id: "pending", label: "Waiting" },
  { id: "decided", label: "Decided" },
];

export const inApprovalFilter = (filter: ApprovalFilter, approval: Pick<Approval, "status">): boolean =>
  filter === "all" || (filter === "pending") === (approval.status === "pending");

/**
 * What an empty filter says. Only "All" empty is a first use (what comes here and how); a
 * filter with nothing in it says just that, so a person who decided everything is not taught
 * how approvals work. Null: the first-use words.
 */
export function emptyFilterWords(filter: ApprovalFilter): { title: string; text: string } | null {
  if (filter === "pending")
    return { title: "Nothing waiting", text: "No approval waits for a decision. Those decided are under Decided." };
  if (filter === "decided")
    return { title: "Nothing decided yet", text: "Approvals show here once someone approves or denies them." };
  return null;
}
