import { useState } from "react";
import type { BillingState, OfferedPlan } from "../../../../shared/protocol/billing";
import { creditsText } from "../../../../shared/billing-words";
import { useAction } from "../../lib/action";
import { billingApi } from "../../lib/api";
import { FormError } from "../../lib/form-error";
import { useCan, useRoom } from "../../stores/room";

/**
 * The plan (protocol 16, docs/billing.md): what the workspace is on and why, and the plans on
 * offer, which owners and admins choose themselves. A first plan goes through Stripe's
 * Checkout; a change is an upgrade at once or a downgrade at the period's end, which says what
 * stops then. The card, invoices and cancellation are Stripe's portal. What the panel shows is
 * the room's state: a choice shows once Stripe has confirmed it.
 */

const day = (at: number) =>
  new Date(at).toLocaleDateString("en-US", { month: "long", day: "numeric", year: "numeric" });
const limit = (n: number | null, one: string, many: string) =>
  n === null ? `no limit on ${many}` : `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** Where the plan comes from, and what happens next, in words. */
function PlanStatus({ state }: { state: BillingState }) {
  const sub = state.subscription;
  if (state.planSource === "operator") return <p className="muted small">Set by an operator of this server.</p>;
  if (!sub) return null;
  return (
    <>
      {sub.paymentFailed ? (
        <p className="billing-warning" role="status">
          The last payment failed. Update the card with “Manage card and invoices” by{" "}
          {day(sub.paymentFailed.graceUntil)}: after that the workspace has the default plan's limits.
        </p>
      ) : sub.endsAt ? (
        <p className="muted small">
          Cancelled: it ends on {day(sub.endsAt)}, then the workspace is on the default plan.
        </p>
      ) : sub.next ? (
        <p className="muted small">
          Moves to {sub.next.name} on {day(sub.next.at)}; {state.plan.name} until then.
        </p>
      ) : (
        <p className="muted small">Billed monthly through Stripe; renews on {day(sub.periodEnd)}.</p>
      )}
    </>
  );
}

/** What stops when the workspace moves to `plan`: instances over its limit, and its seats. */
function whatStops(plan: OfferedPlan, running: number): string {
  const parts: string[] = [];
  if (plan.maxInstances !== null && running > plan.maxInstances)
    parts.push(
      `${running - plan.maxInstances} of the ${running} running instances must be stopped before another can start`,
    );
  if (plan.maxSeats !== null) parts.push(`no one new joins past ${limit(plan.maxSeats, "seat", "seats")}`);
  return parts.length > 0 ? ` Then ${parts.join("; ")}.` : "";
}

export function Plans({ state }: { state: BillingState }) {
  const workspaceId = useRoom((s) => s.workspaceId);
  const running = useRoom(
    (s) =>
      [...s.state.instances.values()].filter((i) => ["provisioning", "starting", "ready"].includes(i.status)).length,
  );
  const canChoose = useCan("admin");
  const [said, setSaid] = useState<string | null>(null);
  const subscribed = state.subscription;
  const current = state.plans.find((p) => p.id === subscribed?.plan.id) ?? null;
  const choose = useAction(async (plan: OfferedPlan) => {
    if (!workspaceId) return;
    const answer = await billingApi.choosePlan(workspaceId, plan.id);
    if ("url" in answer) {
      window.location.assign(answer.url);
      return;
    }
    setSaid(
      answer.change === "now"
        ? `${plan.name} from now on: Stripe charges the rest of this month's difference. It shows here once Stripe confirms it.`
        : `${plan.name} from ${day(answer.at ?? subscribed?.periodEnd ?? Date.now())}.${whatStops(plan, running)}`,
    );
  });
  const manage = useAction(async () => {
    if (!workspaceId) return;
    window.location.assign((await billingApi.portal(workspaceId)).url);
  });
  if (state.plans.length === 0 && !subscribed) return null;
  const cheaper = (plan: OfferedPlan) =>
    current !== null && plan.id !== current.id && plan.includedCredits < current.includedCredits;
  return (
    <section className="billing-section billing-plans" aria-labelledby="billing-plans-h">
      <h3 id="billing-plans-h">Plan</h3>
      <PlanStatus state={state} />
      <ul className="plan-list">
        {state.plans.map((plan) => {
          const isCurrent = subscribed !== null && !subscribed.endsAt && subscribed.plan.id === plan.id;
          return (
            <li key={plan.id} className={`plan${state.plan.id === plan.id ? " plan-current" : ""}`} data-plan={plan.id}>
              <div className="plan-head">
                <strong>{plan.name}</strong> <span className="muted">{plan.price}</span>
              </div>
              <p className="small">
                {creditsText(plan.includedCredits)} each month · {limit(plan.maxInstances, "instance", "instances")} ·{" "}
                {limit(plan.maxSeats, "seat", "seats")}
              </p>
              {canChoose &&
                (isCurrent ? (
                  <span className="chip">Your plan</span>
                ) : (
                  <button
                    type="button"
                    disabled={choose.pending}
                    onClick={() => choose.run(plan)}
                    aria-label={`Choose the ${plan.name} plan`}
                    title={
                      cheaper(plan) && subscribed
                        ? `From ${day(subscribed.periodEnd)}.${whatStops(plan, running)}`
                        : undefined
                    }
                  >
                    {choose.running === plan ? "Opening…" : subscribed && !subscribed.endsAt ? "Switch" : "Choose"}
                  </button>
                ))}
            </li>
          );
        })}
      </ul>
      {said && (
        <p className="billing-note" role="status">
          {said}
        </p>
      )}
      {canChoose && subscribed && (
        <button type="button" className="link small" disabled={manage.pending} onClick={() => manage.run()}>
          {manage.pending ? "Opening Stripe…" : "Manage card and invoices"}
        </button>
      )}
      {!canChoose && <p className="muted small">Owners and admins choose the plan.</p>}
      <FormError error={choose.error ?? manage.error} />
    </section>
  );
}
