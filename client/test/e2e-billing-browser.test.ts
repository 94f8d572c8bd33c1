// Billing end to end (docs/billing.md) against the real server (wrangler dev, the Autopilot on the
// scripted model) in a seeded workspace: replies the people asked for and tasks the release
// bot's key started. The same numbers through every interface — the socket as a person, the
// client library as the agent's key, the CLI (--json) and MCP (the official client SDK) — and
// in the app's Billing panel; an owner sets budgets in the panel, a task of the key that would
// cross its budget asks in the approval queue, a member approves it with one click, and the
// panel follows live; a run's receipts under its log; the CLI sets a budget with an admin key
// and is refused without admin; top-ups open Stripe's checkout (a scripted stand-in for
// Stripe's API and its hosted page, the paid service) and the way back says how it went; a
// key without `read` gets none of it anywhere; and the workspace's budget at 80% reaches the
// owner's inbox in the app and a mail API stand-in once, not again at 81%. Screenshots go to
// test-artifacts/billing/.
import { readFileSync } from "node:fs";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentScript } from "../../runtime/test/scripted-model";
import { purposeLabel } from "../../shared/billing-words";
import type { MethodResult } from "../../shared/protocol/methods";
import type { Task } from "../../shared/protocol/tasks";
import { AutopilotClient } from "../src/client";
import { AutopilotError } from "../src/errors";
import { artifactsIn, openLive, signedInPage, withBrowser } from "./browser-helpers";
import { type MailStandIn, type StripeStandIn, startMailStandIn, startStripeStandIn } from "./billing-standins";
import {
  cliJson,
  httpJson,
  modelVars,
  personClient,
  runCli,
  until,
  withScriptedModel,
  withServer,
} from "./e2e-helpers";
import { type SeededWorkspace, seedWorkspace, threadTitle } from "./workspace-seed";

const { shot } = artifactsIn("billing");
const VIEWPORT = { width: 1440, height: 900 };
const SEED = { threads: 8, toolCalls: 6, approvals: 2, jobs: 2, notes: 2, groups: 1 };
const STRIPE_KEY = "sk_test_billing_e2e_standin";
const CHECKOUT_HOST = "checkout.stripe.test";
const MAIL_KEY = "re_billing_e2e_standin";

type Summary = MethodResult<"billing.summary">;

let seeded: SeededWorkspace;
const clients: AutopilotClient[] = [];
const contexts: BrowserContext[] = [];
const mcpClients: Client[] = [];
let alice: Page;
let keyPrincipal: string;

async function openApp(cookie: string): Promise<Page> {
  const { ctx: context, page } = await signedInPage(browser, server.url, cookie, { viewport: VIEWPORT });
  contexts.push(context);
  // Stripe's hosted checkout page, as the stand-in for it: the buyer lands there.
  await context.route(`https://${CHECKOUT_HOST}/**`, (route) =>
    route.fulfill({ contentType: "text/html", body: "<title>Checkout (stand-in)</title><h1>Pay</h1>" }),
  );
  await openLive(page, `${server.url}/?w=${seeded.workspace}`);
  return page;
}

async function openBilling(page: Page) {
  await page.getByRole("tab", { name: "Billing" }).click();
  const panel = page.locator(".billing-view");
  await panel.getByTestId("billing-balance").waitFor();
  return panel;
}

async function createKey(name: string, scopes: string[]): Promise<string> {
  const res = await httpJson<{ key: string }>(server.url, `/api/workspaces/${seeded.workspace}/keys`, {
    method: "POST",
    cookie: seeded.owner.cookie,
    body: JSON.stringify({ name, scopes }),
  });
  expect(res.status).toBe(201);
  return res.body.key;
}

async function mcp(key: string): Promise<Client> {
  const client = new Client({ name: "e2e-billing", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp/${seeded.workspace}`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  mcpClients.push(client);
  return client;
}

const cli = (key: string, args: string[]) => runCli({ url: server.url, workspace: seeded.workspace, key }, args);

/** The panel's rows of a spend table: [name, credits]. */
const rows = (page: Page, caption: string) =>
  page
    .locator(".billing-view table.spend-table", { has: page.locator("caption", { hasText: caption }) })
    .locator("tbody tr[data-key]")
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.querySelector(".spend-name")?.textContent ?? "",
        Number((tr.querySelector("td")?.textContent ?? "").replaceAll(",", "")),
      ]),
    );

const taskDone = (client: AutopilotClient, taskId: string) =>
  until(
    () => {
      const task = client.state.tasks.get(taskId);
      return task && ["done", "failed", "stopped", "cancelled"].includes(task.status) ? task : null;
    },
    `task ${taskId} to finish`,
    60_000,
  );

let stripe: StripeStandIn;
let mail: MailStandIn;
beforeAll(async () => {
  stripe = await startStripeStandIn(STRIPE_KEY, CHECKOUT_HOST);
  mail = await startMailStandIn(MAIL_KEY);
});
afterAll(async () => {
  await stripe?.close();
  await mail?.close();
});

const model = withScriptedModel({ reply: agentScript });
const server = withServer(() => ({
  vars: {
    ...modelVars(model),
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: "whsec_billing_e2e_standin",
    STRIPE_API_BASE: stripe.url,
    MAIL_API_URL: mail.url,
    MAIL_API_KEY: MAIL_KEY,
    MAIL_FROM: "Autopilot <autopilot@billing.test>",
  },
}));
const browser = withBrowser();

beforeAll(async () => {
  seeded = await seedWorkspace(server.url, SEED, "Billing");
  const { agent, threadIds } = seeded;
  keyPrincipal = agent.principal!.id;
  // The release bot's tasks of the month: one step each, on the scripted model.
  for (const i of [0, 1]) {
    const { task } = await agent.tasks.start({
      goal: `Summarise “${threadTitle(i)}” for the weekly update. SAY: Summary of ${threadTitle(i)} posted.`,
      threadId: threadIds[i]!,
    });
    expect((await taskDone(agent, task.id)).status).toBe("done");
  }
}, 600_000);

afterAll(async () => {
  for (const client of mcpClients) await client.close().catch(() => undefined);
  for (const client of clients) client.close();
  seeded?.close();
  for (const context of contexts) await context.close().catch(() => {});
});

describe("the workspace's money, the same everywhere", () => {
  it("gives a person, the client library, the CLI, MCP and the panel the same numbers", async () => {
    const person = personClient(server.url, seeded.owner.cookie, seeded.workspace, "alice-node");
    clients.push(person);
    await person.ready();
    const key = await createKey("Numbers bot", ["read"]);
    const agentMcp = await mcp(key);
    const viaMcp = async (groupBy: string) =>
      (await agentMcp.callTool({ name: "billing_summary", arguments: { groupBy } })).structuredContent as Summary;

    for (const groupBy of ["purpose", "principal", "day"] as const) {
      const bySocket = await person.billing.summary({ groupBy });
      expect(await seeded.agent.billing.summary({ groupBy }), groupBy).toEqual(bySocket);
      expect(await viaMcp(groupBy), groupBy).toEqual(bySocket);
    }
    const summary = await person.billing.summary({ groupBy: "purpose" });
    expect(await cliJson<Summary>(cli(key, ["billing", "--json"]), ["billing", "--json"])).toEqual(summary);
    // The seeded month: the people's replies and the bot's tasks, all usage, balance = plan − usage.
    expect(summary.groups.map((g) => g.key).sort()).toEqual(expect.arrayContaining(["reply", "task"]));
    expect(summary.state.periodUsed).toBe(summary.groups.reduce((sum, g) => sum + g.credits, 0));
    expect(summary.state.balance).toBe(summary.state.plan.includedCredits - summary.state.periodUsed);
    const entries = await person.billing.entries({ limit: 500 });
    expect((await agentMcp.callTool({ name: "billing_entries", arguments: { limit: 500 } })).structuredContent).toEqual(
      entries,
    );
    expect(-entries.entries.filter((e) => e.kind === "usage").reduce((sum, e) => sum + e.amount, 0)).toBe(
      summary.state.periodUsed,
    );

    // The panel: the same balance, month, rollups by what and by who (named), and a bar for today.
    alice = await openApp(seeded.owner.cookie);
    const panel = await openBilling(alice);
    await expect(panel.getByTestId("billing-balance").textContent()).resolves.toBe(
      summary.state.balance.toLocaleString("en-US"),
    );
    await expect(panel.getByTestId("billing-period-used").textContent()).resolves.toBe(
      `${summary.state.periodUsed.toLocaleString("en-US")} credits`,
    );
    await expect
      .poll(() => rows(alice, "By what"))
      .toEqual(summary.groups.map((g) => [purposeLabel(g.key), g.credits]));
    const byWho = await person.billing.summary({ groupBy: "principal" });
    const members = await httpJson<{ members: { userId: string; name: string }[] }>(
      server.url,
      `/api/workspaces/${seeded.workspace}/members`,
      { cookie: seeded.owner.cookie },
    );
    const names = new Map([
      [keyPrincipal, "Release bot"],
      ...members.body.members.map((m) => [m.userId, m.name] as [string, string]),
    ]);
    expect(names.get(person.principal!.id)).toBe("AliceBilling");
    await expect
      .poll(() => rows(alice, "By who"))
      .toEqual(byWho.groups.map((g) => [names.get(g.key!) ?? g.key, g.credits]));
    const today = new Date().toISOString().slice(0, 10);
    const bar = panel.locator(`.day-chart g[data-day="${today}"] title`);
    await expect(bar.textContent()).resolves.toMatch(
      new RegExp(`: ${summary.state.periodUsed.toLocaleString("en-US")} credits$`),
    );
    await expect(panel.locator(".day-chart g[data-day]").count()).resolves.toBe(
      Math.round((summary.state.period.end - summary.state.period.start) / 86_400_000),
    );
    // The rollups download as CSV, with the same numbers.
    const [download] = await Promise.all([
      alice.waitForEvent("download"),
      panel.getByRole("button", { name: "Download these as CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path())!, "utf8").split("\r\n");
    expect(csv[0]).toBe("period,by,name,id,credits,entries,input tokens,output tokens");
    for (const g of summary.groups)
      expect(csv.some((line) => line.includes(`,what,${purposeLabel(g.key)},${g.key},${g.credits},`))).toBe(true);
    for (const g of byWho.groups)
      expect(csv.some((line) => line.includes(`,who,${names.get(g.key!) ?? g.key},${g.key},${g.credits},`))).toBe(true);
    await shot(alice, "01-billing-panel");
  }, 180_000);
});

describe("budgets, a spend approval and receipts", () => {
  let spendTask: Task;

  it("an owner sets the workspace's and the release bot's budgets in the panel", async () => {
    const panel = alice.locator(".billing-view");
    const form = panel.getByRole("form", { name: "Set a budget" });
    await form.getByLabel("For").selectOption("workspace");
    await form.getByLabel("Credits per month").fill("50000");
    await form.getByRole("button", { name: "Set budget" }).click();
    await panel.locator('.budget[data-scope="workspace"]').waitFor();

    // The key's budget is what it spent this month: its next step would cross it.
    const used = (await seeded.agent.billing.summary({ groupBy: "principal" })).groups.find(
      (g) => g.key === keyPrincipal,
    )!.credits;
    expect(used).toBeGreaterThan(0);
    await form.getByLabel("For").selectOption("key");
    await form.getByLabel("Agent key").selectOption({ label: "Release bot" });
    await form.getByLabel("Credits per month").fill(String(used));
    await form.getByRole("button", { name: "Set budget" }).click();
    const keyBudget = panel.locator('.budget[data-scope="key"]');
    await keyBudget.getByText("Release bot").waitFor();
    await expect(keyBudget.locator(".budget-use").textContent()).resolves.toMatch(/^[\d,]+ used · 0 credits left/);
    const { state } = await seeded.agent.billing.summary();
    expect(state.budgets.map((b) => [b.scope, b.subjectId, b.limit])).toEqual([
      ["workspace", null, 50_000],
      ["key", keyPrincipal, used],
    ]);
    await shot(alice, "02-budgets-set");
  }, 60_000);

  it("the bot's next task asks in the queue; a member approves it with one click; the panel follows", async () => {
    const bob = await openApp(seeded.second.cookie);
    spendTask = (
      await seeded.agent.tasks.start({
        goal: "Draft the weekly update from the summaries. SAY: Weekly update drafted.",
        threadId: seeded.threadIds[2]!,
      })
    ).task;
    await bob.getByRole("tab", { name: /Approvals/ }).click();
    const item = bob.locator(".queue-item", { hasText: "Spend up to" });
    await item.waitFor({ timeout: 30_000 });
    // It reads: how much, against whose budget, for what, spent by whom; decided in one click.
    await expect(item.locator(".spend-facts").textContent()).resolves.toMatch(
      /^[\d,]+ credits · budget of agent key “Release bot” · spent by Release bot$/,
    );
    await expect(item.locator(".approval-summary").textContent()).resolves.toMatch(
      /more credits for .*once; the agent key's budget is raised by that for this period\.$/,
    );
    // What it asks for the rest of the task is in the field; Bob grants a round figure above it.
    const field = item.getByLabel("Credits to grant");
    const asked = Number((await field.inputValue()).replace(/,/g, ""));
    expect(asked).toBeGreaterThan(0);
    const granted = Math.ceil((asked + 1) / 100) * 100;
    await field.fill(String(granted));
    await item.getByText("Approving raises the budget by this much, once, for this period.").waitFor();
    await shot(bob, "03-spend-approval-queue");
    await item.getByRole("button", { name: "Approve" }).click();
    expect((await taskDone(seeded.agent, spendTask.id)).status).toBe("done");

    // Alice's panel followed without a reload: the raise (Bob's figure), and what the step spent.
    const { state } = await seeded.agent.billing.summary();
    const keyBudget = state.budgets.find((b) => b.scope === "key")!;
    expect(keyBudget.raised).toBe(granted);
    await alice
      .locator('.billing-view .budget[data-scope="key"] .budget-raised', {
        hasText: `+ ${keyBudget.raised.toLocaleString("en-US")} credits from spend approvals this month`,
      })
      .waitFor({ timeout: 15_000 });
    // The budget reads as the owner set it; the raise stands beside it, not folded in.
    await expect(alice.locator('.billing-view .budget[data-scope="key"] .budget-head').textContent()).resolves.toMatch(
      new RegExp(`${keyBudget.limit.toLocaleString("en-US")} credits? per month · \\+ `),
    );
    await expect
      .poll(() => alice.getByTestId("billing-balance").textContent(), { timeout: 15_000 })
      .toBe(state.balance.toLocaleString("en-US"));
    // The month's rollups are read again after the change: the bot's step is counted.
    const botSpent = (await seeded.agent.billing.summary({ groupBy: "principal" })).groups.find(
      (g) => g.key === keyPrincipal,
    )!.credits;
    expect(botSpent).toBe(keyBudget.used);
    await expect
      .poll(async () => (await rows(alice, "By who")).find(([name]) => name === "Release bot")?.[1], {
        timeout: 15_000,
      })
      .toBe(botSpent);
    await shot(alice, "04-after-spend-approval");

    // A member reads the money but neither buys credits nor sets budgets.
    const panel = await openBilling(bob);
    await panel.getByText("Owners and admins can buy more credits here.").waitFor();
    await panel.getByText(/^Owners and admins set budgets/).waitFor();
    await expect(panel.getByRole("form", { name: "Set a budget" }).count()).resolves.toBe(0);
    await expect(panel.getByRole("button", { name: /^Remove the budget/ }).count()).resolves.toBe(0);
    await expect(panel.getByTestId("billing-balance").textContent()).resolves.toBe(
      state.balance.toLocaleString("en-US"),
    );
    await panel.locator(".budget-list").scrollIntoViewIfNeeded();
    await shot(bob, "05-member-view");
  }, 120_000);

  it("shows a run's receipts in the panel and under the task's log, as billing.entries has them", async () => {
    const { entries } = await seeded.agent.billing.entries({ runId: spendTask.id, limit: 500 });
    expect(entries.length).toBeGreaterThan(0);
    const spent = -entries.reduce((sum, e) => sum + e.amount, 0);
    const panel = alice.locator(".billing-view");
    const receipt = panel.locator(`.receipt[data-entry-id="${entries[0]!.id}"]`);
    await receipt.getByRole("button", { name: "this run's receipts" }).click();
    const run = panel.locator(`.run-receipts[data-run-id="${spendTask.id}"]`);
    await run
      .getByText(`${spent.toLocaleString("en-US")} ${spent === 1 ? "credit" : "credits"} in ${entries.length}`)
      .waitFor();
    await expect(run.locator(".receipt").count()).resolves.toBe(entries.length);
    await shot(alice, "06-run-receipts");

    await alice.getByRole("tab", { name: /Tasks/ }).click();
    await alice
      .locator(`.task-row[data-task-id="${spendTask.id}"]`)
      .getByRole("button", { name: /Draft the weekly/ })
      .click();
    const cost = alice.locator(`.task-view[data-task-id="${spendTask.id}"] .run-cost`);
    await cost.locator("summary", { hasText: `Cost: ${spent.toLocaleString("en-US")}` }).click();
    await expect(cost.locator(".receipt").count()).resolves.toBe(entries.length);
    await shot(alice, "07-task-run-cost");
  }, 60_000);

  it("the CLI sets a budget with an admin key (the panel shows it live) and is refused without admin", async () => {
    const admin = await createKey("Ops bot", ["read", "write", "approve", "admin"]);
    const { project } = await seeded.agent.projects.create({ name: "Weekly update" });
    const set = await cli(admin, ["billing", "budget", "project", project.id, "2000"]);
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect(set.stdout.trim()).toMatch(
      new RegExp(`^Budget set\\. Project ${project.id}: 0 of 2,000 credits per month used, 2,000 left$`),
    );
    await alice.getByRole("tab", { name: "Billing" }).click();
    await alice
      .locator('.billing-view .budget[data-scope="project"]')
      .getByText("Weekly update")
      .waitFor({ timeout: 15_000 });

    const notAdmin = await seeded.agent.billing
      .setBudget({ scope: "project", subjectId: project.id, limit: null })
      .catch((error: unknown) => error);
    expect(notAdmin).toBeInstanceOf(AutopilotError);
    expect((notAdmin as AutopilotError).code).toBe("forbidden");
    const text = await cli(admin, ["billing"]);
    expect(text.stdout).toMatch(/\nBudgets:\n {2}Workspace: [\d,]+ of 50,000 credits per month used/);
    expect(text.stdout).toContain(`  Project ${project.id}: 0 of 2,000 credits per month used, 2,000 left`);
  }, 60_000);
});

describe("top-ups", () => {
  it("an owner's Top up opens Stripe's checkout; coming back, Billing says how it went", async () => {
    const panel = alice.locator(".billing-view");
    const { state } = await seeded.agent.billing.summary();
    expect(state.topUps).toBe(true);
    const option = state.topUpOptions[0]!;
    const button = panel.getByRole("button", { name: new RegExp(`^Top up ${option.credits.toLocaleString("en-US")}`) });
    await expect(button.textContent()).resolves.toContain(option.price);
    await button.click();
    await alice.waitForURL(new RegExp(`^https://${CHECKOUT_HOST.replaceAll(".", "\\.")}/c/pay/cs_test_`));
    expect(stripe.asked.at(-1)).toMatchObject({ mode: "payment", "metadata[credits]": String(option.credits) });

    await alice.goto(`${server.url}/?w=${seeded.workspace}&billing=paid`);
    const note = alice.locator(".billing-view .billing-note");
    await note.getByText(/^Thank you: the credits are added here/).waitFor({ timeout: 30_000 });
    expect(new URL(alice.url()).searchParams.get("billing")).toBeNull();
    await alice.locator(".billing-view").getByTestId("billing-balance").waitFor();
    await shot(alice, "08-back-from-checkout");
  }, 60_000);
});

describe("a key without read", () => {
  it("sees no billing through the client library, the CLI or MCP", async () => {
    const key = await createKey("Writer bot", ["write"]);
    const writer = new AutopilotClient({ url: server.url, workspace: seeded.workspace, device: "writer", apiKey: key });
    clients.push(writer);
    await writer.ready();
    for (const call of [() => writer.billing.summary(), () => writer.billing.entries({ limit: 5 })]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AutopilotError);
      expect((error as AutopilotError).code).toBe("forbidden");
    }
    for (const args of [["billing", "--json"], ["billing", "entries", "--json"], ["billing"]]) {
      const run = await cli(key, args);
      expect(run.code, args.join(" ")).toBe(3);
      expect(run.stdout, args.join(" ")).toBe("");
      expect(run.stderr, args.join(" ")).toMatch(/needs the read scope \(forbidden\)/);
    }
    const client = await mcp(key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.filter((n) => n.startsWith("billing_"))).toEqual([]);
    const refused = await client
      .callTool({ name: "billing_summary", arguments: {} })
      .catch((error: unknown) => ({ isError: true, content: String(error) }));
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused)).not.toMatch(/balance|periodUsed/);
  }, 60_000);
});

describe("alerts before the money runs out", () => {
  it("the workspace's budget at 80% reaches the owner's inbox in the app and the mail API once, not again at 81%; used up, it says so", async () => {
    const owner = personClient(server.url, seeded.owner.cookie, seeded.workspace, "alice-alerts");
    clients.push(owner);
    await owner.ready();
    const { preferences } = (await owner.inbox.get()).inbox;
    await owner.inbox.configure({ preferences: { ...preferences, emailAfterMs: 0 } });
    const workspaceBudget = async () =>
      (await owner.billing.summary()).state.budgets.find((b) => b.scope === "workspace")!;
    const { used, raised } = await workspaceBudget();
    expect(used).toBeGreaterThan(0);
    // A limit that leaves the budget just past 80% used: the threshold is crossed now.
    const at = (percent: number) => Math.floor((used * 100) / percent) - raised;
    await owner.billing.setBudget({ scope: "workspace", limit: at(80) });
    const title = "The workspace's budget is 80% used";
    await alice.getByRole("tab", { name: /^Inbox/ }).click();
    const item = alice.locator(".inbox-item", { hasText: title });
    await item.waitFor({ timeout: 15_000 });
    await shot(alice, "05-budget-alert-inbox");
    const about = (text: string) => mail.sent.filter((m) => m.subject.includes(text));
    await until(() => about(title).length > 0, "the alert's mail at the mail API", 15_000);
    expect(about(title)[0]).toMatchObject({
      from: "Autopilot <autopilot@billing.test>",
      to: [seeded.owner.email],
      subject: `The workspace's money: ${title}`,
    });
    expect(about(title)[0]!.text).toContain("panel=billing");

    // 81%: the same threshold, no news. Used up: news, mailed; by then the 80% one was not mailed again.
    await owner.billing.setBudget({ scope: "workspace", limit: at(81) });
    const at81 = await workspaceBudget();
    expect(at81.used * 100).toBeGreaterThanOrEqual((at81.limit + at81.raised) * 81);
    expect(at81.used).toBeLessThan(at81.limit + at81.raised);
    await owner.billing.setBudget({ scope: "workspace", limit: Math.max(1, used - raised) });
    await alice.locator(".inbox-item", { hasText: "The workspace's budget is used up" }).waitFor({ timeout: 15_000 });
    await until(() => about("budget is used up").length > 0, "the used-up alert's mail", 15_000);
    expect(about(title)).toHaveLength(1);
    await expect(alice.locator(".inbox-item", { hasText: title }).count()).resolves.toBe(0);
    // Raised again: the alert leaves the inbox.
    await owner.billing.setBudget({ scope: "workspace", limit: 50_000 });
    await alice
      .locator(".inbox-item", { hasText: "budget is used up" })
      .waitFor({ state: "detached", timeout: 15_000 });

    // The balance below its threshold: a banner for everyone who reads the money, gone once it is not.
    const { state } = await owner.billing.summary();
    await owner.billing.setAlerts({ alerts: { ...state.alerts, lowBalance: state.balance + 1000 } });
    const banner = alice.locator(".low-balance");
    await banner.getByText("Credits are running low.").waitFor({ timeout: 15_000 });
    await expect(banner.textContent()).resolves.toContain(`${state.balance.toLocaleString("en-US")} credits left`);
    await alice.locator(".inbox-item", { hasText: "The workspace's credits are running low" }).waitFor();
    await shot(alice, "06-low-balance-banner");
    await owner.billing.setAlerts({ alerts: state.alerts });
    await banner.waitFor({ state: "detached", timeout: 15_000 });
  }, 90_000);
});
