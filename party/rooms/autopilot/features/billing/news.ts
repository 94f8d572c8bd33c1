// The workspace's money as news on the room's bus (kernel/commit.ts): every commit that changes
// it tells `billing.changed`, and the features that follow the money react to it (readers'
// clients, the alerts here, the instances' meters); the alerts that stand, when they change,
// are told as `billing.alerts` (the inbox, the linked chats).
import type { BillingState } from "../../../../../shared/protocol/billing";
import type { OpContext } from "../../kernel/commit";
import type { RoomServices } from "../../kernel/services";
import { newCrossings, recordCrossings, type StandingAlert, standingAlerts } from "./alerts";
import { billingState, creditPeriod, type MoneyNow, moneyNow } from "./billing";
import type { BillingConfig } from "./config";

/**
 * The money after a change, read when a hearer first asks: the bus tells news once the burst's
 * commits all went out, so what is read then is the state the burst left (every commit that
 * changes the money tells this news, and the bus hears the one told last). A hearer that needs
 * only the money's figures reads `money`, and the whole state is read only by one that needs it
 * (the readers' clients, at most once a window).
 */
export interface BillingNews {
  /** The whole state (what readers' clients get as `billing.changed`). */
  readonly state: BillingState;
  /** The balance, the budgets, the period and the alerts' thresholds, as `state` has them. */
  readonly money: MoneyNow;
}

declare module "../../kernel/feature" {
  interface RoomNews {
    /** The workspace's money changed: its state after the change, read when first asked. */
    "billing.changed": BillingNews;
    /** The money alerts that stand changed: a threshold crossed, or one the state no longer shows. */
    "billing.alerts": { alerts: StandingAlert[] };
  }
}

/** Each part read once, on first use, at the time of the commit that told it. */
function billingNews(ctx: OpContext, config: BillingConfig): BillingNews {
  const { sql, now } = ctx;
  let state: BillingState | undefined;
  let money: MoneyNow | undefined;
  return {
    get state() {
      state ??= billingState(sql, config, now);
      return state;
    },
    get money() {
      money ??= state ?? moneyNow(sql, config, now);
      return money;
    },
  };
}

/**
 * Tells the room's features that the money changed, in the commit that changed it (what they
 * read of it is read once the burst went out: `BillingNews`). The
 * month's plan credits are written in it if no commit of the month has yet (`creditPeriod`), so
 * the ledger a money commit leaves holds what its state shows.
 */
export function tellChanged(ctx: OpContext, config: BillingConfig): void {
  creditPeriod(ctx.sql, config, ctx.now);
  ctx.tell("billing.changed", billingNews(ctx, config));
}

/**
 * The alerts' reaction to `billing.changed`: a threshold the state shows crossed for the first
 * time this period is recorded, and when the alerts that stand are not those told last (a
 * crossing, or a raise, a top-up or a threshold changed took one away) they are told.
 */
export function followAlerts(s: Pick<RoomServices, "sql" | "commit">): (state: MoneyNow) => void {
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
