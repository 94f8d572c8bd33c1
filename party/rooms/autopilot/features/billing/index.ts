import { type BillingConfig, readBillingConfig } from "./config";
import { RoomError } from "../../../../domain/errors";
import {
  applySpendApproval,
  billingState,
  effectivePlan,
  budgetLimit,
  ledgerEntries,
  releaseFittingSpend,
  setAlertSettings,
  setBudget,
  spendApprovals,
  spendGroups,
  unraisedSpendApprovals,
} from "./billing";
import { defineFeature } from "../../kernel/feature";
import { SpendGate } from "./spend-gate";
import { type BillingNews, followAlerts, tellChanged } from "./news";
import { allowanceApprover, recheckAllowances, recordAllowanceUse, setAllowance } from "./allowances";
import { methods, mutate, paged, query } from "../../kernel/handlers";
import type { OpContext, RoomWriter } from "../../kernel/commit";
import type { EventName, EventPayload } from "../../../../../shared/protocol/events";
import type { BudgetScope } from "../../../../../shared/protocol/billing";
import { latestWindow } from "../../../../domain/latest-window";
import type { CurrentAccess } from "../../kernel/services";
import type { Sql } from "../../../../domain/sql";

import { type BillingRpc, billingRpc } from "./operator-rpc";

export type { BillingRpc, LedgerCredit } from "./operator-rpc";

// What other features use of this one.
export { appendLedger, balanceOf, creditedBalance, readMeter, workspacePlan, writeMeter } from "./billing";
export { type BillingConfig, modelPrice, periodOf, tokenCost } from "./config";
export type { CallEnd, Reservation, SpendGate, SpendSubject, SpendVerdict } from "./spend-gate";
export { inputTokenBound, reportedTokens, utf8Bytes } from "./token-bound";
export { joinedSpend, sharedSpendApproval, spendAsk, spendWaiters } from "./spend-asks";
export { type StandingAlert, standingAlerts } from "./alerts";
export { median, TYPICAL_CALL_GUESS, typicalCallCost, typicalRunCost } from "./typical";

export interface BillingParts extends RoomWriter {
  config: BillingConfig;
  /** An event to every socket whose principal may read the workspace (the money is not for a write-only key). */
  toReaders<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

/** Why a budget's change lets waiting work go on, in words: "Ana raised the budget to 500 credits". */
function budgetChange(name: string, before: number | null, after: number | null): string {
  if (after === null) return `${name} removed the budget`;
  const verb = before === null || after < before ? "set" : "raised";
  return `${name} ${verb} the budget to ${after.toLocaleString("en-US")} credits`;
}

/**
 * `billing.setBudget`'s prepare: a key's budget is set only for a key of this workspace that
 * may act in it, read from D1 (another workspace's key, or one revoked, is `not_found`).
 * Removing one needs no key: a budget left by a key that is gone can still be removed.
 */
function keyOfThisWorkspace(
  currentAccess: CurrentAccess,
  params: { scope: BudgetScope; subjectId?: string | undefined; limit: number | null },
): Promise<() => void> | undefined {
  const keyId = params.subjectId;
  if (params.scope !== "key" || params.limit === null || !keyId) return undefined;
  return currentAccess({ id: keyId, kind: "agent", name: keyId, scopes: [] }).then(
    (verdict) => {
      if (!verdict.ok)
        throw new RoomError("not_found", "that agent key is not one of this workspace's", { subjectId: keyId });
      return () => {};
    },
    () => {
      throw new RoomError("unavailable", "could not read the workspace's agent keys: try again", undefined, 1000);
    },
  );
}

/**
 * `billing.setAllowance`'s prepare: an allowance is given to a key of this workspace that may
 * act in it, read from D1, as a key's budget is. Removing one needs no key.
 */
function allowanceKey(
  currentAccess: CurrentAccess,
  params: { principalId: string; monthly: number | null },
): Promise<() => void> | undefined {
  if (params.monthly === null) return undefined;
  return keyOfThisWorkspace(currentAccess, { scope: "key", subjectId: params.principalId, limit: params.monthly });
}

/** How often at most readers' clients are told the money's state (the newest, at the window's end). */
export const BILLING_TOLD_EVERY_MS = 1000;

/**
 * The workspace's money (decision 44): its state and rollups, receipts and budgets; the raise
 * an approved spend approval makes; and the news of every change (news.ts), told in the commit
 * that made it, to the room's features and readers' clients.
 */
export const billing = defineFeature({
  name: "billing",
  build: (s) => {
    const now = () => Date.now();
    const billingParts: BillingParts = {
      sql: s.sql,
      commit: s.commit,
      config: readBillingConfig(s.env),
      toReaders: (event, payload) => s.toScope("read", event, payload),
    };
    /** Tells, in the commit that changed the money, that it did (news.ts). */
    const changed = (ctx: OpContext) => tellChanged(ctx, billingParts.config);
    // A threshold the state shows crossed for the first time this period, or an alert that no
    // longer stands (a raise, a top-up, a threshold changed): told as `billing.alerts` (alerts.ts).
    const alerts = followAlerts(s);
    /** How a budget's subject is known to exist, by the feature that owns it (projects, tasks). */
    const subjects = new Map<BudgetScope, (sql: Sql, subjectId: string) => void>();
    const api = {
      /** `check` throws a typed error when a `scope` budget's subject does not exist. */
      budgetSubject: (scope: BudgetScope, check: (sql: Sql, subjectId: string) => void) =>
        void subjects.set(scope, check),
      config: billingParts.config,
      /** How long the workspace's plan lets a hosted instance idle before it sleeps (decision 78). */
      sleepAfterMinutes: () => effectivePlan(s.sql, billingParts.config, now()).plan.sleepAfterMinutes,
      /** A commit that changes the money tells so (`billing.changed` on the room's bus), last. */
      changed,
      /** Access in the workspace changed: an allowance whose giver may no longer decide goes. */
      recheckAllowances: () => recheckAllowances(s, changed),
      /** Every model call and gateway start is reserved against the budgets here first. */
      spend: new SpendGate(s, billingParts.config, changed),
    };
    const rpc: BillingRpc = billingRpc(billingParts, changed);
    // A run's every model call changes the money: readers' clients get the newest state at most once a second.
    // The state is read when it goes out (news.ts `BillingNews`): once a window, not per call.
    const toReaders = latestWindow(
      (news: BillingNews) => billingParts.toReaders("billing.changed", { state: news.state }),
      BILLING_TOLD_EVERY_MS,
    );
    // The prepares that read D1 for an agent key, through the room's current access.
    const keyOfThisWorkspaceNow = (_req: unknown, params: Parameters<typeof keyOfThisWorkspace>[1]) =>
      keyOfThisWorkspace(s.currentAccess, params);
    const allowanceKeyNow = (_req: unknown, params: Parameters<typeof allowanceKey>[1]) =>
      allowanceKey(s.currentAccess, params);
    // Spend approvals of keys a person gave an allowance: approved in that person's name while it lasts.
    const byAllowance = allowanceApprover(s, changed);
    return {
      api,
      // From the Worker's billing routes: Stripe's top-ups, operators' grants and plans, /admin's view.
      rpc,
      methods: methods({
        "billing.summary": query((sql, params) => {
          const state = billingState(sql, billingParts.config, now());
          const since = params.since ?? state.period.start;
          const until = params.until ?? Math.max(since + 1, state.period.end);
          return { state, groups: spendGroups(sql, params.groupBy, since, until) };
        }),
        "billing.entries": query((sql, params) => paged(ledgerEntries(sql, params), (entries) => ({ entries }))),
        "billing.setBudget": mutate((ctx, params) => {
          const subjectId = params.scope === "workspace" ? null : (params.subjectId ?? null);
          if (params.scope !== "workspace" && !subjectId)
            throw new RoomError("bad_request", `a ${params.scope} budget needs subjectId`);
          if (params.scope === "workspace" && params.subjectId)
            throw new RoomError("bad_request", "the workspace's budget has no subjectId");
          if (subjectId) subjects.get(params.scope)?.(ctx.sql, subjectId);
          const before = budgetLimit(ctx.sql, params.scope, subjectId);
          setBudget(ctx.sql, params.scope, subjectId, params.limit, ctx.now);
          ctx.audit("billing.budget", subjectId ?? "workspace", { scope: params.scope, limit: params.limit });
          // Work waiting on a spend approval against this budget that now fits goes on without it.
          releaseFittingSpend(
            ctx,
            { scope: params.scope, subjectId },
            budgetChange(ctx.actor.name, before, params.limit),
          );
          changed(ctx);
          return { state: billingState(ctx.sql, billingParts.config, ctx.now) };
        }, keyOfThisWorkspaceNow),
        "billing.setAllowance": mutate((ctx, params) => {
          if (ctx.actor.kind !== "user")
            throw new RoomError(
              "forbidden",
              "a spending allowance is a person's grant: an owner or admin sets it in Billing",
            );
          setAllowance(ctx.sql, params.principalId, params.monthly, ctx.actor, ctx.now);
          ctx.audit("billing.allowance", params.principalId, { monthly: params.monthly });
          changed(ctx);
          return { state: billingState(ctx.sql, billingParts.config, ctx.now) };
        }, allowanceKeyNow),
        "billing.setAlerts": mutate((ctx, params) => {
          setAlertSettings(ctx.sql, params.alerts);
          ctx.audit("billing.alerts", "workspace", { ...params.alerts });
          changed(ctx);
          return { state: billingState(ctx.sql, billingParts.config, ctx.now) };
        }),
      }),
      reactions: {
        // Readers' clients first, with the whole state; then the alerts it may have crossed.
        "billing.changed": (news) => {
          toReaders(news);
          alerts(news.money);
        },
        "approval.requested": ({ approval }) => {
          if (approval.action?.kind === "spend") byAllowance(approval);
        },
        // Before the features that go on once it is decided (tasks, the Autopilot's runs): the
        // raise is written first, so what asked finds its budget raised.
        // A raise can leave room for other work waiting on the same budget: theirs are no longer needed.
        "approval.resolved": ({ approval }) => {
          const action = approval.action;
          if (action?.kind !== "spend") return;
          const decider = approval.resolvedBy ? { ...approval.resolvedBy, scopes: [] } : null;
          s.commit(decider, (ctx) => {
            if (!applySpendApproval(ctx.sql, approval)) return;
            if (approval.decidedIn === "allowance") recordAllowanceUse(ctx.sql, approval, ctx.now);
            const amount = (action.granted ?? action.amount).toLocaleString("en-US");
            releaseFittingSpend(ctx, action.budget, `${ctx.actor.name} approved ${amount} more credits on this budget`);
            changed(ctx);
          });
        },
      },
      answered: {
        // A new or larger allowance may approve what its key's work waits on now.
        "billing.setAllowance": () => {
          for (const approval of spendApprovals(s.sql, "pending")) byAllowance(approval);
        },
      },
      start: () => {
        // A raise the room stopped before writing.
        const unraised = unraisedSpendApprovals(s.sql);
        if (unraised.length > 0)
          s.commit(null, (ctx) => {
            for (const approval of unraised) applySpendApproval(ctx.sql, approval);
            changed(ctx);
          });
        // What waited while the room was away.
        for (const approval of spendApprovals(s.sql, "pending")) byAllowance(approval);
      },
    };
  },
});

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { billingMeta as billingMetaTable, ledger as ledgerTable } from "./tables";
