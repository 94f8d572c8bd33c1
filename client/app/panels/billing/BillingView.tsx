import { useMemo, useState } from "react";
import type { z } from "zod";
import type { BillingState, SpendGroup } from "../../../../shared/protocol/billing";
import { creditsText, periodDays, periodName, purposeLabel, tokensText } from "../../../../shared/billing-words";
import { useAction } from "../../lib/action";
import { billingApi } from "../../lib/api";
import { downloadText } from "../../lib/download";
import { FormError } from "../../lib/form-error";
import { type Grouped, GroupTable } from "../../lib/group-table";
import { useCan, useRoom } from "../../stores/room";
import { UsageView } from "../Usage";
import { AlertSettings } from "./AlertSettings";
import { Allowances } from "./Allowances";
import { Budgets } from "./Budgets";
import { InstanceHoursSection } from "./InstanceHours";
import { Plans } from "./Plans";
import { rollupsCsv } from "./rollups-csv";
import { useCheckoutOutcome } from "./checkout-return";
import { DayChart } from "./DayChart";
import { useDirectory, usePrincipalName } from "./names";
import { Receipts } from "./Receipts";
import { useBilling } from "./use-billing";
import "./billing.css";

/**
 * The Billing panel (protocol 10): the one place for the workspace's money. Its balance and
 * plan, this month's spending by what and by who and per day, the budgets (set here by owners
 * and admins), receipts, and buying credits when the operator offers top-ups; below, the
 * Autopilot's model calls in tokens and time. Live: `billing.changed` replaces what it shows.
 */

const number = new Intl.NumberFormat("en-US");

function SpendTable({ caption, column, groups, name }: Grouped<z.infer<typeof SpendGroup>>) {
  const total = groups.reduce((sum, g) => sum + g.credits, 0);
  return (
    <GroupTable
      className="spend-table"
      caption={caption}
      columns={[column, "Credits"]}
      groups={groups}
      empty="nothing spent yet"
      row={(g) => (
        <tr key={g.key ?? "-"} data-key={g.key ?? ""}>
          <th scope="row" title={`${tokensText(g.inputTokens)} in, ${tokensText(g.outputTokens)} out`}>
            <span className="spend-name">{name(g.key)}</span>
            <span className="spend-share" aria-hidden="true">
              <span style={{ width: `${total > 0 ? (g.credits / total) * 100 : 0}%` }} />
            </span>
          </th>
          <td>{number.format(g.credits)}</td>
        </tr>
      )}
    />
  );
}

/** Buying credits through Stripe's hosted checkout: owners and admins, when the operator offers it. */
function TopUps({ state }: { state: BillingState }) {
  const workspaceId = useRoom((s) => s.workspaceId);
  const canBuy = useCan("admin");
  const buy = useAction(async (credits: number) => {
    if (!workspaceId) return;
    const { url } = await billingApi.checkout(workspaceId, credits);
    window.location.assign(url);
  });
  if (!state.topUps) return null;
  if (!canBuy) return <p className="muted small">Owners and admins can buy more credits here.</p>;
  return (
    <fieldset className="top-ups">
      <legend className="sr-only">Top up</legend>
      {state.topUpOptions.map((option) => (
        <button
          key={option.credits}
          type="button"
          className="top-up"
          disabled={buy.pending}
          onClick={() => buy.run(option.credits)}
        >
          {buy.running === option.credits ? "Opening checkout…" : `Top up ${number.format(option.credits)}`}
          <span className="muted small"> {option.price}</span>
        </button>
      ))}
      <FormError error={buy.error} />
    </fieldset>
  );
}

/** Usage in tokens and time (usage.list), read only when opened. */
function ModelCalls() {
  const [open, setOpen] = useState(false);
  return (
    <details className="billing-section billing-model-calls" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>The Autopilot's model calls: tokens and time</summary>
      {open && <UsageView />}
    </details>
  );
}

const OUTCOME_WORDS = {
  paid: "Thank you: the credits are added here as soon as Stripe confirms the payment.",
  subscribed: "Thank you: the plan and its credits show here as soon as Stripe confirms the payment.",
  managed: "Back from Stripe: changes made there show here as soon as Stripe tells the server.",
  cancelled: "Checkout was cancelled: nothing was charged.",
} as const;

/** What Stripe's checkout came back with: paid credits arrive once Stripe tells the server. */
function CheckoutOutcomeNote() {
  const { outcome, dismiss } = useCheckoutOutcome();
  if (!outcome) return null;
  return (
    <p className={`billing-note${outcome === "cancelled" ? " muted" : ""}`} role="status">
      {OUTCOME_WORDS[outcome]}{" "}
      <button type="button" className="link small" onClick={dismiss}>
        Dismiss
      </button>
    </p>
  );
}

export function BillingView() {
  const billing = useBilling();
  const canManage = useCan("admin");
  const directory = useDirectory(canManage);
  const principalName = usePrincipalName(directory);
  const projects = useRoom((s) => s.state.projects);
  const instances = useRoom((s) => s.state.instances);
  const projectName = (key: string | null) => (key === null ? "No project" : (projects.get(key)?.name ?? key));
  const instanceName = (key: string | null) => (key === null ? "Not an instance" : (instances.get(key)?.name ?? key));
  const { state } = billing;
  const days = useMemo(() => (state ? periodDays(state.period, billing.byDay) : []), [state, billing.byDay]);
  const today = new Date().toISOString().slice(0, 10);
  return (
    <section className="billing-view" aria-labelledby="billing-h">
      <div className="billing-head">
        <h2 id="billing-h">Billing</h2>
        {state && <span className="chip">{state.plan.name} plan</span>}
      </div>
      <CheckoutOutcomeNote />
      <FormError error={billing.error} />
      {!state ? (
        !billing.error && <p className="muted">Reading the workspace's credits…</p>
      ) : (
        <>
          <div className={`billing-balance${state.balance <= 0 ? " empty" : ""}`}>
            <p>
              <span className="billing-balance-number" data-testid="billing-balance">
                {number.format(state.balance)}
              </span>{" "}
              credits left
            </p>
            <p className="muted small">
              {state.plan.name}: {creditsText(state.plan.includedCredits)}{" "}
              {state.planSource === "subscription" ? "with each paid month" : "at the start of each month"} (unused ones
              carry over).
            </p>
          </div>
          {state.balance <= 0 && (
            <p className="billing-warning" role="status">
              Out of credits: the Autopilot and tasks stop before their next model call until credits are added.
            </p>
          )}
          <TopUps state={state} />
          <Plans state={state} />
          <section className="billing-section" aria-labelledby="billing-month-h">
            <h3 id="billing-month-h">
              {periodName(state.period)}: <span data-testid="billing-period-used">{creditsText(state.periodUsed)}</span>{" "}
              spent
            </h3>
            <DayChart days={days} today={today} />
            <SpendTable caption="By what" column="What" groups={billing.byPurpose} name={purposeLabel} />
            <SpendTable caption="By who" column="Started by" groups={billing.byPrincipal} name={principalName} />
            {billing.byProject.some((g) => g.key !== null) && (
              <SpendTable caption="By project" column="Project" groups={billing.byProject} name={projectName} />
            )}
            {billing.byInstance.some((g) => g.key !== null) && (
              <SpendTable caption="By instance" column="Instance" groups={billing.byInstance} name={instanceName} />
            )}
            <button
              type="button"
              className="link small"
              onClick={() =>
                downloadText(
                  `billing-${state.period.start ? new Date(state.period.start).toISOString().slice(0, 7) : "month"}.csv`,
                  rollupsCsv(periodName(state.period), [
                    { by: "what", groups: billing.byPurpose, name: purposeLabel },
                    { by: "who", groups: billing.byPrincipal, name: principalName },
                    { by: "project", groups: billing.byProject, name: projectName },
                    { by: "instance", groups: billing.byInstance, name: instanceName },
                    { by: "day", groups: billing.byDay, name: (key) => key ?? "" },
                  ]),
                  "text/csv;charset=utf-8",
                )
              }
            >
              Download these as CSV
            </button>
          </section>
          <InstanceHoursSection />
          <Budgets state={state} directory={directory} onSet={billing.replaceState} />
          <Allowances state={state} directory={directory} onSet={billing.replaceState} />
          <AlertSettings state={state} onSet={billing.replaceState} />
          <Receipts changes={billing.changes} />
          <ModelCalls />
        </>
      )}
    </section>
  );
}
