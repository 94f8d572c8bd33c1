import { useEffect, useState } from "react";
import { durationWords, waitingWords } from "../../../shared/approval-reach-words";
import type { Approval, ApprovalFigures } from "../../../shared/protocol/approvals";
import { errorText } from "../lib/api";
import { useMinuteClock } from "../lib/minute-clock";
import { useCan, useRoom } from "../stores/room";

/**
 * Whom an approval reached and whom it waits for (the room's `reach`, features/approval-reach/):
 * "Sent to Ann in Slack and by push · waiting for Ann (reminded 10 minutes ago)"; when nobody who
 * may decide can be told, that, with what to do.
 */
export function ApprovalReachLine({ approval }: { approval: Approval }) {
  const reach = approval.reach;
  // "reminded 10 minutes ago" moves on while the approval waits.
  const now = useMinuteClock(30_000, approval.status === "pending" && !!reach?.remindedAt);
  if (!reach) return null;
  if (approval.status === "pending" && reach.nobody)
    return (
      <p className="reach reach-nobody" role="alert">
        {reach.nobody}
      </p>
    );
  const sent = reach.sentTo ? `${reach.sentTo.charAt(0).toUpperCase()}${reach.sentTo.slice(1)}` : "";
  const waiting = approval.status === "pending" ? waitingWords(reach, now) : "";
  if (!sent && !waiting) return null;
  return (
    <p className="reach muted small" data-testid="approval-reach">
      {[sent, waiting].filter(Boolean).join(" · ")}
    </p>
  );
}

const spreadWords = (p: ApprovalFigures["toFirstNotice"]) =>
  p.p50Ms === null || p.p95Ms === null ? "none yet" : `${durationWords(p.p50Ms)} (p95 ${durationWords(p.p95Ms)})`;

/**
 * How the workspace's approvals reached people (`approvals.figures`), for owners and admins: read
 * when the queue opens and again whenever an approval is decided or expires.
 */
export function ApprovalFiguresLine() {
  const admin = useCan("admin");
  const client = useRoom((s) => s.client);
  const decided = useRoom((s) => {
    let n = 0;
    for (const a of s.state.approvals.values()) if (a.status !== "pending") n++;
    return n;
  });
  const [figures, setFigures] = useState<ApprovalFigures | null>(null);
  const [error, setError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `decided` moving (an approval decided or expired) is what makes the figures worth reading again
  useEffect(() => {
    if (!admin || !client) return;
    let live = true;
    client.request("approvals.figures", {}).then(
      (r) => {
        if (!live) return;
        setFigures(r.figures);
        setError(null);
      },
      (e: unknown) => {
        if (live) setError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
  }, [admin, client, decided]);
  if (!admin) return null;
  if (error) return <p className="reach-figures muted small">Could not read the approval figures: {error}</p>;
  if (!figures || figures.since === null) return null;
  return (
    <p className="reach-figures muted small" data-testid="approval-figures">
      <span>Decided {figures.decided}</span>
      <span>expired with someone told {figures.expiredTold}</span>
      <span className={figures.expiredNobodyTold > 0 ? "reach-bad" : undefined}>
        expired with nobody told {figures.expiredNobodyTold}
      </span>
      <span>first notice {spreadWords(figures.toFirstNotice)}</span>
      <span>decision {spreadWords(figures.toDecision)}</span>
    </p>
  );
}
