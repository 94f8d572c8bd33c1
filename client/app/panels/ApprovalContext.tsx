import { useMemo } from "react";
import type { Approval } from "../../../shared/protocol/approvals";
import { useNames } from "../lib/names";
import { approvalTaskId, type Fact, factsOf } from "../lib/tool-words";
import { useUi } from "../stores/ui";
import { relativeTime, timeUntil } from "../lib/format";
import { useMinuteClock } from "../lib/minute-clock";

/**
 * What a person needs to decide an approval without opening it: what will happen (the
 * room's plain-words summary, ids already resolved to names), who asked and on whose
 * behalf, and how long it still waits. Used by the queue, the thread's card and the
 * inspector alike.
 */

/** What it will do; nothing when that is its title word for word (an agent's own request), which every view shows already. */
export function ApprovalSummary({ approval }: { approval: Approval }) {
  const summary = approval.summary && approval.summary !== approval.title ? approval.summary : null;
  return (
    <>
      {summary && <p className="approval-summary">{summary}</p>}
      <ApprovalTaskLink approval={approval} />
    </>
  );
}

/** "Asked by the Autopilot for Ada · 5 minutes ago · expires in 23 hours". */
export function ApprovalAsked({ approval }: { approval: Approval }) {
  const now = useMinuteClock();
  const behalf = approval.onBehalfOf && approval.onBehalfOf.id !== approval.requestedBy.id ? approval.onBehalfOf : null;
  return (
    <p className="muted small approval-asked">
      Asked by {approval.requestedBy.name}
      {approval.requestedBy.kind === "agent" && <span className="agent-chip">agent</span>}
      {behalf && (
        <>
          {" "}
          for <strong>{behalf.name}</strong>
          {behalf.kind === "agent" && <span className="agent-chip">agent</span>}
        </>
      )}{" "}
      · {relativeTime(approval.requestedAt, now)}
      {approval.status === "pending" &&
        (approval.expiresAt ? <> · expires {timeUntil(approval.expiresAt, now)}</> : <> · no expiry</>)}
    </p>
  );
}

/** Facts in words (lib/tool-words.ts): a name the room knows decides, its id stays at hand in the tooltip. */
export function FactList({
  facts,
  more,
  compact = false,
  of = "arguments",
}: {
  facts: Fact[];
  more: number;
  compact?: boolean;
  /** What the facts are of: a call's arguments or its result. */
  of?: "arguments" | "result";
}) {
  return (
    <dl className={`facts tool-arguments tool-${of} ${compact ? "compact" : ""}`}>
      {facts.map((fact) => (
        <div key={fact.key} className="fact">
          <dt title={fact.key}>{fact.label}</dt>
          <dd title={fact.raw}>{fact.named ? <strong>{fact.text}</strong> : fact.text}</dd>
        </div>
      ))}
      {more > 0 && (
        <div className="fact">
          <dt>…</dt>
          <dd className="muted">{more} more in the details</dd>
        </div>
      )}
    </dl>
  );
}

/**
 * A tool call's arguments as a list, each named in words, each id shown as the name the room
 * knows for it (a thread's title, an instance's name), times in the reader's time, so nobody
 * decides on `thr_babd8c9…` or epoch milliseconds. Arguments that are not a JSON object
 * (clipped ones) show as they are.
 */
export function ToolArguments({ text, compact = false }: { text: string; compact?: boolean }) {
  const names = useNames();
  const read = useMemo(() => factsOf(text, names), [text, names]);
  if (!read || read.facts.length === 0) {
    return (
      <pre className={compact ? "command compact" : "command"} title="Arguments">
        <code>{text || "none"}</code>
      </pre>
    );
  }
  return <FactList facts={read.facts} more={read.more} compact={compact} />;
}

/**
 * Which task's step asks, to open its run log: a task's gated call names the task in its
 * summary; this opens it in the app. A spend approval links its task in its own details
 * (billing/SpendDetails.tsx).
 */
export function ApprovalTaskLink({ approval }: { approval: Approval }) {
  const taskId = approvalTaskId(approval);
  const select = useUi((s) => s.select);
  if (!taskId) return null;
  return (
    <p className="small approval-task">
      <button
        type="button"
        className="link"
        data-task-link={taskId}
        onClick={() => select(`task:${taskId}`, { focus: true })}
      >
        Open the task’s run log
      </button>
    </p>
  );
}
