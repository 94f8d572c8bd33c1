import { approvalStatusWords } from "../../../shared/plain-words";
import { useMemo } from "react";
import { useRoom } from "../stores/room";
import { ApprovalActionDetails, ApprovalActions } from "./ApprovalActions";
import { ApprovalAsked, ApprovalSummary } from "./ApprovalContext";
import { ApprovalReachLine } from "./ApprovalReach";

/**
 * The Autopilot's tool approvals of one thread, inline where the conversation waits on
 * them (protocol 5: a gated tool pauses the run until a person decides). Pending ones show
 * at the end of the thread; once decided, the tool message carries the outcome instead,
 * so a card stays only while it waits for its call to land. A pending instance start for
 * the thread (protocol 7, instances.startChat) shows too; once decided, the thread's start
 * bar takes over.
 */
export function ThreadApprovals({ threadId, decidedCalls }: { threadId: string; decidedCalls: ReadonlySet<string> }) {
  const approvals = useRoom((s) => s.state.approvals);
  const cards = useMemo(
    () =>
      [...approvals.values()]
        .filter(
          (a) =>
            a.threadId === threadId &&
            ((a.action?.kind === "tool" && !decidedCalls.has(a.id)) ||
              (a.action?.kind === "instance" && a.status === "pending")),
        )
        .sort((a, b) => a.requestedAt - b.requestedAt),
    [approvals, threadId, decidedCalls],
  );
  return cards.map((a) => (
    <li key={a.id} className={`message approval-card status-${a.status}`} aria-label={`Approval: ${a.title}`}>
      <div className="message-meta">
        <strong>Approval needed</strong>
        <span className={`chip risk-${a.risk}`}>{a.risk} risk</span>
        {a.status !== "pending" && <span className={`chip chip-${a.status}`}>{approvalStatusWords(a)}</span>}
      </div>
      {/* What happens and the buttons first, so they are in view; the details fold below. */}
      <ApprovalSummary approval={a} />
      <ApprovalAsked approval={a} />
      <ApprovalReachLine approval={a} />
      <ApprovalActions approval={a} compact />
      <details className="approval-details">
        <summary>Details</summary>
        <ApprovalActionDetails approval={a} />
      </details>
    </li>
  ));
}
