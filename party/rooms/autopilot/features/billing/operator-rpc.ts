import type { BillingState, OperatorBillingState } from "../../../../../shared/protocol/billing";
import type { Actor, Principal } from "../../../../../shared/protocol/principal";
import type { OpContext } from "../../kernel/commit";
import { appendLedger, billingState, creditPeriod, effectivePlan, overReported, setWorkspacePlan } from "./billing";
import { applyPlanNews, keptSubscription, PlanNews, subscriptionHolds, subscriptionLapsed } from "./subscription";
import type { BillingParts } from "./index";

/** Credits from outside the room: an operator's grant, or a top-up paid through Stripe. */
export interface LedgerCredit {
  /** Unique to what is credited (`grant:<uuid>`, `stripe:<checkout session id>`): the same one twice is one entry. */
  id: string;
  kind: "grant" | "topup";
  amount: number;
  note: string;
  /** The operator who granted; null for a top-up (Stripe's word, checked by the Worker). */
  by: Actor | null;
}

/** The room's RPC for the Worker's billing routes (party/api/billing-routes.ts, admin-routes.ts). */
export interface BillingRpc {
  /** The workspace's money as every interface shows it (operators' /admin). */
  billingState(): OperatorBillingState;
  /** Writes the credit unless its id is in the ledger already; `credited` says whether it was now. */
  creditLedger(credit: LedgerCredit): { credited: boolean; state: BillingState };
  /** An operator puts the workspace on one of the configured plans, or (null) lifts their override. */
  setWorkspacePlan(planId: string | null, by: Actor): BillingState;
  /** One of Stripe's signed events about the workspace's plan, as the Worker read it: applied once. */
  applyPlanNews(news: PlanNews): { changed: boolean };
  /** What the Worker needs to change or manage the subscription: null when none holds. */
  planSubscription(): SubscriptionRef | null;
  /** The plan now and the customer Stripe knows the workspace as (the checkout reuses it). */
  planOf(): {
    planId: string;
    maxSeats: number | null;
    planName: string;
    customerId: string | null;
    /** A subscription past its grace that Stripe still retries (subscription.ts `subscriptionLapsed`). */
    lapsed: boolean;
  };
}

export interface SubscriptionRef {
  id: string;
  customerId: string;
  itemId: string | null;
  /** The plan it bills (after a downgrade asked for: the new one). */
  planId: string;
  /** The plan the workspace has now. */
  currentPlanId: string;
  periodEnd: number;
  cancelAtPeriodEnd: boolean;
}

const CREDIT_ID = /^(grant|stripe):[A-Za-z0-9_-]{1,200}$/;

/** The operator as the room's audit log names them (an operator need not be a member). */
const asOperator = (by: Actor): Principal => ({ ...by, scopes: ["admin"] });

/** Checked here too: an RPC argument is a remote value, whoever sends it. */
function validCredit(credit: LedgerCredit): string | null {
  if (!CREDIT_ID.test(credit.id)) return "a credit's id is grant:<id> or stripe:<id>";
  if (credit.kind !== "grant" && credit.kind !== "topup") return "a credit is a grant or a top-up";
  if (!Number.isSafeInteger(credit.amount) || credit.amount <= 0) return "a credit is a positive whole number";
  if (typeof credit.note !== "string" || credit.note.length > 500) return "a credit's note is at most 500 characters";
  return null;
}

/**
 * What the Worker asks of the workspace's money: its state, a credit written once by its id,
 * and the plan. Every change is audited and told, in its commit (`changed`: news.ts).
 */
export function billingRpc(p: BillingParts, changed: (ctx: OpContext) => void): BillingRpc {
  // Operators see what endpoints over-reported too; the workspace's own interfaces do not carry it.
  const operatorsState = (): OperatorBillingState => {
    const now = Date.now();
    return { ...billingState(p.sql, p.config, now), overReported: overReported(p.sql, now) };
  };
  return {
    billingState: operatorsState,
    creditLedger: (credit) => {
      const invalid = validCredit(credit);
      if (invalid) throw new Error(invalid);
      const credited = p.commit(credit.by ? asOperator(credit.by) : null, (ctx) => {
        const written = appendLedger(ctx.sql, {
          id: credit.id,
          at: ctx.now,
          kind: credit.kind,
          amount: credit.amount,
          note: credit.note,
        });
        // The entry's id goes in the details: a Stripe session's is longer than an audit target may be.
        if (!written) return false;
        ctx.audit(`billing.${credit.kind}`, "workspace", { entryId: credit.id, amount: credit.amount });
        changed(ctx);
        return true;
      });
      return { credited, state: operatorsState() };
    },
    setWorkspacePlan: (planId, by) => {
      // Own keys only: a plan id such as "constructor" names something on every object.
      if (planId !== null && !Object.hasOwn(p.config.plans, planId))
        throw new Error(`no plan ${String(planId).slice(0, 40)}`);
      p.commit(asOperator(by), (ctx) => {
        // The month's credits of the plan that held until now, as its state showed them.
        creditPeriod(ctx.sql, p.config, ctx.now);
        setWorkspacePlan(ctx.sql, planId);
        ctx.audit("billing.plan", "workspace", { plan: planId });
        changed(ctx);
      });
      return operatorsState();
    },
    applyPlanNews: (given) => {
      const parsed = PlanNews.safeParse(given);
      if (!parsed.success) throw new Error("not a plan event the Worker reads");
      const applied = p.commit(null, (ctx) => {
        creditPeriod(ctx.sql, p.config, ctx.now);
        const news = applyPlanNews(ctx, p.config, parsed.data, (entry) => {
          const written = appendLedger(ctx.sql, { ...entry, at: ctx.now, kind: "plan" });
          if (written) ctx.audit("billing.plan_credits", "workspace", { entryId: entry.id, amount: entry.amount });
          return written;
        });
        if (news) changed(ctx);
        return news;
      });
      return { changed: applied };
    },
    planSubscription: () => {
      const sub = keptSubscription(p.sql);
      const now = Date.now();
      if (!sub || !subscriptionHolds(sub, now)) return null;
      const { id, customerId, itemId, planId, periodEnd, cancelAtPeriodEnd } = sub;
      const currentPlanId = effectivePlan(p.sql, p.config, now).plan.id;
      return { id, customerId, itemId, planId, currentPlanId, periodEnd, cancelAtPeriodEnd };
    },
    planOf: () => {
      const now = Date.now();
      const { plan } = effectivePlan(p.sql, p.config, now);
      const sub = keptSubscription(p.sql);
      const lapsed = subscriptionLapsed(sub, now);
      return {
        planId: plan.id,
        planName: plan.name,
        maxSeats: plan.maxSeats,
        customerId: sub?.customerId ?? null,
        lapsed,
      };
    },
  };
}
