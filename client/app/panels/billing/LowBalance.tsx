import { useEffect, useState } from "react";
import type { BillingState } from "../../../../shared/protocol/billing";
import { creditsText } from "../../../../shared/billing-words";
import { useCan, useRoom } from "../../stores/room";
import { useUi } from "../../stores/ui";
import "./billing.css";

/**
 * The banner while the workspace's balance is below its alert's threshold (docs/billing.md):
 * read from the room (`billing.summary`, then every `billing.changed`), so it goes as soon as
 * credits come. Shown to everyone who may read the money; owners and admins also get an inbox
 * item when it first falls below.
 */
export function LowBalance() {
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  const canRead = useCan("read");
  const [state, setState] = useState<BillingState | null>(null);
  useEffect(() => {
    if (!client || status !== "connected" || !canRead) return;
    let live = true;
    client.billing.summary({ groupBy: "purpose" }).then(
      (summary) => live && setState(summary.state),
      () => {},
    );
    const stop = client.on("billing.changed", ({ state: next }) => setState(next));
    return () => {
      live = false;
      stop();
    };
  }, [client, status, canRead]);
  const below = state?.alerts.lowBalance ?? null;
  if (!state || below === null || state.balance >= below) return null;
  const out = state.balance <= 0;
  return (
    <div className={`notice account-notice low-balance${out ? " out" : ""}`} role="status">
      <p>
        <strong>{out ? "The workspace is out of credits." : "Credits are running low."}</strong>{" "}
        {out
          ? "The Autopilot, tasks and instances stop until credits are added."
          : `${creditsText(Math.max(0, state.balance))} left.`}
      </p>
      <button
        type="button"
        className="link"
        onClick={() => {
          useUi.getState().setRightTab("usage");
          useUi.getState().setDrawer("right");
        }}
      >
        Open Billing
      </button>
    </div>
  );
}
