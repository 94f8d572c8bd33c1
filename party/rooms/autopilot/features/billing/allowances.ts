// Spending allowances (docs/billing.md, decision 62): what an agent key's work may have approved
// while no person is there. An owner or admin, a person, gives one of the workspace's keys a
// monthly amount; a spend approval of that key's work is approved by the allowance while the
// month's approvals it made leave room for it. It decides through the one entry
// (approvals.resolve) as the person who set it, with their access read again at that moment:
// someone removed, or no longer an owner or admin, approves nothing through it, and neither
// does a workspace whose policy would refuse that person. What it cannot approve waits for a
// person, as before. One approval at a time, so two at once cannot both fit in what is left.
import { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { SpendAllowance } from "../../../../../shared/protocol/billing";
import { Actor } from "../../../../../shared/protocol/principal";
import type { Sql } from "../../../../domain/sql";
import { defineRecord } from "../../../../records/codec";
import { featureStore } from "../../kernel/feature-store";
import type { RoomServices } from "../../kernel/services";
import type { OpContext } from "../../kernel/commit";
import { getApproval } from "../approvals/index";
import { periodOf } from "./config";

declare module "../../kernel/feature" {
  interface RoomVias {
    /** A person's spending allowance for an agent key, approving that key's spending. */
    allowance: true;
  }
}

const Allowance = z.object({
  monthly: z.number().int().min(1).max(1_000_000_000_000),
  setBy: Actor,
  setAt: z.number().int(),
});
type Allowance = z.infer<typeof Allowance>;
const allowances = featureStore(defineRecord("spending allowance", Allowance));
const approvedTotals = featureStore(
  defineRecord("spending allowance use", z.object({ amount: z.number().int().nonnegative() })),
);

const monthKey = (principalId: string, now: number) => `${periodOf(now).key}:${principalId}`;

export function setAllowance(sql: Sql, principalId: string, monthly: number | null, setBy: Actor, now: number): void {
  if (monthly === null) allowances.delete(sql, principalId);
  else allowances.put(sql, principalId, { monthly, setBy, setAt: now }, now);
}

/** What the key's allowance approved this month. */
const approvedBy = (sql: Sql, principalId: string, now: number) =>
  approvedTotals.get(sql, monthKey(principalId, now))?.amount ?? 0;

/** Every allowance, as the billing state shows it. */
export function allowanceStates(sql: Sql, now: number): SpendAllowance[] {
  return allowances.entries(sql).map(({ key, value }) => {
    const used = approvedBy(sql, key, now);
    return {
      principalId: key,
      monthly: value.monthly,
      used,
      remaining: Math.max(0, value.monthly - used),
      setBy: value.setBy,
    };
  });
}

/** Counts what the allowance approved (`approval.resolved` with `decidedIn: allowance`); old months' counts go. */
export function recordAllowanceUse(sql: Sql, approval: Approval, now: number): void {
  const action = approval.action;
  if (action?.kind !== "spend" || !action.spender || approval.status !== "approved") return;
  const key = monthKey(action.spender.id, now);
  approvedTotals.put(
    sql,
    key,
    { amount: (approvedTotals.get(sql, key)?.amount ?? 0) + (action.granted ?? action.amount) },
    now,
  );
  approvedTotals.deleteWrittenBefore(sql, periodOf(now).start);
}

/** The note an approval the allowance approved carries. */
const noteOf = (allowance: Allowance, after: number) =>
  `Approved by the spending allowance ${allowance.setBy.name} set: ${after.toLocaleString("en-US")} of ${allowance.monthly.toLocaleString("en-US")} credits used this month`;

type Services = Pick<RoomServices, "sql" | "commit" | "call" | "currentAccess">;

/**
 * The person who gave the key's allowance, as they are now, if they still may decide as an
 * owner or admin. An allowance whose giver may not goes (audited; `changed` tells, in its commit).
 */
async function giverNow(s: Services, principalId: string, allowance: Allowance, changed: (ctx: OpContext) => void) {
  const verdict = await s.currentAccess({ ...allowance.setBy, scopes: [] });
  if (verdict.ok && verdict.principal.scopes.includes("admin")) return verdict.principal;
  s.commit(null, (ctx) => {
    // Only the allowance that was read: one given again meanwhile stays.
    if (allowances.get(ctx.sql, principalId)?.setAt !== allowance.setAt) return;
    allowances.delete(ctx.sql, principalId);
    ctx.audit("billing.allowance_lapsed", principalId, { setBy: allowance.setBy.id });
    changed(ctx);
  });
  return null;
}

/** Re-reads every allowance's giver (access in the workspace changed): those who may no longer decide lose theirs. */
export async function recheckAllowances(s: Services, changed: (ctx: OpContext) => void): Promise<void> {
  for (const { key, value } of allowances.entries(s.sql)) await giverNow(s, key, value, changed);
}

/**
 * Approves pending spend approvals of keys with an allowance, one at a time, as the person who
 * gave it. Call the answer with each spend approval that may be one.
 */
export function allowanceApprover(s: Services, changed: (ctx: OpContext) => void) {
  let queue = Promise.resolve();
  const approve = async (filed: Approval): Promise<void> => {
    // As it is now: more work may have joined it, or someone decided it, since it was filed.
    const approval = getApproval(s.sql, filed.id);
    if (approval?.status !== "pending") return;
    const action = approval.action;
    if (action?.kind !== "spend" || action.spender?.kind !== "agent") return;
    const principalId = action.spender.id;
    const allowance = allowances.get(s.sql, principalId);
    if (!allowance) return;
    const after = approvedBy(s.sql, principalId, Date.now()) + action.amount;
    if (after > allowance.monthly) return;
    const giver = await giverNow(s, principalId, allowance, changed);
    if (!giver) return;
    const { response } = await s.call({ principal: giver, via: "allowance" }, "approvals.resolve", {
      approvalId: approval.id,
      decision: "approve",
      note: noteOf(allowance, after),
      // The person gave the allowance for this key's spending: approving it is their standing choice.
      confirmOwn: true,
      idempotencyKey: `allowance:${approval.id}`,
    });
    if (!response.ok)
      console.error(
        JSON.stringify({
          msg: "a spending allowance did not approve",
          approval: approval.id,
          code: response.error.code,
        }),
      );
  };
  return (approval: Approval) => {
    queue = queue
      .then(() => approve(approval))
      .catch((error: unknown) => {
        console.error(JSON.stringify({ msg: "a spending allowance failed", error: String(error).slice(0, 300) }));
      });
  };
}
