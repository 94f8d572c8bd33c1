import { type FormEvent, useId, useState } from "react";
import type { ApprovalFigures } from "../../../shared/protocol/approvals";
import type { BillingState, OperatorBillingState } from "../../../shared/protocol/billing";
import { useAction } from "../lib/action";
import { CreditsInput } from "../lib/credits-input";
import { type AdminWorkspace, adminApi } from "../lib/api";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { AdminTable } from "./AdminTable";
import { Options } from "../lib/options";
import { ApprovalFiguresCell, readApprovalFigures } from "./WorkspaceApprovals";
import { useWorkspaceBatches } from "./workspace-batches";

/**
 * `/admin`'s workspaces with their money (plan, balance and this period's spending) and how
 * their approvals reached people, read from each workspace's room a batch at a time; an
 * operator sets the plan and grants credits by hand (with why, which the ledger keeps with the
 * operator's name).
 */

type Plan = { id: string; name: string; includedCredits: number };
/** A workspace's money as /admin has it: the list carries what endpoints over-reported, a grant's or a plan's answer does not. */
type AdminBilling = BillingState & Partial<Pick<OperatorBillingState, "overReported">>;

const number = new Intl.NumberFormat("en-US");
const credits = (n: number) => number.format(n);

const created = (at: string | number) => {
  const time = new Date(at).getTime();
  return Number.isNaN(time) ? "—" : <time dateTime={new Date(time).toISOString()}>{relativeTime(time)}</time>;
};

function GrantForm({
  workspace,
  onGranted,
  onClose,
}: {
  workspace: AdminWorkspace;
  onGranted: (state: AdminBilling) => void;
  onClose: () => void;
}) {
  const [amount, setAmount] = useState("");
  const [note, setNote] = useState("");
  const amountId = useId();
  // One id per grant meant: sent again after a lost answer, it is still one grant.
  const [requestId, setRequestId] = useState(() => crypto.randomUUID());
  const grant = useAction(async () => {
    const { state, credited } = await adminApi.grant(workspace.id, { credits: Number(amount), note, requestId });
    onGranted(state);
    setRequestId(crypto.randomUUID());
    setAmount("");
    setNote("");
    return credited ? `Granted ${credits(Number(amount))} credits.` : "That grant was already made.";
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    grant.run();
  };
  return (
    <form className="admin-grant" onSubmit={submit} aria-label={`Grant credits to ${workspace.name}`}>
      <label htmlFor={amountId}>
        Credits
        <CreditsInput
          id={amountId}
          min={1}
          value={amount}
          onChange={setAmount}
          label={`Credits to grant to ${workspace.name}`}
        />
      </label>
      <label className="admin-grant-note">
        Why
        <input
          type="text"
          required
          maxLength={200}
          value={note}
          placeholder="e.g. pilot customer, refund for an outage"
          onChange={(e) => setNote(e.target.value)}
          aria-label={`Why grant credits to ${workspace.name}`}
        />
      </label>
      <button type="submit" className="primary" disabled={grant.pending}>
        {grant.pending ? "Granting…" : "Grant"}
      </button>
      <button type="button" onClick={onClose}>
        Close
      </button>
      {grant.note && (
        <p className="muted" role="status">
          {grant.note}
        </p>
      )}
      <FormError error={grant.error} />
    </form>
  );
}

function WorkspaceRow({
  workspace,
  state,
  approvals,
  plans,
  onChanged,
}: {
  workspace: AdminWorkspace;
  state: AdminBilling | null | undefined;
  approvals: ApprovalFigures | null | undefined;
  plans: Plan[];
  onChanged: (state: AdminBilling) => void;
}) {
  const [granting, setGranting] = useState(false);
  const setPlan = useAction(async (plan: string) => onChanged((await adminApi.setPlan(workspace.id, plan)).state));
  const unknown = state === null ? "—" : "…";
  return (
    <>
      <tr data-testid={`admin-workspace-${workspace.slug}`}>
        <td>{workspace.name}</td>
        <td>{workspace.members}</td>
        <td>
          {state ? (
            <select
              value={state.plan.id}
              disabled={setPlan.pending}
              onChange={(e) => setPlan.run(e.target.value)}
              aria-label={`Plan of ${workspace.name}`}
            >
              <Options
                items={plans}
                value={(plan) => plan.id}
                label={(plan) => `${plan.name} (${credits(plan.includedCredits)} a month)`}
              />
            </select>
          ) : (
            unknown
          )}
          <FormError error={setPlan.error} />
        </td>
        <td className="admin-number" data-testid="balance">
          {state ? credits(state.balance) : unknown}
        </td>
        <td className="admin-number" data-testid="period-used">
          {state ? credits(state.periodUsed) : unknown}
          {state?.overReported && state.overReported.credits > 0 && (
            <div className="muted small" data-testid="over-reported">
              Not charged: {credits(state.overReported.credits)} that model endpoints reported beyond what{" "}
              {state.overReported.calls === 1 ? "one call" : `${credits(state.overReported.calls)} calls`} could use
            </div>
          )}
        </td>
        <ApprovalFiguresCell figures={approvals} />
        <td>{created(workspace.createdAt)}</td>
        <td>
          <div className="admin-actions">
            <button
              type="button"
              aria-expanded={granting}
              onClick={() => setGranting((open) => !open)}
              aria-label={`Grant credits to ${workspace.name}`}
            >
              Grant credits
            </button>
          </div>
        </td>
      </tr>
      {granting && (
        <tr className="admin-grant-row">
          <td colSpan={8}>
            <GrantForm workspace={workspace} onGranted={onChanged} onClose={() => setGranting(false)} />
          </td>
        </tr>
      )}
    </>
  );
}

/** A batch of workspaces' money, as `useWorkspaceBatches` reads it; the plans come with every batch. */
const readBilling = (onPlans: (plans: Plan[]) => void) => async (ids: string[]) => {
  const answer = await adminApi.billing(ids);
  onPlans(answer.plans);
  return answer.workspaces.map((w) => ({ workspaceId: w.workspaceId, value: w.state as AdminBilling | null }));
};

export function Workspaces({ workspaces }: { workspaces: AdminWorkspace[] }) {
  const [plans, setPlans] = useState<Plan[]>([]);
  const [billing, setBilling, loadError] = useWorkspaceBatches(workspaces, readBilling(setPlans));
  const [approvals, , approvalsError] = useWorkspaceBatches(workspaces, readApprovalFigures);
  const changed = (workspaceId: string) => (state: AdminBilling) =>
    setBilling((known) => ({ ...known, [workspaceId]: state }));
  return (
    <section className="admin-section" aria-labelledby="admin-workspaces">
      <h2 id="admin-workspaces">
        Workspaces <span className="count">{workspaces.length}</span>
      </h2>
      <FormError error={loadError} />
      <FormError error={approvalsError && `Could not read the approval figures: ${approvalsError}`} />
      <AdminTable
        columns={[
          "Name",
          "Members",
          "Plan",
          { number: "Balance" },
          { number: "Used this month" },
          "Approvals",
          "Created",
        ]}
      >
        {workspaces.map((w) => (
          <WorkspaceRow
            key={w.id}
            workspace={w}
            state={billing[w.id]}
            approvals={approvals[w.id]}
            plans={plans}
            onChanged={changed(w.id)}
          />
        ))}
      </AdminTable>
    </section>
  );
}
