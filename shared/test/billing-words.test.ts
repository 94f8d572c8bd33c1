import { describe, expect, it } from "vitest";
import {
  budgetAllowance,
  budgetUse,
  creditsText,
  entryWhat,
  periodDays,
  periodName,
  purposeLabel,
} from "../billing-words";
import { NO_ENTRY_DETAILS } from "../protocol/billing";

const period = (year: number, month: number) => ({
  start: Date.UTC(year, month, 1),
  end: Date.UTC(year, month + 1, 1),
});
const group = (key: string | null, credits: number) => ({ key, credits, entries: 1, inputTokens: 0, outputTokens: 0 });

describe("billing's words", () => {
  it("gives every day of a month (UTC), the spent ones with their credits", () => {
    const days = periodDays(period(2026, 0), [group("2026-01-03", 12), group("2026-01-31", 5), group(null, 9)]);
    expect(days).toHaveLength(31);
    expect(days[0]).toEqual({ day: "2026-01-01", dayOfMonth: 1, credits: 0 });
    expect(days[2]).toEqual({ day: "2026-01-03", dayOfMonth: 3, credits: 12 });
    expect(days.at(-1)).toEqual({ day: "2026-01-31", dayOfMonth: 31, credits: 5 });
    expect(periodDays(period(2028, 1), [])).toHaveLength(29);
    // A range given by hand is cut, never a chart of years.
    expect(periodDays({ start: 0, end: Date.UTC(2030, 0, 1) }, [])).toHaveLength(62);
    expect(periodName(period(2026, 10))).toBe("November 2026");
  });

  it("never says a negative zero: a run's spending with no receipts is the negated sum of nothing", () => {
    const spent = -[].reduce((sum: number, amount: number) => sum + amount, 0);
    expect(Object.is(spent, -0)).toBe(true);
    expect(creditsText(spent)).toBe("0 credits");
    expect(creditsText(-1)).toBe("-1 credit");
  });

  it("says credits, purposes, budgets and receipts as a reader counts them", () => {
    expect([creditsText(1), creditsText(-1), creditsText(12_345)]).toEqual(["1 credit", "-1 credit", "12,345 credits"]);
    expect([purposeLabel("instance_time"), purposeLabel(null), purposeLabel("refund")]).toEqual([
      "Instance running time",
      "Other",
      "Other",
    ]);
    const budget = { scope: "key" as const, subjectId: "agent_k", limit: 100, raised: 50, used: 180, remaining: -30 };
    expect(budgetUse(budget)).toEqual({ share: 1.2, allowed: 150 });
    expect(budgetUse({ ...budget, limit: 0, raised: 0, used: 0 }).share).toBe(0);
    // What a person set stays what it says; approvals' raises stand beside it.
    expect(budgetAllowance({ ...budget, limit: 50, raised: 3 })).toEqual({
      set: "50 credits per month",
      raised: "+ 3 credits from spend approvals this month",
    });
    expect(budgetAllowance({ ...budget, scope: "task", raised: 0 })).toEqual({
      set: "100 credits in total",
      raised: null,
    });
    const base = { id: "e", at: 0, ...NO_ENTRY_DETAILS };
    expect(entryWhat({ ...base, kind: "topup", amount: 10_000, purpose: null, note: "Top-up through Stripe" })).toBe(
      "Top-up: Top-up through Stripe",
    );
    expect(entryWhat({ ...base, kind: "usage", amount: -4, purpose: "instance_time", seconds: 5400 })).toBe(
      "Instance running time · 90 min",
    );
    expect(
      entryWhat({ ...base, kind: "usage", amount: -2, purpose: "gateway", inputTokens: 1200, outputTokens: null }),
    ).toBe("OpenClaw gateways · 1,200 in / 0 out tokens");
  });
});
