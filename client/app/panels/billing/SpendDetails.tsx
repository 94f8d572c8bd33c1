import type { SpendAction } from "../../../../shared/protocol/billing";
import { creditsText, SCOPE_LABELS } from "../../../../shared/billing-words";
import { useUi } from "../../stores/ui";
import { ROOM_NAMES_ONLY, useSubjectName } from "./names";
import "./billing.css";

/**
 * A spend approval (protocol 10): how many credits, against which budget, for what and who
 * spends them. The approval's summary (shown above it everywhere) says what approving does;
 * this adds the facts a person weighs, in one line in the queue and as a list elsewhere.
 */
export function SpendDetails({ action, compact }: { action: SpendAction; compact: boolean }) {
  const subject = useSubjectName(ROOM_NAMES_ONLY);
  const select = useUi((s) => s.select);
  const { scope, subjectId } = action.budget;
  const whose =
    scope === "workspace" ? "the workspace" : `${SCOPE_LABELS[scope].toLowerCase()} “${subject(scope, subjectId)}”`;
  if (compact)
    return (
      <p className="muted small spend-facts">
        <strong>{creditsText(action.granted ?? action.amount)}</strong> · budget of {whose}
        {action.waiting && action.waiting.length > 0 && <> · {action.waiting.length + 1} replies wait</>}
        {action.spender && <> · spent by {action.spender.name}</>}
      </p>
    );
  return (
    <div className="action-details">
      <dl className="facts spend-facts">
        <dt>Credits</dt>
        <dd>
          {action.granted !== undefined && action.granted !== action.amount
            ? `${creditsText(action.granted)} granted (${creditsText(action.amount)} asked), once`
            : `${creditsText(action.amount)}, once`}
        </dd>
        <dt>Budget</dt>
        <dd>
          {whose.charAt(0).toUpperCase()}
          {whose.slice(1)}
        </dd>
        <dt>For</dt>
        <dd>
          {action.what}
          {action.for.kind === "task" && (
            <>
              {" "}
              <button type="button" className="link small" onClick={() => select(`task:${action.for.id}`)}>
                Open the task
              </button>
            </>
          )}
        </dd>
        {action.waiting && action.waiting.length > 0 && (
          <>
            <dt>Also waiting</dt>
            <dd>
              <ul className="spend-waiting">
                {action.waiting.map((w) => (
                  <li key={w.id}>{w.what}</li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {action.spender && (
          <>
            <dt>Spent by</dt>
            <dd>
              {action.spender.name}
              {action.spender.kind === "agent" && <span className="agent-chip">agent</span>}
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
