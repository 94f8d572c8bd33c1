// The workspace's money as news on the room's bus (kernel/commit.ts): every commit that changes
// it tells `billing.changed` with the state after the change, and the features that follow the
// money react to it (readers' clients, the alerts here, the instances' meters); the alerts that
// stand, when they change, are told as `billing.alerts` (the inbox, the linked chats).
import type { BillingState } from "../../../../../shared/protocol/billing";
import type { OpContext } from "../../kernel/commit";
import type { RoomServices } from "../../kernel/services";
import { newCrossings, recordCrossings, type StandingAlert, standingAlerts } from "./alerts";
import { billingState, creditPeriod } from "./billing";
import type { BillingConfig } from "./config";

declare module "../../kernel/feature" {
  interface RoomNews {
    /** The workspace's money changed: its whole state after the change (readers' clients get it as `billing.changed`). */
    "billing.changed": { state: BillingState };
    /** The money alerts that stand changed: a threshold crossed, or one the state no longer shows. */
    "billing.alerts": { alerts: StandingAlert[] };
  }
}

/**
 * Tells the room's features that the money changed, in the commit that changed it. Told last
 * in the commit, so the state it carries has the change (the bus hears the last one told). The
 * month's plan credits are written in it if no commit of the month has yet (`creditPeriod`), so
 * the ledger a money commit leaves holds what its state shows.
 */
export function tellChanged(ctx: OpContext, config: BillingConfig): void {
  creditPeriod(ctx.sql, config, ctx.now);
  ctx.tell("billing.changed", { state: billingState(ctx.sql, config, ctx.now) });
}

/**
 * The alerts' reaction to `billing.changed`: a threshold the state shows crossed for the first
 * time this period is recorded, and when the alerts that stand are not those told last (a
 * crossing, or a raise, a top-up or a threshold changed took one away) they are told.
 */
export function followAlerts(s: Pick<RoomServices, "sql" | "commit">): (state: BillingState) => void {
  let standing = "";
  const keys = (alerts: StandingAlert[]) => alerts.map((alert) => alert.key).join("\n");
  return (state) => {
    const fresh = newCrossings(s.sql, state, state.alerts);
    // The common case (nothing new, after every model call) writes nothing.
    if (fresh.length === 0 && keys(standingAlerts(s.sql, Date.now())) === standing) return;
    standing = s.commit(null, (ctx) => {
      if (fresh.length > 0) recordCrossings(ctx.sql, fresh, state.period.start, ctx.now);
      const alerts = standingAlerts(ctx.sql, ctx.now);
      ctx.tell("billing.alerts", { alerts });
      return keys(alerts);
    });
  };
}
