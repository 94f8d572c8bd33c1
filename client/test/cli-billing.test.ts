// `autopilot billing`, `billing entries` and `billing budget`: how their words parse, and what
// the CLI prints (sentences, or the method's result with --json) against a FakeRoom.
import { describe, expect, it } from "vitest";
import type { BillingState, LedgerEntry } from "../../shared/protocol/billing";
import { parseCli } from "../src/cli/args";
import { parsedCommand as command, usageError } from "./cli-parse";
import { setUpCli } from "./cli-harness";
import type { FakeRoom } from "./fake-room";

const usage = (argv: string[]) => usageError(argv).message;

const STATE: BillingState = {
  plan: { id: "standard", name: "Standard", includedCredits: 100_000, maxInstances: 10, maxSeats: null },
  period: { start: Date.UTC(2026, 10, 1), end: Date.UTC(2026, 11, 1) },
  balance: 98_765,
  periodUsed: 1_235,
  budgets: [
    { scope: "workspace", subjectId: null, limit: 5_000, raised: 0, used: 1_235, remaining: 3_765 },
    { scope: "key", subjectId: "agent_k1", limit: 100, raised: 50, used: 120, remaining: 30 },
  ],
  topUps: true,
  topUpOptions: [{ credits: 10_000, price: "$10.00" }],
  alerts: { budgetPercents: [80, 100], lowBalance: 10_000 },
  planSource: "default",
  subscription: null,
  plans: [],
  allowances: [],
};

const entry = (id: string, amount: number, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id,
  at: Date.UTC(2026, 10, 3, 9, 30),
  kind: "usage",
  amount,
  purpose: "task",
  principalId: "agent_k1",
  runId: "task_1",
  threadId: null,
  projectId: null,
  taskId: "task_1",
  instanceId: null,
  model: "scripted-model",
  inputTokens: 1_200,
  outputTokens: 80,
  seconds: null,
  note: null,
  ...extra,
});

describe("billing's words", () => {
  it("parse into the methods' params, the workspace's budget without an id and every other with one", () => {
    expect(command(["billing"])).toEqual({ name: "billing", json: false });
    expect(command(["billing", "--json"])).toEqual({ name: "billing", json: true });
    expect(command(["billing", "entries"])).toEqual({ name: "billing entries", json: false });
    expect(command(["billing", "entries", "--run", "task_1", "--kind", "usage", "--limit", "20", "--json"])).toEqual({
      name: "billing entries",
      runId: "task_1",
      kind: "usage",
      limit: 20,
      json: true,
    });
    expect(command(["billing", "budget", "workspace", "50000"])).toEqual({
      name: "billing budget",
      scope: "workspace",
      limit: 50_000,
      json: false,
    });
    expect(command(["billing", "budget", "key", "agent_k1", "none"])).toEqual({
      name: "billing budget",
      scope: "key",
      subjectId: "agent_k1",
      limit: null,
      json: false,
    });
    expect(command(["billing", "budget", "task", "task_1", "0", "--json"])).toMatchObject({ limit: 0, json: true });
  });

  it("refuse what the room would refuse, before connecting", () => {
    expect(usage(["billing", "budget", "team", "500"])).toMatch(/scope must be one of workspace, key, project, task/);
    expect(usage(["billing", "budget", "workspace", "w1", "500"])).toMatch(/workspace takes the credits/);
    expect(usage(["billing", "budget", "project", "500"])).toMatch(/takes the project's id and the credits/);
    expect(usage(["billing", "budget", "key", "agent_k1", "-5"])).toMatch(/credits must be a number from 0/);
    expect(usage(["billing", "budget", "key", "agent_k1", "1.5"])).toMatch(/credits must be a whole number/);
    expect(usage(["billing", "budget", "key"])).toMatch(/missing <id-and-credits>/);
    expect(usage(["billing", "entries", "--kind", "refund"])).toMatch(/kind must be one of plan, grant, topup, usage/);
    expect(usage(["billing", "entries", "--limit", "501"])).toMatch(/limit must be a number from 1 to 500/);
  });

  it("are in the help", () => {
    const general = parseCli(["--help"], {});
    expect(general.kind === "help" && general.text).toMatch(/billing budget +set a budget in credits/);
    const budget = parseCli(["billing", "budget", "--help"], {});
    expect(budget.kind === "help" && budget.text).toMatch(/<workspace\|key\|project\|task> \[<id>\] <credits\|none>/);
  });
});

let room: FakeRoom;
const { cli } = setUpCli((r) => (room = r));

/** What a command that succeeds prints, line by line (the last one empty: the output ends with a newline). */
async function printed(argv: string[]): Promise<string[]> {
  const run = await cli(argv);
  expect(run).toMatchObject({ code: 0, stderr: "" });
  return run.stdout.split("\n");
}

describe("autopilot billing against a room", () => {
  it("says the summary in sentences, and gives the method's result with --json", async () => {
    const summary = {
      state: STATE,
      groups: [
        { key: "task", credits: 1_000, entries: 12, inputTokens: 900_000, outputTokens: 10_000 },
        { key: "reply", credits: 235, entries: 3, inputTokens: 200_000, outputTokens: 5_000 },
      ],
    };
    const asked: unknown[] = [];
    room.onRequest = (request, connection) => {
      asked.push(request.params);
      if (request.method === "billing.summary") connection.respond(request.id, summary);
    };
    expect(await printed(["billing"])).toEqual([
      "November 2026 · Standard plan (100,000 credits a month)",
      "Balance: 98,765 credits",
      "Used this month: 1,235 credits",
      "By what:",
      "  Tasks                   1,000 credits     12 entries, 900,000 tokens in, 10,000 out",
      "  Autopilot replies       235 credits       3 entries, 200,000 tokens in, 5,000 out",
      "Budgets:",
      "  Workspace: 1,235 of 5,000 credits per month used, 3,765 left",
      "  Agent key agent_k1: 120 of 100 credits per month used (+ 50 credits from spend approvals this month), 30 left",
      "Top-ups (in the app's Billing panel): 10,000 credits for $10.00",
      "",
    ]);
    expect(asked).toEqual([{ groupBy: "purpose" }]);
    const json = await cli(["billing", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual(summary);
  });

  it("reads every page of one run's receipts and adds them up", async () => {
    const first = [entry("e3", -7), entry("e2", -5)];
    const second = [entry("e1", -3, { purpose: "reply", inputTokens: null, outputTokens: null, note: "worst case" })];
    const asked: unknown[] = [];
    room.onRequest = (request, connection) => {
      if (request.method !== "billing.entries") return;
      asked.push(request.params);
      const params = request.params as { before?: unknown };
      connection.respond(
        request.id,
        params.before ? { entries: second, next: null } : { entries: first, next: { at: first[1]!.at, id: "e2" } },
      );
    };
    expect(await printed(["billing", "entries", "--run", "task_1"])).toEqual([
      "2026-11-03T09:30:00.000Z  -7        Tasks · scripted-model · 1,200 in / 80 out tokens  (run task_1)",
      "2026-11-03T09:30:00.000Z  -5        Tasks · scripted-model · 1,200 in / 80 out tokens  (run task_1)",
      "2026-11-03T09:30:00.000Z  -3        Autopilot replies · scripted-model · worst case  (run task_1)",
      "Run task_1: 15 credits in 3 entries",
      "",
    ]);
    expect(asked).toEqual([
      { runId: "task_1", limit: 500 },
      { runId: "task_1", limit: 500, before: { at: first[1]!.at, id: "e2" } },
    ]);
    const json = await cli(["billing", "entries", "--run", "task_1", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ runId: "task_1", entries: [...first, ...second] });
  });

  it("sets and removes a budget, and passes the room's refusal on", async () => {
    room.onRequest = (request, connection) => {
      if (request.method !== "billing.setBudget") return;
      const params = request.params as { scope: string; subjectId?: string; limit: number | null };
      if (params.scope === "project")
        return connection.fail(request.id, {
          code: "forbidden",
          message: "billing.setBudget needs the admin scope",
          retryable: false,
        });
      const budgets = params.limit === null ? [STATE.budgets[0]!] : STATE.budgets;
      connection.respond(request.id, { state: { ...STATE, budgets } });
    };
    const set = await cli(["billing", "budget", "key", "agent_k1", "100"]);
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect(set.stdout).toBe(
      "Budget set. Agent key agent_k1: 120 of 100 credits per month used (+ 50 credits from spend approvals this month), 30 left\n",
    );
    expect(room.latest.requests.find((r) => r.method === "billing.setBudget")?.params).toMatchObject({
      scope: "key",
      subjectId: "agent_k1",
      limit: 100,
    });
    const removed = await cli(["billing", "budget", "key", "agent_k1", "none"]);
    expect(removed.stdout).toBe("Agent key agent_k1: no budget (removed)\n");
    const refused = await cli(["billing", "budget", "project", "p1", "100"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim()).toBe("autopilot: billing.setBudget needs the admin scope (forbidden)");
  });
});
