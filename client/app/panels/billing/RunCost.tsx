import { useEffect, useState } from "react";
import { creditsText, entryWhat } from "../../../../shared/billing-words";
import { FormError } from "../../lib/form-error";
import { useRoom } from "../../stores/room";
import { useRunEntries } from "./Receipts";
import "./billing.css";

/**
 * What a run cost (its receipts, `billing.entries {runId}`), under its log: the total in the
 * summary, each entry when opened. While the run goes on it is read again after each change
 * of the ledger; a finished run's receipts do not change.
 */
export function RunCost({ runId, live }: { runId: string; live: boolean }) {
  const client = useRoom((s) => s.client);
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    if (!client || !live) return;
    return client.on("billing.changed", () => setChanges((n) => n + 1));
  }, [client, live]);
  const { entries, cut, error, spent } = useRunEntries(runId, changes);
  return (
    <details className="run-cost">
      <summary>
        Cost: <strong>{entries ? creditsText(spent) : "…"}</strong>
        {entries && (
          <span className="muted small">
            {" "}
            · {entries.length} {entries.length === 1 ? "receipt" : "receipts"}
          </span>
        )}
      </summary>
      <FormError error={error} />
      <ol className="receipt-list" aria-label="The run's receipts">
        {entries?.map((e) => (
          <li key={e.id} className="receipt">
            <span className="receipt-what">{entryWhat(e)}</span>
            <span className="receipt-amount">{e.amount.toLocaleString("en-US")}</span>
          </li>
        ))}
      </ol>
      {cut && <p className="muted small">The oldest receipts are left out here.</p>}
    </details>
  );
}
