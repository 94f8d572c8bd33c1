// The small things the sixth walk found, in the app, end to end in Chromium against the real
// server (wrangler dev, the Autopilot on the scripted model) in a small seeded workspace of
// Alice (owner) and Bob (member): the schedule dialog says whose a schedule runs as and finds
// a time zone by search; a spend approval the room resolved when Alice raised the budget reads
// "No longer needed", not "Withdrawn by Alice"; an empty Waiting filter says so; a finished
// task says the steps it took against its budget; the start dialog says a typical cost beside
// the worst case; the audit filters and folds memory writes; read and unread inbox items look
// different; the billing chart's text is drawn at its own size. At 1440×900 and 390×844, light
// and dark. Screenshots go to test-artifacts/details/ (git-ignored).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentScript } from "../../runtime/test/scripted-model";
import type { AutopilotClient } from "../src/client";
import { estimateWords } from "../app/lib/run-log";
import { appPages, artifactsIn, withBrowser } from "./browser-helpers";
import { modelVars, personClient, until, withScriptedModel, withServer } from "./e2e-helpers";
import { type SeededWorkspace, seedWorkspace, threadTitle } from "./workspace-seed";

const { shot } = artifactsIn("details");
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const LABEL = "Details";
const ALICE = `Alice${LABEL}`;
const BOB = `Bob${LABEL}`;
const NOTES = 6;

const model = withScriptedModel({ reply: agentScript });
const server = withServer(() => ({ vars: modelVars(model) }));
const browser = withBrowser();
let seeded: SeededWorkspace;
let alice: AutopilotClient;
let taskId: string;
const openApp = appPages(browser, () => ({ url: server.url, workspace: seeded.workspace }));

/** A screenshot in the light theme, then the same in the dark one (the app follows the system's). */
async function shots(page: Page, name: string) {
  await page.emulateMedia({ colorScheme: "light" });
  await shot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: "light" });
}

beforeAll(async () => {
  seeded = await seedWorkspace(
    server.url,
    { threads: 8, toolCalls: 0, approvals: 0, jobs: 0, notes: 1, groups: 1 },
    LABEL,
  );
  alice = personClient(server.url, seeded.owner.cookie, seeded.workspace, "alice-details");
  await alice.ready();
  const [first, second, third] = seeded.threadIds as [string, string, string];
  await alice.request("schedules.create", {
    name: "Stand-up",
    when: { kind: "cron", expression: "0 9 * * 1-5", timeZone: "UTC" },
    action: { kind: "prompt", threadId: second, text: "Stand-up: what is blocked?" },
  });
  // A task that crosses a small budget: it asks to spend, then Alice raises the budget instead.
  await alice.request("billing.setBudget", { scope: "workspace", limit: 30 });
  const steps = Array.from({ length: NOTES }, (_, i) => `memory_put {"key":"fact-${i}","value":"Fact ${i}"}`);
  taskId = (
    await alice.request("tasks.start", { goal: `Note the release facts. STEPS: ${steps.join("; ")}`, threadId: first })
  ).task.id;
  await until(
    () =>
      [...alice.state.approvals.values()].some(
        (a) => a.status === "pending" && a.action?.kind === "spend" && a.action.for.id === taskId,
      ),
    "the task's spend approval",
    60_000,
  );
  await alice.request("billing.setBudget", { scope: "workspace", limit: 100_000 });
  await until(() => alice.state.tasks.get(taskId)?.status === "done", "the task to finish", 60_000);
  // Two mentions of Bob: one he opens, one he leaves unread.
  await alice.chat.send({ threadId: second, text: `@${BOB} the stand-up moved` });
  await alice.chat.send({ threadId: third, text: `@${BOB} please look at this one` });
}, 600_000);

afterAll(async () => {
  alice?.close();
  seeded?.close();
});

describe("the details a team reads every day", () => {
  it("at 1440×900: whose schedule, time zones by search, no longer needed, nothing waiting, steps taken, typical costs, the audit, unread items, the chart", async () => {
    const bob = await openApp(seeded.second.cookie, { viewport: DESKTOP });

    // Bob edits Alice's schedule: it runs as her, and a zone is found by typing.
    await bob.getByRole("tab", { name: "Schedules" }).click();
    await bob.locator(".schedule-row", { hasText: "Stand-up" }).getByRole("button", { name: "Edit" }).click();
    const dialog = bob.getByRole("dialog", { name: "Edit schedule" });
    await dialog.getByText(`It runs as ${ALICE}, with nobody connected`).waitFor();
    const search = dialog.getByRole("searchbox", { name: "Find a time zone" });
    await search.fill("tokyo");
    await expect.poll(() => dialog.getByRole("combobox", { name: "Time zone" }).inputValue()).toBe("Asia/Tokyo");
    await dialog.locator(".schedule-preview", { hasText: "Tokyo time" }).waitFor();
    await shots(bob, "01-schedule-dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // The spend approval Alice's raise made unneeded says so; Waiting, empty, says nothing waits.
    await bob.getByRole("tab", { name: /Approvals/ }).click();
    const filters = bob.getByRole("toolbar", { name: "Show approvals" });
    await filters.getByRole("button", { name: "Waiting" }).click();
    await bob.getByRole("heading", { name: "Nothing waiting" }).waitFor();
    expect(await bob.getByText(/When an agent asks a person to confirm/).count()).toBe(0);
    await shots(bob, "02-approvals-waiting-empty");
    await filters.getByRole("button", { name: "Decided" }).click();
    const outcome = bob.locator(".queue-item .outcome", { hasText: "No longer needed" }).first();
    await expect(outcome.textContent()).resolves.toMatch(
      new RegExp(`^No longer needed: ${ALICE} raised the budget to 100,000 credits`),
    );
    expect(await bob.locator(".queue-item .outcome", { hasText: "Withdrawn" }).count()).toBe(0);
    await shots(bob, "03-approvals-no-longer-needed");

    // The task that ended says the steps it took against its budget, never "Step 7 of 50".
    const task = alice.state.tasks.get(taskId)!;
    await bob.getByRole("tab", { name: "Tasks" }).click();
    await bob.locator(".task-list .queue-title", { hasText: "Note the release facts" }).first().click();
    const view = bob.locator(`.task-view[data-task-id="${taskId}"]`);
    await view
      .locator(".task-budget-line", { hasText: `Took ${task.used.steps} steps (at most ${task.budget.maxSteps})` })
      .waitFor();

    // Starting a task: a typical cost, read from the task that ran, beside the worst case.
    await bob
      .locator(".sidebar .nav-item", { hasText: threadTitle(0) })
      .first()
      .click();
    await bob.getByRole("button", { name: "Start a task" }).first().click();
    const start = bob.getByRole("dialog", { name: "Start a task" });
    await start.getByLabel("Steps").fill("12");
    const estimate = await alice.request("tasks.estimate", { budget: { maxSteps: 12 } });
    expect(estimate.typical).toMatchObject({ basis: "recent", tasks: 1 });
    await start.locator(".task-worst-case", { hasText: estimateWords(estimate) }).waitFor();
    await shots(bob, "04-start-dialog-typical");
    await start.getByRole("button", { name: "Cancel" }).click();

    // Read and unread inbox items differ to the eye (weight, a dot) and to a screen reader.
    await bob.getByRole("tab", { name: /Inbox/ }).click();
    const items = bob.locator(".inbox-item");
    await expect.poll(() => items.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await bob.locator(".inbox-item.unread", { hasText: "stand-up moved" }).getByRole("button").first().click();
    await bob.getByRole("tab", { name: /Inbox/ }).click();
    const read = bob.locator(".inbox-item.read").first();
    const unread = bob.locator(".inbox-item.unread").first();
    await read.waitFor();
    const weight = (item: typeof read) =>
      item.locator(".nav-title").evaluate((el) => Number(getComputedStyle(el).fontWeight));
    expect(await weight(unread)).toBeGreaterThan(await weight(read));
    expect(await unread.locator(".unread-dot").isVisible()).toBe(true);
    expect(await read.locator(".unread-dot").count()).toBe(0);
    expect(await unread.getByRole("button", { name: /^Unread:/ }).count()).toBe(1);
    await shots(bob, "05-inbox-read-unread");

    // Alice's audit: memory writes folded into one line, filters by kind and by who acted, targets named.
    const page = await openApp(seeded.owner.cookie, { viewport: DESKTOP });
    await page.getByRole("tab", { name: "Audit" }).click();
    const log = page.getByRole("list", { name: "Audit log" });
    await log.locator(".audit-memory summary", { hasText: `saved ${NOTES} memory notes` }).waitFor();
    const kinds = page.getByRole("toolbar", { name: "Show audit entries" });
    await kinds.getByRole("button", { name: "Tasks and schedules" }).click();
    const filtered = page.getByRole("list", { name: "Audit log, filtered" });
    await filtered.getByText("created the schedule “Stand-up”").waitFor();
    expect(await filtered.locator(".audit-memory").count()).toBe(0);
    await kinds.getByRole("button", { name: "Everything" }).click();
    await kinds.getByRole("combobox", { name: "Who acted" }).selectOption({ label: ALICE });
    await filtered.getByText("set the workspace's budget to 100,000 credits a month").waitFor();
    const actors = await filtered.locator(".audit-entry > p:first-child strong").allTextContents();
    expect(new Set(actors)).toEqual(new Set([ALICE]));
    await shots(page, "06-audit-filtered");

    // The billing chart draws its text at the size the stylesheet says, whatever the panel's width.
    await page.getByRole("tab", { name: "Billing" }).click();
    await chartTextUnscaled(page);
    await shots(page, "07-billing-chart");
  });

  it("at 390×844: nothing waiting, unread items, the zone search and the chart fit a phone", async () => {
    const bob = await openApp(seeded.second.cookie, { viewport: PHONE });
    const bottom = (name: RegExp) => bob.getByRole("navigation", { name: "Sections" }).getByRole("button", { name });
    await bottom(/^Approvals/).tap();
    await bob.getByRole("toolbar", { name: "Show approvals" }).getByRole("button", { name: "Waiting" }).tap();
    await bob.getByRole("heading", { name: "Nothing waiting" }).waitFor();
    await shots(bob, "phone-01-approvals-waiting-empty");

    await bottom(/^Inbox/).tap();
    await bob.locator(".inbox-item.unread .unread-dot").first().waitFor();
    await bob.locator(".inbox-item.read").first().waitFor();
    await shots(bob, "phone-02-inbox");

    await bob.getByRole("tab", { name: "Schedules" }).tap();
    await bob.locator(".schedule-row", { hasText: "Stand-up" }).getByRole("button", { name: "Edit" }).tap();
    const dialog = bob.getByRole("dialog", { name: "Edit schedule" });
    await dialog.getByRole("searchbox", { name: "Find a time zone" }).fill("new york");
    await expect.poll(() => dialog.getByRole("combobox", { name: "Time zone" }).inputValue()).toBe("America/New_York");
    const box = (await dialog.getByRole("combobox", { name: "Time zone" }).boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    await shots(bob, "phone-03-schedule-zone");
    await dialog.getByRole("button", { name: "Cancel" }).tap();

    await bob.getByRole("tab", { name: "Billing" }).tap();
    await chartTextUnscaled(bob);
    await shots(bob, "phone-04-billing-chart");
  });
});

/** The day chart's SVG maps one unit to one CSS pixel (its viewBox is not stretched), and its labels are 11 px. */
async function chartTextUnscaled(page: Page) {
  const svg = page.locator(".day-chart svg");
  await svg.waitFor();
  const drawn = await svg.evaluate((el) => {
    const matrix = (el as SVGSVGElement).getScreenCTM()!;
    const label = el.querySelector(".day-chart-day")!;
    return {
      scale: Math.round(matrix.a * 100) / 100,
      fontSize: getComputedStyle(label).fontSize,
      height: Math.round(label.getBoundingClientRect().height),
      width: Math.round(el.getBoundingClientRect().width),
      figure: Math.round(el.parentElement!.getBoundingClientRect().width),
    };
  });
  expect(drawn).toMatchObject({ scale: 1, fontSize: "11px" });
  // The chart fills its figure, and a label is a line of 11 px text, not a scaled-up one.
  expect(Math.abs(drawn.width - drawn.figure)).toBeLessThanOrEqual(1);
  expect(drawn.height).toBeLessThanOrEqual(16);
}
