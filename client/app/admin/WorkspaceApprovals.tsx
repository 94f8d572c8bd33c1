import { Fragment } from "react";
import { figuresParts } from "../../../shared/approval-reach-words";
import type { ApprovalFigures } from "../../../shared/protocol/approvals";
import { adminApi } from "../lib/api";

/** A batch of workspaces' approval figures, as `useWorkspaceBatches` reads them. */
export const readApprovalFigures = async (ids: string[]) =>
  (await adminApi.approvals(ids)).workspaces.map((w) => ({ workspaceId: w.workspaceId, value: w.figures }));

/**
 * How a workspace's approvals reached people (its room's `approval-reach` figures), in /admin's
 * workspaces table: "12 decided · 0 expired with nobody told · first notice p50 40 s, p95 3 min
 * · decided p50 9 min, p95 1 h". An approval that expired with nobody told stands out: the goal is none.
 */
export function ApprovalFiguresCell({ figures }: { figures: ApprovalFigures | null | undefined }) {
  if (figures === undefined) return <td className="admin-approvals muted">…</td>;
  if (figures === null) return <td className="admin-approvals muted">—</td>;
  return (
    <td className="admin-approvals" data-testid="approval-figures">
      {figuresParts(figures).map((part, i) => (
        <Fragment key={part.text}>
          {i > 0 && " · "}
          <span className={part.bad ? "admin-approvals-unseen" : undefined}>{part.text}</span>
        </Fragment>
      ))}
    </td>
  );
}
