import { useState } from "react";
import type { Approval } from "../../../shared/protocol/approvals";
import { useAction } from "../lib/action";
import { relativeTime } from "../lib/format";
import { useCan, useRoom } from "../stores/room";
import { FormError } from "../lib/form-error";

/**
 * Approve / Deny with an optional note, used in the inspector and in the queue. Whoever
 * decides first wins; everyone's screen then shows the outcome from the room's
 * `approval.resolved` event, so this component keeps no outcome of its own.
 */
export function ApprovalOutcome({ approval }: { approval: Approval }) {
  if (approval.status === "pending") return null;
  const label = approval.status === "expired" ? "Expired" : approval.status === "approved" ? "Approved" : "Denied";
  return (
    <p className={`outcome outcome-${approval.status}`} role="status">
      <strong>{label}</strong>
      {approval.resolvedBy && (
        <>
          {" "}
          by {approval.resolvedBy.name}
          {approval.resolvedBy.kind === "agent" && <span className="agent-chip">agent</span>}
        </>
      )}
      {approval.resolvedAt && <span className="muted"> · {relativeTime(approval.resolvedAt)}</span>}
      {approval.note && <span className="note-quote">“{approval.note}”</span>}
    </p>
  );
}

/**
 * What an approval will do, when the room knows (protocol 4 adds OpenClaw's requests): the
 * exact command an agent wants to run, or who asks to pair with a gateway.
 */
export function ApprovalActionDetails({ approval, compact = false }: { approval: Approval; compact?: boolean }) {
  const action = approval.action;
  const instanceId = action && "instanceId" in action ? action.instanceId : null;
  // An instance not provisioned yet has only the name its approval gives it.
  const proposedName = action?.kind === "instance" ? action.name : undefined;
  const instanceName = useRoom((s) => (instanceId ? (s.state.instances.get(instanceId)?.name ?? proposedName ?? instanceId) : null));
  if (!action) return null;
  if (action.kind === "tool") {
    // The Autopilot's own model wants to call a tool (protocol 5): show exactly what.
    return (
      <div className="action-details">
        {!compact && (
          <p className="action-summary">
            The Autopilot wants to call <strong>{action.tool}</strong>. Approve lets it run once; Deny tells the Autopilot no.
          </p>
        )}
        <pre className={compact ? "command compact" : "command"} title="Arguments">
          <code>{action.arguments}</code>
        </pre>
      </div>
    );
  }
  if (action.kind === "exec") {
    if (compact) {
      return (
        <pre className="command compact" title={action.cwd ? `in ${action.cwd}` : undefined}>
          <code>{action.command}</code>
        </pre>
      );
    }
    return (
      <div className="action-details">
        <p className="action-summary">
          An agent on <strong>{instanceName}</strong> wants to run this command. Allow once lets it run this one time; Deny refuses it.
        </p>
        <pre className="command" title="Command">
          <code>{action.command}</code>
        </pre>
        <dl className="facts">
          <dt>Directory</dt>
          <dd>{action.cwd ? <code>{action.cwd}</code> : <span className="muted">not given</span>}</dd>
          {action.sessionKey && (
            <>
              <dt>Session</dt>
              <dd>
                <code>{action.sessionKey}</code>
              </dd>
            </>
          )}
        </dl>
      </div>
    );
  }
  if (action.kind === "pairing") {
    const what = action.target === "channel" ? "A channel sender" : action.target === "node" ? "A node" : "A device";
    if (compact) {
      return (
        <p className="muted small">
          {what} <code>{action.subject}</code> · {action.summary}
        </p>
      );
    }
    return (
      <div className="action-details">
        <p className="action-summary">
          {what} asks to pair with <strong>{instanceName}</strong>.
        </p>
        <dl className="facts">
          <dt>{action.target === "channel" ? "Sender" : action.target === "node" ? "Node" : "Device"}</dt>
          <dd>
            <code>{action.subject}</code>
          </dd>
          <dt>Details</dt>
          <dd>{action.summary || <span className="muted">none</span>}</dd>
          <dt>Scopes</dt>
          <dd>
            {action.scopes.length ? (
              <span className="scope-list">
                {action.scopes.map((scope) => (
                  <code key={scope}>{scope}</code>
                ))}
              </span>
            ) : (
              <span className="muted">none</span>
            )}
          </dd>
        </dl>
      </div>
    );
  }
  if (compact) return null;
  return (
    <dl className="facts">
      <dt>Operation</dt>
      <dd>
        {action.operation} <strong>{instanceName}</strong>
      </dd>
    </dl>
  );
}

export function ApprovalActions({ approval, compact = false }: { approval: Approval; compact?: boolean }) {
  const client = useRoom((s) => s.client);
  const hasApprove = useCan("approve");
  const role = useRoom((s) => s.principal?.role);
  const me = useRoom((s) => s.principal?.id);
  // The room refuses these too (docs/access.md, "Approvals"): say why up front.
  const ownAction = Boolean(approval.action) && approval.requestedBy.id === me;
  const canApprove = hasApprove && !ownAction;
  const [note, setNote] = useState("");
  const decide = useAction(async (decision: "approve" | "deny") => {
    if (!client) return;
    await client.approvals.resolve({ approvalId: approval.id, decision, ...(note.trim() && { note: note.trim() }) });
  });
  const busy = decide.running ?? null;
  const error = decide.error;

  if (approval.status !== "pending") return <ApprovalOutcome approval={approval} />;
  const reason = ownAction
    ? "You asked for this, so another person with the approve scope decides it."
    : canApprove
      ? undefined
      : `Your role${role ? ` (${role})` : ""} has no approve scope — ask an owner or a member to decide.`;
  return (
    <div className={`approval-actions ${compact ? "compact" : ""}`}>
      {!compact && canApprove && (
        <>
          <label className="field-label" htmlFor={`note-${approval.id}`}>
            Note (optional)
          </label>
          <textarea id={`note-${approval.id}`} rows={2} value={note} maxLength={2000} placeholder="Why — shown to everyone and kept in the audit log" onChange={(e) => setNote(e.target.value)} />
        </>
      )}
      <div className="button-row">
        <button
          type="button"
          className="approve"
          disabled={!canApprove || busy !== null}
          onClick={() => decide.run("approve")}
          title={reason}
          aria-describedby={reason ? `why-${approval.id}` : undefined}
        >
          {busy === "approve" ? "Approving…" : approval.action?.kind === "exec" ? "Allow once" : "Approve"}
        </button>
        <button type="button" className="deny" disabled={!canApprove || busy !== null} onClick={() => decide.run("deny")} title={reason}>
          {busy === "deny" ? "Denying…" : "Deny"}
        </button>
      </div>
      {reason && (
        <p className="hint" id={`why-${approval.id}`}>
          {reason}
        </p>
      )}
      <FormError error={error} />
    </div>
  );
}
