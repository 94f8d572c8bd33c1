import { submitted } from "../../lib/form-submit";
import { useEffect, useState } from "react";
import type { BillingState } from "../../../../shared/protocol/billing";
import { creditsText } from "../../../../shared/billing-words";
import { useAction } from "../../lib/action";
import { FormError } from "../../lib/form-error";
import { useCan, useRoom } from "../../stores/room";

/** "80, 100" as whole percents from 1 to 100 (at most four), or null when it is not that. */
function percentsOf(text: string): number[] | null {
  const parts = text
    .split(/[\s,;%]+/)
    .filter(Boolean)
    .map(Number);
  if (parts.length > 4 || parts.some((p) => !Number.isInteger(p) || p < 1 || p > 100)) return null;
  return [...new Set(parts)].sort((a, b) => a - b);
}

/**
 * When owners and admins are told about the money (protocol 15): each budget as it passes the
 * percents, the balance as it falls below the credits; each once per period, in their inbox
 * (and by mail, push and chats as their notification settings say). Everyone reads them;
 * owners and admins change them.
 */
export function AlertSettings({ state, onSet }: { state: BillingState; onSet: (state: BillingState) => void }) {
  const client = useRoom((s) => s.client);
  const canManage = useCan("admin");
  const saved = state.alerts;
  const [percents, setPercents] = useState(saved.budgetPercents.join(", "));
  const [below, setBelow] = useState(saved.lowBalance === null ? "" : String(saved.lowBalance));
  const key = JSON.stringify(saved);
  useEffect(() => {
    const alerts = JSON.parse(key) as BillingState["alerts"];
    setPercents(alerts.budgetPercents.join(", "));
    setBelow(alerts.lowBalance === null ? "" : String(alerts.lowBalance));
  }, [key]);
  const budgetPercents = percentsOf(percents);
  const lowBalance = below.trim() === "" ? null : Number(below.replace(/[\s,]/g, ""));
  const valid = budgetPercents !== null && (lowBalance === null || (Number.isInteger(lowBalance) && lowBalance >= 0));
  const save = useAction(async () => {
    if (!client || !valid) return;
    const { state: next } = await client.billing.setAlerts({ alerts: { budgetPercents, lowBalance } });
    onSet(next);
    return "Saved.";
  });
  const said =
    `${saved.budgetPercents.length > 0 ? `when a budget reaches ${saved.budgetPercents.map((p) => `${p}%`).join(" and ")}` : "not about budgets"}` +
    `${saved.lowBalance === null ? "" : `, and when the balance falls below ${creditsText(saved.lowBalance)}`}`;
  return (
    <section className="billing-section billing-alerts" aria-labelledby="billing-alerts-h">
      <h3 id="billing-alerts-h">Alerts</h3>
      <p className="muted small">
        Owners and admins are told {said}: once each month, in their inbox and as their notification settings say (mail,
        push, linked chats).
      </p>
      {canManage && (
        <form className="alert-form" onSubmit={submitted(() => save.run())}>
          <label>
            Budgets, at (% used)
            <input
              value={percents}
              onChange={(e) => setPercents(e.target.value)}
              aria-invalid={budgetPercents === null}
            />
          </label>
          <label>
            Balance below (credits)
            <input
              inputMode="numeric"
              value={below}
              placeholder="no balance alert"
              onChange={(e) => setBelow(e.target.value)}
            />
          </label>
          <button type="submit" disabled={!valid || save.pending}>
            Save alerts
          </button>
          {!valid && <p className="hint">Up to four whole percents from 1 to 100, and a whole number of credits.</p>}
          {save.note && <span className="muted small"> {save.note}</span>}
          <FormError error={save.error} />
        </form>
      )}
    </section>
  );
}
