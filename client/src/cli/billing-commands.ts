// `autopilot billing`, `billing entries` and `billing budget` (shared/protocol/billing.ts):
// the workspace's credits, receipts and budgets. Sentences by default (shared/billing-words.ts,
// the app's words), the method's result as JSON with --json. The table joins
// command-table.ts's; the runner is called from commands.ts.
import type { z } from "zod";
import {
  BudgetScope,
  type BillingEntriesResult,
  type BillingState,
  type Budget,
  LedgerKind,
  type LedgerEntry,
} from "../../../shared/protocol/billing";
import type { MethodResult } from "../../../shared/protocol/methods";
import {
  budgetAllowance,
  creditsText,
  entryWhat,
  periodName,
  purposeLabel,
  SCOPE_LABELS,
  tokensText,
} from "../../../shared/billing-words";
import type { AutopilotClient } from "../client";
import type { CommandSpec } from "./command-table";
import type { CliIO } from "./io";
import { integer, oneOf, optional } from "./option-values";
import { UsageError } from "./usage-error";
import { valued } from "./option-spec";

export const BILLING_OPTIONS = {
  run: valued("<runId>", "only this run's entries (a task's id, or a reply's run id)"),
  kind: valued("<kind>", `only entries of this kind: ${LedgerKind.options.join("|")}`),
} as const;

type Scope = z.infer<typeof BudgetScope>;
type EntryKind = z.infer<typeof LedgerKind>;

export type BillingCommand =
  | { name: "billing"; json: boolean }
  | { name: "billing entries"; runId?: string; kind?: EntryKind; limit?: number; json: boolean }
  | { name: "billing budget"; scope: Scope; subjectId?: string; limit: number | null; json: boolean };

export const isBillingCommand = (command: { name: string }): command is BillingCommand =>
  command.name === "billing" || command.name.startsWith("billing ");

/** The most credits a budget takes (the protocol's bound). */
const MAX_BUDGET = 1_000_000_000_000;

/** `<scope> [<id>] <credits|none>`: the workspace's budget has no id, every other one needs it. */
export function budgetArgs(
  scopeWord: string,
  rest: string,
): { scope: Scope; subjectId?: string; limit: number | null } {
  const scope = oneOf("scope", scopeWord, BudgetScope.options) as Scope;
  const words = rest.trim().split(/\s+/);
  const wanted = scope === "workspace" ? 1 : 2;
  if (words.length !== wanted)
    throw new UsageError(
      scope === "workspace"
        ? "billing budget workspace takes the credits (or none), e.g. billing budget workspace 50000"
        : `billing budget ${scope} takes the ${scope}'s id and the credits (or none), e.g. billing budget ${scope} <id> 5000`,
    );
  const amount = words.at(-1)!;
  const limit = amount.toLowerCase() === "none" ? null : (integer("credits", amount, 0, MAX_BUDGET) as number);
  return { scope, ...(wanted === 2 ? { subjectId: words[0]! } : {}), limit };
}

export const BILLING_COMMANDS: Record<string, CommandSpec> = {
  billing: {
    args: [],
    options: ["json"],
    summary: "the workspace's credits: balance, plan, this month's spending by what, and its budgets",
    build: (_, v) => ({ name: "billing", json: v.json === true }),
  },
  "billing entries": {
    args: [],
    options: ["run", "kind", "limit", "json"],
    summary: "receipts: the ledger's entries, newest first (every entry of one run with --run)",
    build: (_, v) => ({
      name: "billing entries",
      ...optional("runId", v.run),
      ...optional("kind", oneOf("kind", v.kind, LedgerKind.options)),
      ...optional("limit", integer("limit", v.limit, 1, 500)),
      json: v.json === true,
    }),
  },
  "billing budget": {
    args: ["scope", "id-and-credits..."],
    options: ["json"],
    summary:
      "set a budget in credits, or remove it with none (admin): billing budget <workspace|key|project|task> [<id>] <credits|none>",
    build: ([scope, rest], v) => ({ name: "billing budget", ...budgetArgs(scope!, rest!), json: v.json === true }),
  },
};

const print = (io: CliIO, value: unknown): number => {
  io.out(JSON.stringify(value));
  return 0;
};

const pad = (text: string, width: number) => (text.length >= width ? `${text} ` : text.padEnd(width));

/**
 * A budget's line: "Agent key agent_k1: 120 of 500 credits per month used, 380 left"; what
 * spend approvals added stands beside the budget a person set, never folded into it.
 */
export function budgetLine(budget: Budget): string {
  const who = budget.subjectId ? `${SCOPE_LABELS[budget.scope]} ${budget.subjectId}` : SCOPE_LABELS[budget.scope];
  const { set, raised } = budgetAllowance(budget);
  return `${who}: ${budget.used.toLocaleString("en-US")} of ${set} used${raised ? ` (${raised})` : ""}, ${budget.remaining.toLocaleString("en-US")} left`;
}

/** The summary as sentences, one per line. */
export function summaryLines(summary: MethodResult<"billing.summary">): string[] {
  const { state, groups } = summary;
  const plan = state.plan;
  const lines = [
    `${periodName(state.period)} · ${plan.name} plan (${creditsText(plan.includedCredits)} a month)`,
    `Balance: ${creditsText(state.balance)}`,
    `Used this month: ${creditsText(state.periodUsed)}`,
  ];
  lines.push(groups.length === 0 ? "By what: nothing spent yet" : "By what:");
  for (const g of groups)
    lines.push(
      `  ${pad(purposeLabel(g.key), 24)}${pad(creditsText(g.credits), 18)}${g.entries} ${g.entries === 1 ? "entry" : "entries"}, ${tokensText(g.inputTokens)} in, ${g.outputTokens.toLocaleString("en-US")} out`,
    );
  lines.push(state.budgets.length === 0 ? "Budgets: none set" : "Budgets:");
  for (const b of state.budgets) lines.push(`  ${budgetLine(b)}`);
  if (state.topUps)
    lines.push(
      `Top-ups (in the app's Billing panel): ${state.topUpOptions.map((t) => `${creditsText(t.credits)} for ${t.price}`).join(", ")}`,
    );
  return lines;
}

const entryLine = (e: LedgerEntry) =>
  `${new Date(e.at).toISOString()}  ${pad(`${e.amount > 0 ? "+" : ""}${e.amount.toLocaleString("en-US")}`, 10)}${entryWhat(e)}${e.runId ? `  (run ${e.runId})` : ""}`;

/** Every entry of one run, page by page (a run's receipts are bounded by its steps). */
async function runEntries(client: AutopilotClient, runId: string, kind?: EntryKind): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let before: z.infer<typeof BillingEntriesResult>["next"] = null;
  for (;;) {
    const page = await client.billing.entries({
      runId,
      limit: 500,
      ...optional("kind", kind),
      ...(before && { before }),
    });
    entries.push(...page.entries);
    if (page.next === null || page.entries.length === 0) return entries;
    before = page.next;
  }
}

function stateAfterBudget(state: BillingState, command: BillingCommand & { name: "billing budget" }): string {
  const subjectId = command.subjectId ?? null;
  const budget = state.budgets.find((b) => b.scope === command.scope && b.subjectId === subjectId);
  const who = subjectId ? `${SCOPE_LABELS[command.scope]} ${subjectId}` : SCOPE_LABELS[command.scope];
  return budget ? `Budget set. ${budgetLine(budget)}` : `${who}: no budget (removed)`;
}

export async function runBillingCommand(client: AutopilotClient, command: BillingCommand, io: CliIO): Promise<number> {
  switch (command.name) {
    case "billing": {
      const summary = await client.billing.summary({ groupBy: "purpose" });
      if (command.json) return print(io, summary);
      for (const line of summaryLines(summary)) io.out(line);
      return 0;
    }
    case "billing entries": {
      if (command.runId !== undefined) {
        const entries = await runEntries(client, command.runId, command.kind);
        if (command.json) return print(io, { runId: command.runId, entries });
        for (const e of entries) io.out(entryLine(e));
        const spent = -entries.reduce((sum, e) => sum + (e.kind === "usage" ? e.amount : 0), 0);
        io.out(
          `Run ${command.runId}: ${creditsText(spent)} in ${entries.length} ${entries.length === 1 ? "entry" : "entries"}`,
        );
        return 0;
      }
      const page = await client.billing.entries({
        ...optional("kind", command.kind),
        ...optional("limit", command.limit),
      });
      if (command.json) return print(io, page);
      if (page.entries.length === 0) io.out("No entries yet");
      for (const e of page.entries) io.out(entryLine(e));
      if (page.next) io.out(`(older entries not shown: --limit takes up to 500)`);
      return 0;
    }
    case "billing budget": {
      const { state } = await client.billing.setBudget({
        scope: command.scope,
        ...optional("subjectId", command.subjectId),
        limit: command.limit,
      });
      if (command.json) return print(io, { state });
      io.out(stateAfterBudget(state, command));
      return 0;
    }
  }
}
