import { submitted } from "../lib/form-submit";
import { useState } from "react";
import { linkDecisionsUpTo } from "../../../shared/approval-policy";
import { Risk } from "../../../shared/protocol/approvals";
import type { ApprovalKind, ApprovalLifetimes } from "../../../shared/protocol/settings";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { useCan, useRoom } from "../stores/room";
import { ReminderLadderSettings } from "./ReminderLadderSettings";

/**
 * The workspace's approval policy (protocol 8): who decides, how long each kind of approval
 * waits, and whom the room reminds while nobody decides (ReminderLadderSettings). Room data, so it is read from the room's state and changed with
 * `settings.update`; everyone's dialog follows the `settings.changed` event.
 */

const HOUR = 60 * 60 * 1000;
const KINDS: { kind: ApprovalKind; label: string; builtIn: string }[] = [
  { kind: "instance", label: "OpenClaw instance operations", builtIn: "24 h" },
  {
    kind: "tool",
    label: "The Autopilot's tool calls",
    builtIn: "the room's default (24 h unless the operator changed it)",
  },
  { kind: "gateway", label: "OpenClaw commands and pairings", builtIn: "as long as the gateway gives them" },
  { kind: "request", label: "Agents' requests", builtIn: "what the agent asked for (else no expiry)" },
];
const MAX_HOURS = 30 * 24;

const hoursText = (ms: number | null) => (ms === null ? "" : String(Math.round((ms / HOUR) * 100) / 100));

function Lifetime({
  kind,
  label,
  builtIn,
  value,
  editable,
}: {
  kind: ApprovalKind;
  label: string;
  builtIn: string;
  value: number | null;
  editable: boolean;
}) {
  const client = useRoom((s) => s.client);
  const [draft, setDraft] = useState<string | null>(null);
  const save = useAction(async () => {
    if (!client || draft === null) return;
    const text = draft.trim();
    const hours = text === "" ? null : Number(text);
    if (hours !== null && (!Number.isFinite(hours) || hours < 1 / 60 || hours > MAX_HOURS))
      throw new Error(`Enter between one minute (0.02) and ${MAX_HOURS} hours, or leave it empty for the default.`);
    await client.settings.update({
      approvals: {
        lifetimes: { [kind]: hours === null ? null : Math.round(hours * HOUR) } as Partial<ApprovalLifetimes>,
      },
    });
    setDraft(null);
  });
  const id = `lifetime-${kind}`;
  return (
    <li>
      <label htmlFor={id}>{label}</label>
      {editable ? (
        <form className="inline-form" onSubmit={submitted(() => save.run())}>
          <input
            id={id}
            type="number"
            min={0.02}
            max={MAX_HOURS}
            step="any"
            inputMode="decimal"
            placeholder={builtIn}
            value={draft ?? hoursText(value)}
            onChange={(e) => setDraft(e.target.value)}
            aria-describedby={`${id}-unit`}
          />
          <span id={`${id}-unit`} className="muted small">
            hours
          </span>
          {draft !== null && (
            <button type="submit" className="small" disabled={save.pending}>
              {save.pending ? "Saving…" : "Save"}
            </button>
          )}
        </form>
      ) : (
        <span className="muted small">{value === null ? builtIn : `${hoursText(value)} h`}</span>
      )}
      <FormError error={save.error} />
    </li>
  );
}

export function ApprovalPolicySettings() {
  const client = useRoom((s) => s.client);
  const policy = useRoom((s) => s.state.settings.approvals);
  const editable = useCan("admin");
  const toggle = useAction(async (twoPersonRule: boolean) => {
    await client?.settings.update({ approvals: { twoPersonRule } });
  });
  return (
    <section aria-labelledby="approval-policy-h">
      <h3 id="approval-policy-h">Approvals</h3>
      <p className="muted small">
        {policy.twoPersonRule
          ? "Two-person rule: whoever asked for an approval — or on whose behalf the Autopilot or an agent asked — cannot decide it; another person with the approve scope does."
          : "Whoever asked for an approval may confirm it themselves with one explicit click, recorded as self-confirmed in the audit log. Agents never decide an approval that lets the room act."}
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={toggle.running ?? policy.twoPersonRule}
          disabled={!editable || toggle.pending}
          onChange={(e) => toggle.run(e.target.checked)}
        />
        Require a second person (two-person rule)
      </label>
      {!editable && <p className="hint">Only owners and admins change the approval policy.</p>}
      <FormError error={toggle.error} />
      <LinkDecisions />
      <h4>How long approvals wait</h4>
      <ul className="rows lifetimes">
        {KINDS.map((k) => (
          <Lifetime key={k.kind} {...k} value={policy.lifetimes[k.kind]} editable={editable} />
        ))}
      </ul>
      <ReminderLadderSettings />
    </section>
  );
}

/**
 * Protocol 19: up to which risk an approval's mail link and its notification's Approve / Deny
 * decide without the person signing in (docs/access.md, "From a mail or a notification").
 */
function LinkDecisions() {
  const client = useRoom((s) => s.client);
  const limit = useRoom((s) => linkDecisionsUpTo(s.state.settings.approvals));
  const editable = useCan("admin");
  const change = useAction(async (linkDecisionsUpTo: Risk) => {
    await client?.settings.update({ approvals: { linkDecisionsUpTo } });
  });
  return (
    <>
      <h4 id="link-decisions-h">Deciding from a mail or a notification</h4>
      <p className="muted small" id="link-decisions-hint">
        An approval's mail link, and its notification's Approve and Deny, decide on their own up to this risk. A riskier
        approval asks the person to sign in first, so a forwarded mail decides nothing.
      </p>
      <label className="field-label" htmlFor="link-decisions">
        Without signing in, up to
      </label>
      <select
        id="link-decisions"
        value={change.running ?? limit}
        disabled={!editable || change.pending}
        aria-describedby="link-decisions-hint"
        onChange={(e) => change.run(Risk.parse(e.target.value))}
      >
        {Risk.options.map((risk) => (
          <option key={risk} value={risk}>
            {`${risk} risk`}
          </option>
        ))}
      </select>
      <FormError error={change.error} />
    </>
  );
}
