import { submitted } from "../../lib/form-submit";
import { useId, useState } from "react";
import type { SpendAllowance } from "../../../../shared/protocol/billing";
import { creditsText } from "../../../../shared/billing-words";
import { useAction } from "../../lib/action";
import { CreditsInput } from "../../lib/credits-input";
import { FormError } from "../../lib/form-error";
import { ChoiceSelect } from "../../lib/options";
import { useCan, useRoom } from "../../stores/room";
import { keyChoices, usePrincipalName } from "./names";
import type { BillingEditorProps } from "./use-billing";

/**
 * Spending allowances (protocol 16, docs/billing.md): how much of an agent key's spending an
 * owner or admin lets be approved in their name each month while nobody is there. Listed for
 * everyone who reads the money; set and removed by owners and admins (`billing.setAllowance`).
 */

const MAX = 1_000_000_000_000;

function AllowanceRow({
  allowance,
  name,
  onRemove,
}: {
  allowance: SpendAllowance;
  name: string;
  onRemove: (() => void) | null;
}) {
  return (
    <li className="budget" data-allowance={allowance.principalId}>
      <div className="budget-head">
        <span className="budget-name">{name}</span>
        <span className="muted small">{creditsText(allowance.monthly)} a month</span>
      </div>
      <p className="muted small budget-use">
        {creditsText(allowance.used)} approved this month · {creditsText(allowance.remaining)} left · given by{" "}
        {allowance.setBy.name}
        {onRemove && (
          <button
            type="button"
            className="link small budget-remove"
            onClick={onRemove}
            aria-label={`Remove ${name}'s allowance`}
          >
            Remove
          </button>
        )}
      </p>
    </li>
  );
}

export function Allowances({ state, directory, onSet }: BillingEditorProps) {
  const client = useRoom((s) => s.client);
  const canSet = useCan("admin");
  const name = usePrincipalName(directory);
  const keys = keyChoices(directory);
  const [keyId, setKeyId] = useState("");
  const [credits, setCredits] = useState("");
  const id = useId();
  const chosen = keys.find((k) => k.id === keyId)?.id ?? keys[0]?.id ?? null;
  const save = useAction(async ({ principalId, monthly }: { principalId: string; monthly: number | null }) => {
    if (!client) return;
    if (monthly !== null && (!Number.isInteger(monthly) || monthly < 1 || monthly > MAX))
      throw new Error("Credits must be a whole number, 1 or more.");
    onSet((await client.billing.setAllowance({ principalId, monthly })).state);
    if (monthly !== null) setCredits("");
  });
  if (state.allowances.length === 0 && !canSet) return null;
  return (
    <section className="billing-section" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Spending allowances</h3>
      <p className="muted small">
        An agent key's spend approvals are approved in the name of whoever gave its allowance, up to that much a month,
        while they still manage the workspace. Past it, a person decides.
      </p>
      {state.allowances.length > 0 && (
        <ul className="budget-list" aria-label="Spending allowances">
          {state.allowances.map((a) => (
            <AllowanceRow
              key={a.principalId}
              allowance={a}
              name={name(a.principalId)}
              onRemove={canSet ? () => save.run({ principalId: a.principalId, monthly: null }) : null}
            />
          ))}
        </ul>
      )}
      {canSet && (
        <form
          className="budget-form"
          onSubmit={submitted(() => {
            if (chosen) save.run({ principalId: chosen, monthly: Number(credits) });
          })}
        >
          <div className="budget-form-row">
            <label className="field-label" htmlFor={`${id}-key`}>
              Agent key
            </label>
            <ChoiceSelect id={`${id}-key`} choices={keys} value={chosen} onChange={setKeyId} />
          </div>
          <div className="budget-form-row">
            <label className="field-label" htmlFor={`${id}-credits`}>
              Credits a month
            </label>
            <CreditsInput id={`${id}-credits`} min={1} value={credits} onChange={setCredits} />
            <button type="submit" disabled={save.pending || !chosen}>
              {save.pending ? "Giving…" : "Give allowance"}
            </button>
          </div>
        </form>
      )}
      <FormError error={save.error} />
    </section>
  );
}
