// What people touch every day, in Chromium at 1440×900 and at 390×844 (a phone, touch) on
// the real server (wrangler dev, the Autopilot on the scripted model) in the issue's
// realistic workspace (workspace-seed.ts: 25 threads, tool calls, approvals, jobs, notes,
// groups) plus an OpenClaw instance (approved; with no runtime here it stands in error) and
// a thread of 27 messages. Checked per browser session: the document never scrolls (after
// ⌘K → Enter on a message, the Audit tab, a confirm dialog); a thread opened from the list
// takes the main area (W gives the canvas back, the choice remembered); the answer settings
// fold; skip links, the `?` sheet and ⌘K's actions; the "N new" chip, the follow banner, task lists, the code block's Copy, search snippets and the
// verify-email banner each stay clear of what they covered; on the phone no horizontal
// overflow, a top bar with an overflow menu, a bottom bar, a chat that fills the screen,
// approvals decided with one thumb, the details panel's tabs each in view or brought there
// by a named chevron; axe-core finds no serious violation on the main screens.
// long-file: one server and one seeded 25-thread workspace for every daily check (a server and
// a seed per file is what the test loop spends most on).
// Schedules in the app too: made with the picker from a thread, their posts marked, paused,
// resumed, run now, from a webhook, deleted, by two people live (one on the phone).
// Screenshots go to test-artifacts/daily/ (git-ignored).
import { join } from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentScript } from "../../runtime/test/scripted-model";
import { AutopilotClient } from "../src/client";
import { artifactsIn, openLive, openPage, signedInPage, signUpInUi, withBrowser } from "./browser-helpers";
import { fitView } from "./canvas-metrics";
import {
  axeSerious,
  documentScroll,
  horizontalOverflow,
  overlap,
  reachable,
  still,
  tabsOutOfView,
  tabTexts,
  visibleMessages,
} from "./daily-checks";
import { createKey, modelVars, personClient, until, withScriptedModel, withServer } from "./e2e-helpers";
import { ISSUE_WORKSPACE, type SeededWorkspace, seedWorkspace, threadTitle } from "./workspace-seed";

const { dir: ARTIFACTS, shot } = artifactsIn("daily");

/** Until the row has stopped scrolling (a tap scrolls it smoothly): what is in view is read after, not mid-way. */
const scrollSettled = (row: Locator) =>
  expect
    .poll(() =>
      row.evaluate(
        (list) =>
          new Promise<boolean>((done) => {
            const at = list.scrollLeft;
            requestAnimationFrame(() => requestAnimationFrame(() => done(list.scrollLeft === at)));
          }),
      ),
    )
    .toBe(true);
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
/** The thread the extra messages go to, and the one with the Markdown message. */
const LONG_THREAD = 8;
const MARKDOWN_THREAD = 22;
const MARKDOWN = [
  "Release checklist:",
  "",
  "- [x] Tag the release",
  "- [ ] Write the **notes** for `2.4`",
  "",
  "Run:",
  "",
  "```sh",
  "npm run deploy -- --environment production --region eu-west-1 --confirm --verbose --no-cache --and-more-flags",
  "```",
].join("\n");

const model = withScriptedModel({ reply: agentScript });
// Schedules may run every 5 s here, so a run comes and goes within a test.
const server = withServer(() => ({ vars: { ...modelVars(model), SCHEDULE_MIN_INTERVAL_SECONDS: "5" } }));
const browser = withBrowser();
let seeded: SeededWorkspace;
const clients: AutopilotClient[] = [];
const contexts: BrowserContext[] = [];

async function openApp(cookie: string, viewport: typeof DESKTOP, query = ""): Promise<Page> {
  const phone = viewport.width < 600;
  const { ctx: context, page } = await signedInPage(browser, server.url, cookie, {
    viewport,
    isMobile: phone,
    hasTouch: phone,
    // The app as it comes: a thread opened from the list takes the main area.
    chatWide: true,
  });
  contexts.push(context);
  await openLive(page, `${server.url}/?w=${seeded.workspace}${query}`);
  // A phone opens on the threads; a desktop shows the canvas beside them.
  if (phone) await page.locator(".sidebar .nav-list .nav-item").first().waitFor({ timeout: 30_000 });
  else await page.locator(".react-flow__node").first().waitFor({ timeout: 30_000 });
  return page;
}

beforeAll(async () => {
  seeded = await seedWorkspace(server.url, ISSUE_WORKSPACE, "Daily");
  const owner = personClient(server.url, seeded.owner.cookie, seeded.workspace, "owner-daily");
  const second = personClient(server.url, seeded.second.cookie, seeded.workspace, "second-daily");
  clients.push(owner, second);
  await Promise.all([owner.ready(), second.ready()]);
  // An instance, as people ask for one: the owner asks, the second person approves.
  const { approval } = await owner.instances.provision({ instanceId: "lab", name: "Lab" });
  await second.approvals.resolve({ approvalId: approval.id, decision: "approve" });
  await until(() => owner.state.instances.get("lab")?.status === "error", "the instance to settle", 60_000);
  // A long thread (agents' messages start no Autopilot run) and a message in Markdown.
  for (let i = 1; i <= 20; i++)
    await seeded.agent.chat.send({
      threadId: seeded.threadIds[LONG_THREAD]!,
      text: `Sync item ${i}: the ${i}th point of the week`,
    });
  await seeded.agent.chat.send({ threadId: seeded.threadIds[MARKDOWN_THREAD]!, text: MARKDOWN });
}, 480_000);

afterAll(async () => {
  for (const c of clients) c.close();
  seeded?.close();
  for (const context of contexts) await context.close();
});

/** A thread's button by the start of its title, and its row (`has` matches inside the row). */
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const titled = (index: number) => ({ name: new RegExp(`^${escaped(threadTitle(index).slice(0, 18))}`) });
const threadButton = (page: Page, index: number) => page.locator(".sidebar").getByRole("button", titled(index));
const threadRow = (page: Page, index: number) =>
  page.locator(".sidebar .thread-row", { has: page.getByRole("button", titled(index)) });

async function paletteTo(page: Page, query: string, option: RegExp | string) {
  await page.keyboard.press("Control+k");
  const input = page.locator("#palette-input");
  await input.fill(query);
  const target =
    typeof option === "string"
      ? page
          .locator(".palette-item")
          .filter({ has: page.locator(".palette-label", { hasText: new RegExp(`^${option}$`) }) })
      : page.locator(".palette-item").filter({ has: page.locator(".palette-detail", { hasText: option }) });
  await target.first().waitFor();
  const id = await target.first().getAttribute("id");
  for (let i = 0; i < 40 && (await input.getAttribute("aria-activedescendant")) !== id; i++)
    await page.keyboard.press("ArrowDown");
  expect(await input.getAttribute("aria-activedescendant")).toBe(id);
}

describe("at 1440×900", () => {
  let page: Page;
  beforeAll(async () => {
    page = await openApp(seeded.owner.cookie, DESKTOP);
  });

  it("the document never scrolls: loaded, after ⌘K → Enter on a message, the Audit tab and a confirm dialog", async () => {
    expect.soft(await documentScroll(page)).toEqual(still(DESKTOP.height));
    await paletteTo(page, "3th point", /Sync item 3:/);
    await page.keyboard.press("Enter");
    await page.locator(".message[data-found]").waitFor();
    expect.soft(await documentScroll(page)).toEqual(still(DESKTOP.height));
    await shot(page, "desktop-found-message");

    await page.getByRole("tab", { name: "Audit" }).click();
    await page.getByRole("list", { name: "Audit log" }).waitFor();
    expect.soft(await documentScroll(page)).toEqual(still(DESKTOP.height));
    // Here the details panel's tabs wrap: every one in view, and no chevron to page them.
    const panel = page.locator(".right-panel");
    expect.soft(await tabsOutOfView(panel.getByRole("tablist"))).toEqual({ before: [], after: [] });
    expect.soft(await panel.getByRole("button", { name: /^(Next|Previous) tabs$/ }).count()).toBe(0);

    await page.locator("section[aria-labelledby=instances-h]").getByRole("button", { name: /^Lab/ }).click();
    await page.getByRole("button", { name: "Delete…" }).click();
    await page.getByRole("dialog", { name: "Delete Lab?" }).waitFor();
    expect.soft(await documentScroll(page)).toEqual(still(DESKTOP.height));
    await shot(page, "desktop-confirm");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog", { name: "Delete Lab?" }).waitFor({ state: "hidden" });
    expect(await documentScroll(page)).toEqual(still(DESKTOP.height));
  });

  it("a thread's row says what is going on in it: approvals waiting (how many) and scheduled, live", async () => {
    const INDEX = 12;
    const threadId = seeded.threadIds[INDEX]!;
    const row = threadRow(page, INDEX);
    const waiting = row.locator(".mark.waiting");
    const before = (await waiting.count()) ? Number((await waiting.textContent())?.match(/^\d+/)?.[0]) : 0;
    // An agent asks twice in the thread: the row counts them; one decided, it counts one less.
    const asked = [];
    for (const title of ["Rotate the staging keys", "Bump the base image"])
      asked.push((await seeded.agent.approvals.request({ title, risk: "low", threadId })).approval);
    await until(async () => (await waiting.textContent())?.startsWith(String(before + 2)), "two more waiting", 15_000);
    expect(await waiting.getAttribute("title")).toBe(`${before + 2} waiting for approval`);
    await clients[0]!.approvals.resolve({ approvalId: asked[0]!.id, decision: "approve" });
    await until(async () => (await waiting.textContent())?.startsWith(String(before + 1)), "one fewer waiting", 15_000);
    // A schedule that posts there marks it; paused, the mark goes.
    const owner = clients[0]!;
    const scheduled = row.locator(".mark.scheduled");
    expect(await scheduled.count()).toBe(0);
    const { schedule } = await owner.schedules.create({
      when: { kind: "every", everyMs: 3_600_000 },
      action: { kind: "prompt", threadId, text: "Post the standup notes" },
    });
    await scheduled.waitFor();
    expect(await row.getByRole("button").first().textContent()).toMatch(/scheduled/);
    await row.scrollIntoViewIfNeeded();
    await shot(page, "thread-states");
    await owner.schedules.pause({ scheduleId: schedule.id });
    await scheduled.waitFor({ state: "detached" });
    await owner.approvals.resolve({ approvalId: asked[1]!.id, decision: "deny" });
  });

  it("pins: a thread pinned by keyboard stands first, and follows the person's other device", async () => {
    const INDEX = 20;
    const title = threadTitle(INDEX);
    const firstTitle = () => page.locator(".sidebar .nav-list").first().locator(".nav-title").first().textContent();
    expect(await firstTitle()).not.toBe(title);
    // The row, then Tab to its pin (shown while the row has focus), then Enter.
    await threadButton(page, INDEX).focus();
    await page.keyboard.press("Tab");
    const row = threadRow(page, INDEX);
    const pin = row.getByRole("button", { name: "Pin", exact: true });
    expect(await pin.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press("Enter");
    const unpin = row.getByRole("button", { name: "Unpin", exact: true });
    // Its row's title describes it, for a screen reader.
    expect(await unpin.getAttribute("aria-describedby")).toBe(`thread-title-${seeded.threadIds[INDEX]}`);
    await unpin.waitFor();
    expect(await unpin.getAttribute("aria-pressed")).toBe("true");
    expect(await firstTitle()).toBe(title);
    await shot(page, "thread-pinned");
    // The same person's other device (their API client) reads the pin from the room, and its
    // unpin moves the row back in this tab at once.
    const owner = clients[0]!;
    const { pins } = await owner.threads.pins({});
    expect(pins).toEqual([seeded.threadIds[INDEX]]);
    await owner.threads.pin({ threadId: seeded.threadIds[INDEX]!, pinned: false });
    await pin.waitFor();
    expect(await firstTitle()).not.toBe(title);
  });

  it("a thread opened from the list takes the main area (the canvas one key away, the choice remembered); its answer settings fold away", async () => {
    const wide = page.getByRole("button", { name: "Wide panel" });
    const pane = page.locator(".react-flow__pane");
    await threadButton(page, LONG_THREAD).click();
    const view = page.locator(".thread-view");
    await view.locator(".message", { hasText: "Sync item 20:" }).waitFor();
    // By default the chat has the main area, at a readable measure.
    await expect(wide.getAttribute("aria-pressed")).resolves.toBe("true");
    expect((await page.locator(".right-panel").boundingBox())!.width).toBeGreaterThanOrEqual(1000);
    await expect(pane.isVisible()).resolves.toBe(false);
    const wideMessages = await visibleMessages(page);
    expect(await documentScroll(page)).toEqual(still(DESKTOP.height));
    await shot(page, "desktop-chat-wide");
    expect(await axeSerious(page)).toEqual([]);

    // W gives the canvas back, the chat beside it; the choice is remembered on this device:
    // the next thread, and after a reload, open beside the canvas.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("w");
    await pane.waitFor();
    await expect(wide.getAttribute("aria-pressed")).resolves.toBe("false");
    await threadButton(page, MARKDOWN_THREAD).click();
    await view.locator(".message").first().waitFor();
    await expect(wide.getAttribute("aria-pressed")).resolves.toBe("false");
    await page.reload();
    await page.locator(".react-flow__node").first().waitFor({ timeout: 30_000 });
    await threadButton(page, LONG_THREAD).click();
    await view.locator(".message", { hasText: "Sync item 20:" }).waitFor();
    await expect(wide.getAttribute("aria-pressed")).resolves.toBe("false");
    await expect(pane.isVisible()).resolves.toBe(true);
    // Beside the canvas its head is short: who answers reads as one line, its settings open on demand.
    const head = (await view.locator(".inspector-head").boundingBox())!;
    await shot(page, "desktop-chat-side");
    expect(head.height).toBeLessThanOrEqual(170);
    await expect(page.getByLabel("Answered by").isVisible()).resolves.toBe(false);
    const side = await visibleMessages(page);
    expect(side).toBeGreaterThanOrEqual(6);
    expect(wideMessages).toBeGreaterThanOrEqual(side);
    await view.locator(".thread-settings > summary").click();
    await page.getByLabel("Answered by").waitFor();
    // And chosen back: the next thread from the list takes the main area again.
    await wide.click();
    await pane.waitFor({ state: "hidden" });
    await threadButton(page, MARKDOWN_THREAD).click();
    await expect(wide.getAttribute("aria-pressed")).resolves.toBe("true");
    await wide.click();
    await pane.waitFor();
  });

  it("keyboard: skip links, the ? sheet and ⌘K actions for every main command", async () => {
    await page.goto(`${server.url}/?w=${seeded.workspace}&thread=${seeded.threadIds[LONG_THREAD]}`);
    await page.locator("#composer").waitFor({ timeout: 30_000 });
    await page.keyboard.press("Tab");
    const toCanvas = page.getByRole("button", { name: "Skip to the canvas" });
    await expect(toCanvas.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    expect((await toCanvas.boundingBox())!.width).toBeGreaterThan(40);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest(".canvas"))).toBe(true);

    // From anywhere outside a field, M puts the cursor in the open thread's message box.
    await page.keyboard.press("m");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("composer");
    await page.locator(".react-flow__pane").click({ position: { x: 5, y: 200 } });

    await page.keyboard.press("?");
    const sheet = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await sheet.waitFor();
    await sheet.getByText("Open the command palette").waitFor();
    await shot(page, "desktop-shortcuts");
    expect(await axeSerious(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await sheet.waitFor({ state: "hidden" });

    await page.getByRole("button", { name: "Skip to the chat" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("composer");

    await page.keyboard.press("Control+k");
    const actions = await page.locator(".palette-item[id^=palette-action] .palette-label").allTextContents();
    for (const command of [
      "New thread",
      "New project",
      "Open approvals",
      "Open inbox",
      "Open tasks",
      "Open schedules",
      "New schedule in this thread…",
      "Open jobs",
      "Open memory",
      "Open billing and usage",
      "Open the audit log",
      "Members, keys and settings",
      "Fit view",
      "Tidy up",
      "Add a note",
      "Add a group",
      "Wide panel",
      "Keyboard shortcuts",
      "Sign out",
    ])
      expect(actions).toContain(command);
    await page.keyboard.press("Escape");
    await paletteTo(page, "audit", "Open the audit log");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("tab", { name: "Audit" }).getAttribute("aria-selected")).resolves.toBe("true");
    // A single key outside a text field, as on GitHub: i for the inbox.
    await page.locator(".react-flow__pane").click({ position: { x: 5, y: 200 } });
    await page.keyboard.press("i");
    await expect(page.getByRole("tab", { name: /^Inbox/ }).getAttribute("aria-selected")).resolves.toBe("true");
    expect(await documentScroll(page)).toEqual(still(DESKTOP.height));
  });

  it("the “N new — show” chip leaves Undo and Redo free, and Fit view clears it", async () => {
    await fitView(page);
    // Zoomed in: the view is no longer the app's fit, which would follow new nodes.
    const zoomIn = page.locator(".react-flow__controls-zoomin");
    for (let i = 0; i < 6 && (await zoomIn.isEnabled()); i++) await zoomIn.click();
    // Two notes an agent puts just right of this view (in flow coordinates).
    const view = await page.locator(".react-flow").evaluate((flow) => {
      const m = new DOMMatrixReadOnly(getComputedStyle(flow.querySelector(".react-flow__viewport")!).transform);
      return { right: (flow.clientWidth - m.e) / m.a, top: -m.f / m.a };
    });
    await seeded.agent.graph.apply({
      commands: [
        { op: "note.add", text: "Next to the view", x: Math.round(view.right + 80), y: Math.round(view.top + 40) },
        { op: "note.add", text: "Also next to it", x: Math.round(view.right + 80), y: Math.round(view.top + 260) },
      ],
    });
    const chip = page.locator(".new-chip");
    await chip.waitFor({ timeout: 20_000 });
    await shot(page, "desktop-new-chip");
    for (const name of ["Undo", "Redo", "Fit view", "Tidy up"])
      expect.soft(await overlap(chip, page.getByRole("button", { name, exact: true })), name).toBe(false);
    await page.getByRole("button", { name: "Fit view" }).click();
    await chip.waitFor({ state: "detached", timeout: 5_000 });
  });

  it("the follow banner shows above the filter bar", async () => {
    const bob = await openApp(seeded.second.cookie, DESKTOP);
    const follow = page.getByRole("button", { name: /^Follow Bob/ });
    await expect.poll(() => follow.isEnabled(), { timeout: 20_000 }).toBe(true);
    await follow.click();
    const banner = page.locator(".follow-banner");
    await banner.getByText(/Following Bob/).waitFor();
    await shot(page, "desktop-following");
    expect.soft(await overlap(banner, page.locator(".canvas-filters"))).toBe(false);
    expect(await reachable(banner.getByRole("button", { name: "Stop" }))).toBe(true);
    await banner.getByRole("button", { name: "Stop" }).click();
    await bob.context().close();
  });

  it("messages: a task list on one line per item, Copy beside the code, search snippets without Markdown", async () => {
    await threadButton(page, MARKDOWN_THREAD).click();
    const message = page.locator(".message", { hasText: "Release checklist" });
    await message.waitFor();
    const items = await message.locator(".task-list-item").evaluateAll((lis) =>
      lis.map((li) => {
        const box = li.querySelector("input")!.getBoundingClientRect();
        const text = [...li.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
        const range = document.createRange();
        range.selectNodeContents(text ?? li);
        const line = range.getClientRects()[0]!;
        return {
          boxSized: box.width < 24,
          sameLine: Math.abs(box.top + box.height / 2 - (line.top + line.height / 2)) < 6,
          bullet: getComputedStyle(li).listStyleType,
        };
      }),
    );
    const whole = { boxSized: true, sameLine: true, bullet: "none" };
    expect.soft(items).toEqual([whole, whole]);
    const copy = message.getByRole("button", { name: "Copy code" });
    expect.soft(await overlap(copy, message.locator("pre"))).toBe(false);
    await message.scrollIntoViewIfNeeded();
    await message.screenshot({ path: join(ARTIFACTS, "desktop-markdown.png") });

    await paletteTo(page, "checklist", /Release checklist/);
    const snippet = await page.locator(".palette-item.is-active .palette-detail").textContent();
    expect.soft(snippet).toContain("Release checklist: Tag the release Write the notes for 2.4");
    expect.soft(snippet).not.toMatch(/\*\*|`|\[[ x]\]/);
    await page.locator("dialog.palette").screenshot({ path: join(ARTIFACTS, "desktop-snippet.png") });
    await page.keyboard.press("Escape");
    expect(await documentScroll(page)).toEqual(still(DESKTOP.height));
  });

  it("axe finds no serious or critical violation on the canvas, a chat, the inbox and the approvals", async () => {
    await page.goto(`${server.url}/?w=${seeded.workspace}`);
    await page.locator(".react-flow__node").first().waitFor({ timeout: 30_000 });
    await shot(page, "desktop-canvas");
    expect(await axeSerious(page)).toEqual([]);
    await threadButton(page, MARKDOWN_THREAD).click();
    await page.locator(".message", { hasText: "Release checklist" }).waitFor();
    expect(await axeSerious(page)).toEqual([]);
    await page.getByRole("tab", { name: /^Inbox/ }).click();
    expect(await axeSerious(page)).toEqual([]);
    await page.getByRole("tab", { name: /^Approvals/ }).click();
    await page.locator(".queue-item").first().waitFor();
    await shot(page, "desktop-approvals");
    expect(await axeSerious(page)).toEqual([]);
  });

  it("who is here past the twelve the room shows: the rest counted, listed on a click, gone when they leave", async () => {
    const crowd: AutopilotClient[] = [];
    try {
      // Fourteen agents, each its own key: with the owner, the second person and the seed's agent, 17 principals.
      for (let i = 1; i <= 14; i++) {
        const key = await createKey(server.url, seeded.owner.cookie, seeded.workspace, { name: `crowd-${i}` });
        crowd.push(
          new AutopilotClient({ url: server.url, workspace: seeded.workspace, apiKey: key, device: `ci-${i}` }),
        );
      }
      await Promise.all(crowd.map((c) => c.ready()));
      const more = page.getByTestId("online-more");
      await expect.poll(() => more.textContent(), { timeout: 15_000 }).toMatch(/^and \d+ more$/);
      const shown = await page.locator(".people li:not([data-testid])").count();
      expect(shown).toBeLessThanOrEqual(12);
      await more.scrollIntoViewIfNeeded();
      await shot(page, "desktop-online-crowd");
      await more.getByRole("button").click();
      await page.locator(".people li", { hasText: "crowd-14" }).waitFor();
      expect(await page.locator(".people li:not([data-testid])").count()).toBeGreaterThan(shown);
      await expect.poll(() => more.textContent()).toBe("show fewer");
      await shot(page, "desktop-online-listed");
      // Those who leave leave the list: it is read again when the count changes.
      crowd.pop()!.close();
      await page.locator(".people li", { hasText: "crowd-14" }).waitFor({ state: "detached", timeout: 15_000 });
      await more.getByRole("button").click();
      await expect.poll(() => more.textContent()).toMatch(/^and \d+ more$/);
    } finally {
      for (const c of crowd) c.close();
    }
  });

  it("and in the dark theme: the thread list's unread badges and times, a chat, the approvals", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    try {
      await page.goto(`${server.url}/?w=${seeded.workspace}`);
      await page.locator(".react-flow.dark").waitFor({ timeout: 30_000 });
      await page.locator(".sidebar .badge").first().waitFor();
      await shot(page, "desktop-dark");
      expect(await axeSerious(page)).toEqual([]);
      await threadButton(page, MARKDOWN_THREAD).click();
      await page.locator(".message", { hasText: "Release checklist" }).waitFor();
      expect(await axeSerious(page)).toEqual([]);
      await page.getByRole("tab", { name: /^Approvals/ }).click();
      await page.locator(".queue-item").first().waitFor();
      expect(await axeSerious(page)).toEqual([]);
    } finally {
      await page.emulateMedia({ colorScheme: "light" });
    }
  });
});

describe("the verify-email banner", () => {
  it("leaves the canvas toolbar free", async () => {
    const { ctx: context, page } = await openPage(browser, "Nadia", { viewport: DESKTOP });
    contexts.push(context);
    await signUpInUi(page, server.url, "Nadia", `nadia-${Date.now()}@example.test`, { verify: false });
    const notice = page.locator(".account-notice", { hasText: "Verify your e-mail." });
    await notice.waitFor();
    await shot(page, "desktop-verify-banner");
    expect.soft(await overlap(notice, page.locator(".canvas-toolbar"))).toBe(false);
    expect.soft(await reachable(page.getByRole("button", { name: /Note/ }).first())).toBe(true);
    expect(await documentScroll(page)).toEqual(still(DESKTOP.height));
  });
});

describe("at 390×844, by touch", () => {
  let page: Page;
  const noOverflow = async () => {
    const overflow = await horizontalOverflow(page);
    expect(overflow).toEqual({ scrollWidth: PHONE.width, viewportWidth: PHONE.width, pastRightEdge: [], clipped: [] });
    expect(await documentScroll(page)).toEqual(still(PHONE.height));
  };
  const bottom = (name: string | RegExp) =>
    page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name });
  beforeAll(async () => {
    page = await openApp(seeded.owner.cookie, PHONE);
  });

  it("opens on the threads, and fits the screen: a top bar with an overflow menu, a bottom bar, the whole canvas toolbar", async () => {
    expect(await page.locator(".sidebar").isVisible()).toBe(true);
    expect(await page.locator(".stage").isVisible()).toBe(false);
    await bottom("Canvas").tap();
    await page.locator(".react-flow__node").first().waitFor();
    await noOverflow();
    await shot(page, "phone-canvas");
    for (const name of ["Threads", "Canvas", /^Inbox/, /^Approvals/]) {
      const box = (await bottom(name).boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(44);
      expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    }
    for (const tool of await page.locator(".canvas-toolbar button").all()) {
      const box = (await tool.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(await reachable(tool)).toBe(true);
    }
    await page.getByRole("button", { name: "More" }).tap();
    const menu = page.getByRole("menu");
    for (const item of ["Members & keys", "Keyboard shortcuts", "Sign out"])
      await menu.getByRole("menuitem", { name: item }).waitFor();
    await noOverflow();
    await shot(page, "phone-menu");
    await page.keyboard.press("Escape");
    await menu.waitFor({ state: "hidden" });
    expect(await axeSerious(page)).toEqual([]);
  });

  it("threads fill the screen with whole titles; a thread's chat takes the main area", async () => {
    await bottom("Threads").tap();
    const titles = page.locator(".sidebar .nav-list .nav-title");
    await titles.first().waitFor();
    const cut = await titles.evaluateAll((els) =>
      els.filter((el) => el.scrollWidth > el.clientWidth + 1 || el.clientWidth < 200).map((el) => el.textContent),
    );
    expect(cut).toEqual([]);
    await noOverflow();
    await shot(page, "phone-threads");

    await threadButton(page, LONG_THREAD).tap();
    await page.locator(".thread-view .message", { hasText: "Sync item 20:" }).waitFor();
    const list = (await page.locator(".thread-view .messages").boundingBox())!;
    expect(list.height).toBeGreaterThanOrEqual(PHONE.height * 0.45);
    expect(await visibleMessages(page)).toBeGreaterThanOrEqual(6);
    await noOverflow();
    await shot(page, "phone-chat");
    expect(await axeSerious(page)).toEqual([]);
  });

  it("approvals are decided with one thumb", async () => {
    await bottom(/^Approvals/).tap();
    const item = page.locator(".queue-item.status-pending").first();
    await item.waitFor();
    const title = (await item.locator(".queue-title").textContent())!;
    for (const name of ["Approve", "Deny"]) {
      const box = (await item.getByRole("button", { name }).boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(44);
      expect(box.width).toBeGreaterThanOrEqual(120);
      expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    }
    const titles = await page
      .locator(".queue-title .nav-title")
      .evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent));
    expect(titles).toEqual([]);
    await noOverflow();
    await shot(page, "phone-approvals");
    expect(await axeSerious(page)).toEqual([]);
    await item.getByRole("button", { name: "Approve" }).tap();
    const decided = page.locator(".queue-item.status-approved", { hasText: title.slice(-30) }).first();
    await decided.waitFor();
    await noOverflow();
    // Waiting shows only what still waits; Decided, what was decided.
    const filters = page.getByRole("toolbar", { name: "Show approvals" });
    await filters.getByRole("button", { name: "Waiting" }).tap();
    await decided.waitFor({ state: "detached" });
    expect(await page.locator(".queue-item:not(.status-pending)").count()).toBe(0);
    await filters.getByRole("button", { name: "Decided" }).tap();
    await decided.waitFor();
    expect(await page.locator(".queue-item.status-pending").count()).toBe(0);
    await filters.getByRole("button", { name: "All" }).tap();
  });

  it("the details panel's tabs: each wholly in view or brought there by a named button a thumb hits; one chosen by the arrow keys comes into view", async () => {
    // Scrolling is instant, so each check sees where a tap left the row.
    await page.emulateMedia({ reducedMotion: "reduce" });
    await bottom(/^Details/).tap();
    const tablist = page.locator(".right-panel").getByRole("tablist");
    const next = page.locator(".right-panel").getByRole("button", { name: "Next tabs" });
    const previous = page.locator(".right-panel").getByRole("button", { name: "Previous tabs" });
    const thumbSized = async (target: typeof next) => {
      const box = (await target.boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(44);
      expect(box.height).toBeGreaterThanOrEqual(44);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(await reachable(target)).toBe(true);
    };
    await tablist.getByRole("tab", { name: "Inspector", selected: true }).waitFor();
    for (const tab of await tablist.getByRole("tab").all())
      expect.soft((await tab.boundingBox())!.height, (await tab.textContent())!).toBeGreaterThanOrEqual(44);
    await noOverflow();
    await shot(page, "phone-tabs");
    // More tabs than a phone's width: those past the right edge are one button away, and none is hidden on the left.
    let out = await tabsOutOfView(tablist);
    expect(out.before).toEqual([]);
    expect(out.after.length).toBeGreaterThan(0);
    expect(await previous.isVisible()).toBe(false);
    for (let taps = 0; out.after.length > 0; taps++) {
      expect(taps).toBeLessThan(8);
      expect(await next.isVisible(), `${out.after.join(", ")} out of view, and no "Next tabs" button`).toBe(true);
      await thumbSized(next);
      const first = out.after[0]!;
      await next.tap();
      await expect.poll(async () => (await tabsOutOfView(tablist)).after).not.toContain(first);
      await scrollSettled(tablist);
      out = await tabsOutOfView(tablist);
    }
    await next.waitFor({ state: "hidden" });
    expect(out.before.length).toBeGreaterThan(0);
    await shot(page, "phone-tabs-end");
    // And back.
    for (let taps = 0; out.before.length > 0; taps++) {
      expect(taps).toBeLessThan(8);
      expect(await previous.isVisible(), `${out.before.join(", ")} out of view, and no "Previous tabs" button`).toBe(
        true,
      );
      await thumbSized(previous);
      const last = out.before.at(-1)!;
      await previous.tap();
      await expect.poll(async () => (await tabsOutOfView(tablist)).before).not.toContain(last);
      await scrollSettled(tablist);
      out = await tabsOutOfView(tablist);
    }
    await previous.waitFor({ state: "hidden" });
    // The arrow keys go through every tab, wrapping at the ends, Home and End to the first and
    // the last; the chosen one, focused, is wholly in view.
    const selected = tablist.getByRole("tab", { selected: true });
    await selected.focus();
    const names = await tabTexts(tablist.getByRole("tab"));
    const steps: Array<[string, string]> = [
      ...names.map((_, i): [string, string] => ["ArrowRight", names[(i + 1) % names.length]!]),
      ["ArrowLeft", names.at(-1)!],
      ["Home", names[0]!],
      ["End", names.at(-1)!],
    ];
    for (const [key, name] of steps) {
      await page.keyboard.press(key);
      await expect.poll(async () => (await tabTexts(selected))[0], { message: key }).toBe(name);
      await expect
        .poll(async () => Object.values(await tabsOutOfView(tablist)).flat(), { message: name })
        .not.toContain(name);
      expect(await selected.evaluate((el) => el === document.activeElement)).toBe(true);
    }
    await noOverflow();
    expect(await axeSerious(page)).toEqual([]);
    // The same row in the dark theme.
    await page.emulateMedia({ colorScheme: "dark" });
    await shot(page, "phone-tabs-dark");
    expect(await axeSerious(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: "light", reducedMotion: "no-preference" });
  });
});

describe("schedules in the app, two people live: one at 1440×900, one on the phone", () => {
  let desk: Page;
  let phone: Page;
  const INDEX = 5;
  const OTHER = 6;
  const bottom = (name: string | RegExp) =>
    phone.getByRole("navigation", { name: "Sections" }).getByRole("button", { name });
  /** The phone's Schedules tab (the details panel, then its tab). */
  const phoneSchedules = async () => {
    await bottom(/^Inbox/).tap();
    await phone.getByRole("tab", { name: "Schedules" }).tap();
    return phone.getByRole("list", { name: "Schedules" });
  };
  beforeAll(async () => {
    [desk, phone] = await Promise.all([openApp(seeded.owner.cookie, DESKTOP), openApp(seeded.second.cookie, PHONE)]);
  });

  it("made from a thread with the picker; its next run; its posts marked; paused (no post at the next run), resumed, deleted", async () => {
    const owner = clients[0]!;
    const threadId = seeded.threadIds[INDEX]!;
    await threadButton(desk, INDEX).click();
    await desk.locator(".thread-head").getByRole("button", { name: "Schedule…" }).click();
    const dialog = desk.getByRole("dialog", { name: "New schedule" });
    await dialog.getByLabel("Message", { exact: true }).fill("Standup: anything blocking?");
    // The picker says a choice back in words with its next run in the viewer's time.
    await dialog.getByLabel("Repeat").selectOption("weekdays");
    await dialog.getByLabel("At", { exact: true }).fill("09:30");
    await dialog.locator(".schedule-preview", { hasText: /every weekday at 09:30, (UTC|.* time) · next / }).waitFor();
    await dialog.getByLabel("Repeat").selectOption("custom");
    await dialog.getByLabel("Cron expression").fill("*/10 * * * * *");
    await dialog.getByLabel("Name (optional)").fill("Standup ping");
    await dialog.locator(".schedule-preview", { hasText: /every 10 seconds/ }).waitFor();
    await shot(desk, "schedule-picker");
    await dialog.getByRole("button", { name: "Create schedule" }).click();
    await dialog.waitFor({ state: "detached" });
    await shot(desk, "schedule-created");

    const view = desk.locator(".schedule-view");
    await view.getByRole("heading", { name: "Standup ping" }).waitFor();
    expect(await view.locator(".schedule-facts").textContent()).toMatch(/Next run.*your time/);
    const [schedule] = (await owner.schedules.list()).schedules.filter((s) => s.name === "Standup ping");
    expect(schedule?.createdBy.id).toBe(owner.hello?.principal.id);
    // The other person sees it at once, on the phone.
    const list = await phoneSchedules();
    const row = list.locator(".schedule-row", { hasText: "Standup ping" });
    await row.locator(".schedule-status.schedule-active").waitFor();

    // Its post comes, marked as scheduled, and the mark opens the schedule.
    await view.getByRole("button", { name: threadTitle(INDEX) }).click();
    const marked = desk.locator(".thread-view .message", { has: desk.locator(".scheduled-mark") });
    await marked.first().waitFor({ timeout: 30_000 });
    expect(await marked.first().textContent()).toContain("Standup: anything blocking?");
    await shot(desk, "schedule-post-marked");
    await marked
      .first()
      .getByRole("button", { name: /^Scheduled: open the schedule Standup ping/ })
      .click();
    await view.getByRole("heading", { name: "Standup ping" }).waitFor();
    await view.locator(".schedule-run").first().waitFor();
    expect(await view.locator(".schedule-run").first().textContent()).toMatch(/on time.*done.*posted its prompt/);

    // Paused: the phone sees it, and the next run passes without a post (another schedule's run shows it passed).
    await view.getByRole("button", { name: "Pause" }).click();
    await view.locator(".schedule-status.schedule-paused").waitFor();
    await row.locator(".schedule-status.schedule-paused").waitFor();
    const posts = async () =>
      (await owner.messages.list({ threadId, limit: 200 })).messages.filter((m) => m.scheduleId === schedule!.id)
        .length;
    const before = await posts();
    const pausedAt = Date.now();
    const { schedule: tick } = await owner.schedules.create({
      when: { kind: "cron", expression: "*/10 * * * * *", timeZone: "UTC" },
      action: { kind: "prompt", threadId: seeded.threadIds[OTHER]!, text: "tick" },
    });
    await until(
      async () => {
        const ticked = (await owner.schedules.list()).schedules.find((s) => s.id === tick.id);
        return ticked?.lastRun?.status === "done" && ticked.lastRun.at > pausedAt + 10_000;
      },
      "a run after the paused schedule's next time",
      40_000,
    );
    await owner.schedules.delete({ scheduleId: tick.id });
    expect(await posts()).toBe(before);
    await shot(phone, "phone-schedules-paused");
    expect(await axeSerious(phone)).toEqual([]);

    await view.getByRole("button", { name: "Resume" }).click();
    await view.locator(".schedule-status.schedule-active").waitFor();
    await row.locator(".schedule-status.schedule-active").waitFor();
    await view.getByRole("button", { name: "Delete the schedule Standup ping" }).click();
    await view.getByRole("button", { name: "Yes, delete it" }).click();
    await desk.getByRole("heading", { name: "This schedule is gone" }).waitFor();
    await row.waitFor({ state: "detached" });
    // Its posts keep their mark.
    expect(await posts()).toBeGreaterThan(0);
  });

  it("one that runs from its webhook: its URL shown once, a call from outside starts it, then turned off", async () => {
    await threadButton(desk, OTHER).click();
    await desk.locator(".thread-head").getByRole("button", { name: "Schedule…" }).click();
    const dialog = desk.getByRole("dialog", { name: "New schedule" });
    await dialog.getByLabel("Message", { exact: true }).fill("The nightly build failed: what broke?");
    await dialog.getByLabel("Repeat").selectOption("hook");
    await dialog.locator(".schedule-preview", { hasText: /when its webhook is called/ }).waitFor();
    await dialog.getByLabel("Name (optional)").fill("Nightly build failed");
    await dialog.getByRole("button", { name: "Create schedule" }).click();
    const view = desk.locator(".schedule-view");
    await view.getByRole("heading", { name: "Nightly build failed" }).waitFor();
    const field = view.getByLabel("Its URL, shown this once: copy it now");
    const url = await field.inputValue();
    expect(url).toMatch(new RegExp(`^${escaped(server.url)}/api/hooks/`));
    await shot(desk, "schedule-webhook");
    const res = await fetch(url, { method: "POST", body: "job nightly #204: 3 tests failed" });
    expect(res.status).toBe(202);
    await view
      .locator(".schedule-run", { hasText: /from its webhook/ })
      .locator(".chip-succeeded")
      .waitFor({ timeout: 20_000 });
    await view.locator(".schedule-hook", { hasText: /last called/ }).waitFor();
    await view.getByRole("button", { name: "Turn the webhook off" }).click();
    await view.getByRole("button", { name: "Yes, turn it off" }).click();
    await view.getByRole("button", { name: "Give it a webhook URL" }).waitFor();
    expect((await fetch(url, { method: "POST", body: "again" })).status).toBe(404);
    await view.getByRole("button", { name: "Delete the schedule Nightly build failed" }).click();
    await view.getByRole("button", { name: "Yes, delete it" }).click();
    await desk.getByRole("heading", { name: "This schedule is gone" }).waitFor();
  });

  it("on the phone: made from a thread, run now, its post opened from its history, deleted; the desktop sees each", async () => {
    const deskList = async () => {
      await desk.getByRole("tab", { name: "Schedules" }).click();
      return desk.getByRole("list", { name: "Schedules" });
    };
    await bottom("Threads").tap();
    await threadButton(phone, OTHER).tap();
    await phone.locator(".thread-head").getByRole("button", { name: "Schedule…" }).tap();
    const dialog = phone.getByRole("dialog", { name: "New schedule" });
    await dialog.getByLabel("Message", { exact: true }).fill("Weekly notes, please");
    await dialog.getByLabel("Repeat").selectOption("weekly");
    await dialog.getByLabel("On", { exact: true }).selectOption("Friday");
    await dialog.getByLabel("At", { exact: true }).fill("16:00");
    await dialog.locator(".schedule-preview", { hasText: /every Friday at 16:00/ }).waitFor();
    expect(await horizontalOverflow(phone)).toMatchObject({ pastRightEdge: [], clipped: [] });
    await shot(phone, "phone-schedule-picker");
    expect(await axeSerious(phone)).toEqual([]);
    await dialog.getByRole("button", { name: "Create schedule" }).tap();
    const view = phone.locator(".schedule-view");
    await view.getByRole("heading", { name: /^Post “Weekly notes, please”/ }).waitFor();
    expect(await view.locator(".schedule-facts").textContent()).toMatch(/every Friday at 16:00, .* time/);
    const deskRow = (await deskList()).locator(".schedule-row", { hasText: "Weekly notes, please" });
    await deskRow.waitFor();

    for (const name of ["Run now", "Pause", "Edit", /^Delete the schedule/]) {
      const box = (await view.getByRole("button", { name }).boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(44);
    }
    await view.getByRole("button", { name: "Run now" }).tap();
    const run = view.locator(".schedule-run", { hasText: /run now by/ });
    await run.locator(".chip-succeeded").waitFor({ timeout: 20_000 });
    await shot(phone, "phone-schedule-view");
    await run.getByRole("button", { name: "Open what it posted" }).tap();
    await phone.locator(".thread-view .message[data-found]", { has: phone.locator(".scheduled-mark") }).waitFor();
    await deskRow.locator(".schedule-last", { hasText: /posted its prompt/ }).waitFor();

    await phone.locator(".thread-view .scheduled-mark").last().tap();
    await view.getByRole("button", { name: /^Delete the schedule/ }).tap();
    await view.getByRole("button", { name: "Yes, delete it" }).tap();
    await deskRow.waitFor({ state: "detached" });
  });
});
