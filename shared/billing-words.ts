import type { z } from "zod";
import type { Approval } from "./protocol/approvals";
import type { BillingState, Budget, BudgetScope, LedgerEntry, SpendGroup, SpendPurpose } from "./protocol/billing";

/**
 * The workspace's money in plain words, the same in the app's Billing panel and the CLI's
 * `autopilot billing`: what each kind of spending is called, credits as a reader counts
 * them, the month a period is, and every day of it for a chart.
 */

const number = new Intl.NumberFormat("en-US");

/** "1 credit", "12,345 credits"; negative amounts keep their sign, and zero has none (a sum negated may be -0). */
export const creditsText = (credits: number): string =>
  `${number.format(credits === 0 ? 0 : credits)} ${Math.abs(credits) === 1 ? "credit" : "credits"}`;

export const tokensText = (tokens: number): string => `${number.format(tokens)} ${tokens === 1 ? "token" : "tokens"}`;

/** What the credits paid for. */
export const PURPOSE_LABELS: Record<SpendPurpose, string> = {
  reply: "Autopilot replies",
  task: "Tasks",
  summary: "Thread summaries",
  title: "Thread titles",
  gateway: "OpenClaw gateways",
  instance_time: "Instance running time",
};

/** A purpose group's key (null: usage recorded without one). */
export const purposeLabel = (key: string | null): string =>
  key !== null && key in PURPOSE_LABELS ? PURPOSE_LABELS[key as SpendPurpose] : "Other";

export const SCOPE_LABELS: Record<BudgetScope, string> = {
  workspace: "Workspace",
  key: "Agent key",
  project: "Project",
  task: "Task",
};

/** A task's budget counts in total; the others per calendar month (UTC). */
export const budgetSpan = (scope: BudgetScope): string => (scope === "task" ? "in total" : "per month");

/**
 * What a budget allows as a person set it, and beside it what spend approvals added in this
 * period (never folded into the set amount): "500 credits per month", "+ 24 credits from spend
 * approvals this month".
 */
export function budgetAllowance(budget: Budget): { set: string; raised: string | null } {
  const set = `${creditsText(budget.limit)} ${budgetSpan(budget.scope)}`;
  const when = budget.scope === "task" ? "" : " this month";
  return { set, raised: budget.raised > 0 ? `+ ${creditsText(budget.raised)} from spend approvals${when}` : null };
}

/** The note a spend approval resolves with when a budget came to have room for its work by other means. */
export const NO_LONGER_NEEDED = "no longer needed: ";

/** The reason such a note gives (what follows NO_LONGER_NEEDED), or null for any other note. */
export const noLongerNeededWhy = (note: string | null | undefined): string | null =>
  note?.startsWith(NO_LONGER_NEEDED) ? note.slice(NO_LONGER_NEEDED.length) : null;

/**
 * A spend approval the room resolved because the budget came to fit its work (someone raised
 * or removed it): what waited goes on as if approved, without a raise. It expired, but by
 * someone's act (a withdrawal or a timeout has nobody as its decider).
 */
export const spendNoLongerNeeded = (approval: Pick<Approval, "status" | "resolvedBy" | "note">): boolean =>
  approval.status === "expired" && approval.resolvedBy !== null && noLongerNeededWhy(approval.note) !== null;

/** What spending against a budget looks like: the share used (0–1, may pass 1) and what is left. */
export function budgetUse(budget: Budget): { share: number; allowed: number } {
  const allowed = budget.limit + budget.raised;
  return { share: allowed > 0 ? budget.used / allowed : budget.used > 0 ? 1 : 0, allowed };
}

const MONTHS = new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" });

/** "November 2026": periods are calendar months in UTC. */
export const periodName = (period: BillingState["period"]): string => MONTHS.format(new Date(period.start));

const DAY_MS = 86_400_000;

export interface DayBar {
  /** YYYY-MM-DD (UTC), as `billing.summary` groups days. */
  day: string;
  dayOfMonth: number;
  credits: number;
}

/** Every day of the period, each with what was spent on it (0 for a day without usage). */
export function periodDays(period: BillingState["period"], groups: readonly z.infer<typeof SpendGroup>[]): DayBar[] {
  const spent = new Map<string, number>();
  for (const g of groups) if (g.key) spent.set(g.key, (spent.get(g.key) ?? 0) + g.credits);
  const days: DayBar[] = [];
  // Bounded: a period is a month; a longer range given by hand is cut at 62 days.
  for (let at = period.start; at < period.end && days.length < 62; at += DAY_MS) {
    const day = new Date(at).toISOString().slice(0, 10);
    days.push({ day, dayOfMonth: new Date(at).getUTCDate(), credits: spent.get(day) ?? 0 });
  }
  return days;
}

/** A receipt's line: what the entry was, for a reader. */
export function entryWhat(entry: LedgerEntry): string {
  if (entry.kind !== "usage") {
    const kind = entry.kind === "plan" ? "Plan credits" : entry.kind === "topup" ? "Top-up" : "Grant";
    return entry.note ? `${kind}: ${entry.note}` : kind;
  }
  const parts: string[] = [purposeLabel(entry.purpose)];
  if (entry.model) parts.push(entry.model);
  if (entry.inputTokens !== null || entry.outputTokens !== null)
    parts.push(`${number.format(entry.inputTokens ?? 0)} in / ${number.format(entry.outputTokens ?? 0)} out tokens`);
  if (entry.seconds !== null) parts.push(`${number.format(Math.round(entry.seconds / 60))} min`);
  if (entry.note) parts.push(entry.note);
  return parts.join(" · ");
}
