import { useState } from "react";
import type { Approval } from "../../../shared/protocol/approvals";
import { useAction } from "../lib/action";
import { relativeTime } from "../lib/format";
import { useCan, useRoom } from "../stores/room";
import { FormError } from "../lib/form-error";
import { deciderRefusal, isOwnApproval } from "../../../shared/approval-policy";
import { ToolArguments } from "./ApprovalContext";
import { lostRaceLine } from "../lib/approval-race";
import { SpendDetails } from "./billing/SpendDetails";
import {
  approvalOutcomeWords,
  DECIDED_IN_WORDS,
  INSTANCE_OPERATION_WORDS,
  toolWords,
} from "../../../shared/plain-words";
import { TextField } from "../lib/text-field";

/**
 * Approve / Deny with an optional note, used in the inspector and in the queue. Whoever
 * decides first wins; everyone's screen then shows the outcome from the room's
 * `approval.resolved` event, so this component keeps no outcome of its own.
 */
export function ApprovalOutcome({ approval }: { approval: Approval }) {
  if (approval.status === "pending") return null;
  // "Withdrawn" for one someone went ahead without, "Expired" only for one nobody decided in time,
  // "No longer needed: …" for a spend approval whose budget someone made fit.
  const { label, byWhom, note } = approvalOutcomeWords(approval);
  return (
    <p className={`outcome outcome-${approval.status}`} role="status">
      <strong>{label}</strong>
      {byWhom && approval.resolvedBy && (
        <>
          {" "}
          by {approval.resolvedBy.name}
          {approval.resolvedBy.kind === "agent" && <span className="agent-chip">agent</span>}
          {approval.decidedIn && approval.decidedIn !== "app" && <> {DECIDED_IN_WORDS[approval.decidedIn]}</>}
        </>
      )}
      {approval.selfConfirmed && <span className="muted"> · self-confirmed</span>}
      {approval.resolvedAt && <span className="muted"> · {relativeTime(approval.resolvedAt)}</span>}
      {note && <span className="note-quote">“{note}”</span>}
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
  const instanceName = useRoom((s) =>
    instanceId ? (s.state.instances.get(instanceId)?.name ?? proposedName ?? instanceId) : null,
  );
  if (!action) return null;
  if (action.kind === "spend") return <SpendDetails action={action} compact={compact} />;
  if (action.kind === "tool") {
    // The Autopilot's own model wants to call a tool (protocol 5): show exactly what.
    return (
      <div className="action-details">
        {!compact && (
          <p className="action-summary">
            The Autopilot wants to <strong>{toolWords(action.tool)}</strong>. Approve lets it do so once; Deny tells the
            Autopilot no.
          </p>
        )}
        <ToolArguments text={action.arguments} compact={compact} />
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
          An agent on <strong>{instanceName}</strong> wants to run this command. Allow once lets it run this one time;
          Deny refuses it.
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
        {INSTANCE_OPERATION_WORDS[action.operation] ?? "Change"} <strong>{instanceName}</strong>
      </dd>
    </dl>
  );
}

/** Who may decide, said up front: the same rule the room enforces (shared/approval-policy.ts). */
function decisionHint(
  approval: Approval,
  me: { id: string; kind: "user" | "agent" } | null,
  hasApprove: boolean,
  role: string | undefined,
  twoPersonRule: boolean,
): { blocked: string | null; own: boolean } {
  if (!me || !hasApprove)
    return {
      blocked: `Your role${role ? ` (${role})` : ""} has no approve scope — ask an owner or a member to decide.`,
      own: false,
    };
  const refusal = deciderRefusal(approval, me, { twoPersonRule });
  if (refusal) {
    const blocked =
      twoPersonRule && isOwnApproval(approval, me.id)
        ? "This workspace has the two-person rule on: another person with the approve scope decides what you asked for."
        : `${refusal[0]?.toUpperCase()}${refusal.slice(1)}.`;
    return { blocked, own: false };
  }
  return { blocked: null, own: isOwnApproval(approval, me.id) };
}

/** A person's figure of credits to grant: a whole number from 1, or null. */
function grantOf(text: string): number | null {
  const digits = text.replace(/[\s,]/g, "");
  if (!/^\d{1,13}$/.test(digits)) return null;
  const value = Number(digits);
  return value >= 1 ? value : null;
}

/** "You asked for this" or "The Autopilot asked for this for you": why a confirm is yours to give. */
const ownHint = (approval: Approval, me: string) =>
  approval.requestedBy.id === me
    ? "You asked for this: confirming it yourself is recorded as self-confirmed."
    : `${approval.requestedBy.name} asked for this on your behalf: confirming it yourself is recorded as self-confirmed.`;

export function ApprovalActions({ approval, compact = false }: { approval: Approval; compact?: boolean }) {
  const client = useRoom((s) => s.client);
  const hasApprove = useCan("approve");
  const role = useRoom((s) => s.principal?.role);
  const principal = useRoom((s) => s.principal);
  const twoPersonRule = useRoom((s) => s.state.settings.approvals.twoPersonRule);
  const me = principal ? { id: principal.id, kind: principal.kind } : null;
  const { blocked, own } = decisionHint(approval, me, hasApprove, role, twoPersonRule);
  const [note, setNote] = useState("");
  // A spend approval: the person may grant another amount than it asks (protocol 15).
  const asked = approval.action?.kind === "spend" ? approval.action.amount : null;
  const [grant, setGrant] = useState<string>(asked === null ? "" : String(asked));
  const granted = asked === null ? null : grantOf(grant);
  // Which button this person pressed: if someone else's decision lands first, say so.
  const [tried, setTried] = useState<"approve" | "deny" | null>(null);
  const decide = useAction(async (decision: "approve" | "deny") => {
    if (!client) return;
    setTried(decision);
    await client.approvals.resolve({
      approvalId: approval.id,
      decision,
      ...(own && decision === "approve" ? { confirmOwn: true as const } : {}),
      ...(note.trim() && { note: note.trim() }),
      ...(decision === "approve" && granted !== null && granted !== asked ? { amount: granted } : {}),
    });
  });
  const busy = decide.running ?? null;
  const error = decide.error;

  if (approval.status !== "pending") {
    const lost = lostRaceLine(tried, approval, principal?.id);
    return (
      <>
        {lost && (
          <p className="hint race-lost" role="status">
            {lost}
          </p>
        )}
        <ApprovalOutcome approval={approval} />
      </>
    );
  }
  const reason = blocked ?? (own ? ownHint(approval, principal?.id ?? "") : undefined);
  const approveLabel = own ? "Confirm" : approval.action?.kind === "exec" ? "Allow once" : "Approve";
  return (
    <div className={`approval-actions ${compact ? "compact" : ""}`}>
      {!compact && !blocked && (
        <TextField
          multiline
          id={`note-${approval.id}`}
          label="Note (optional)"
          rows={2}
          value={note}
          maxLength={2000}
          placeholder="Why — shown to everyone and kept in the audit log"
          onChange={setNote}
        />
      )}
      {!blocked && asked !== null && (
        <>
          <TextField
            id={`grant-${approval.id}`}
            label="Credits to grant"
            className="grant-amount"
            inputMode="numeric"
            value={grant}
            aria-invalid={granted === null}
            aria-describedby={`grant-hint-${approval.id}`}
            onChange={setGrant}
          />
          <p className="hint" id={`grant-hint-${approval.id}`}>
            {granted === null
              ? "A whole number of credits, at least 1."
              : granted < asked
                ? "Less than asked: the work asks again once it has used these."
                : "Approving raises the budget by this much, once, for this period."}
          </p>
        </>
      )}
      <div className="button-row">
        <button
          type="button"
          className="approve"
          disabled={blocked !== null || busy !== null || (asked !== null && granted === null)}
          onClick={() => decide.run("approve")}
          title={reason}
          aria-describedby={reason ? `why-${approval.id}` : undefined}
        >
          {busy === "approve" ? (own ? "Confirming…" : "Approving…") : approveLabel}
        </button>
        <button
          type="button"
          className="deny"
          disabled={blocked !== null || busy !== null}
          onClick={() => decide.run("deny")}
          title={reason}
        >
          {busy === "deny" ? "Denying…" : own ? "Cancel request" : "Deny"}
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
