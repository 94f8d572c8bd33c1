// Layout for a team, and where a person was, kept (issue 68 items 9 and 10), in Chromium against
// the shared server: a workspace of 24 threads with long titles and a project, opened by
// Alice on a 1440×900 desktop (light) and by Bob on one in dark, then by Bob on a 390×844
// phone (touch). The canvas's first view leaves its toolbar's area clear; the sidebar takes
// the width its person drags it to (or keys it to), remembers it, names a cut title on
// hover and folds a section away; a phone's small controls are 44 × 44 px targets and a
// pressed filter pill stays the pressed colour after a tap; the address follows the open
// thread, Back opens the one before and a reload lands on it. (The reload while the server
// is down is e2e-chat-browser's, which has a server of its own to stop.) Screenshots go to
// test-artifacts/ (git-ignored).
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { AutopilotClient } from "../src/client";
import { openPage, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { personClient, withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
const browser = withBrowser();
const shot = screenshots("layout-nav");
const stamp = Date.now();

const TITLES = Array.from(
  { length: 24 },
  (_, i) => `${["Support escalations", "Release 1.4 checklist", "Customer success review"][i % 3]} ${i + 1}`,
);

type Box = { x: number; y: number; width: number; height: number };
const box = async (page: Page, selector: string): Promise<Box> => {
  const found = await page.locator(selector).first().boundingBox();
  if (!found) throw new Error(`${selector} is not shown`);
  return found;
};

/** The canvas's nodes in view: none starts under the toolbar (nor above the pane). */
async function firstViewClear(page: Page): Promise<void> {
  const nodes = page.locator(".react-flow__node");
  await expect.poll(() => nodes.count(), { timeout: 20_000 }).toBeGreaterThan(0);
  const toolbar = await box(page, ".canvas-toolbar");
  const pane = await box(page, ".react-flow__pane");
  const tops = await nodes.evaluateAll((els) =>
    els
      .map((el) => el.getBoundingClientRect())
      .flatMap((r) => (r.width > 0 ? [{ top: r.top, left: r.left, right: r.right }] : [])),
  );
  // Nodes across the toolbar's columns must start below it; every node starts inside the pane.
  for (const node of tops) {
    expect(node.top).toBeGreaterThanOrEqual(pane.y);
    if (node.right > toolbar.x && node.left < toolbar.x + toolbar.width)
      expect(node.top).toBeGreaterThanOrEqual(toolbar.y + toolbar.height);
  }
}

let alice: { page: Page; close: () => Promise<void> };
let workspace = "";
let cookie = "";
const threadIds: string[] = [];

describe("layout for a team, and where a person was", () => {
  it("desktop: the first canvas view clears the toolbar; the sidebar resizes (drag and keys), remembers, names cut titles and folds", async () => {
    const { ctx, page } = await openPage(browser, "Alice", {
      viewport: { width: 1440, height: 900 },
      colorScheme: "light",
    });
    alice = { page, close: () => ctx.close() };
    await signUpInUi(page, server.url, "Alice", `alice-layout-${stamp}@example.test`);
    workspace = await page.locator("#workspace-switcher").inputValue();
    cookie = (await ctx.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join("; ");
    const client: AutopilotClient = personClient(server.url, cookie, workspace, "seed");
    try {
      await client.ready();
      for (const title of TITLES) threadIds.push((await client.threads.create({ title })).thread.id);
      await client.projects.create({ name: "Release 1.4 and the customer rollout", threadIds: threadIds.slice(0, 4) });
    } finally {
      client.close();
    }

    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${server.url}/?w=${workspace}`);
      await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
      await expect.poll(() => page.locator(".sidebar .thread-row").count(), { timeout: 20_000 }).toBe(24);
      await firstViewClear(page);
      await shot(page, `desktop-${scheme}-first-view`);
    }
    await page.emulateMedia({ colorScheme: "light" });

    // A cut title says itself on hover.
    const row = page.locator(".sidebar .nav-title", { hasText: TITLES[22]! });
    expect(await row.getAttribute("title")).toBe(TITLES[22]);

    // Dragged wider: the sidebar follows, and keeps the width over a reload.
    const sidebar = page.locator(".sidebar");
    const handle = page.getByRole("separator", { name: "Sidebar width" });
    const edge = await handle.boundingBox();
    await page.mouse.move(edge!.x + edge!.width / 2, edge!.y + 200);
    await page.mouse.down();
    await page.mouse.move(360, edge!.y + 220, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => Math.round((await sidebar.boundingBox())!.width)).toBe(360);
    // Too far is bounded.
    await page.mouse.move(359, edge!.y + 200);
    await page.mouse.down();
    await page.mouse.move(1200, edge!.y + 220, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => Math.round((await sidebar.boundingBox())!.width)).toBe(480);
    // By keyboard.
    await handle.focus();
    await page.keyboard.press("Home");
    await expect.poll(async () => Math.round((await sidebar.boundingBox())!.width)).toBe(200);
    for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowRight");
    await expect.poll(async () => Math.round((await sidebar.boundingBox())!.width)).toBe(360);
    expect(await handle.getAttribute("aria-valuenow")).toBe("360");
    await page.reload();
    await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await expect.poll(async () => Math.round((await sidebar.boundingBox())!.width)).toBe(360);

    // Threads fold away: the projects come up into view, and stay so over a reload.
    const projects = page.locator(".sidebar").getByRole("button", { name: "Projects" });
    const below = (await projects.boundingBox())!.y;
    expect(below).toBeGreaterThan(900);
    await page.locator(".sidebar").getByRole("button", { name: "Threads", exact: true }).click();
    await expect.poll(async () => (await projects.boundingBox())!.y).toBeLessThan(400);
    await shot(page, "desktop-light-sidebar-wide-folded");
    await page.reload();
    await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    expect(
      await page
        .locator(".sidebar")
        .getByRole("button", { name: "Threads", exact: true })
        .getAttribute("aria-expanded"),
    ).toBe("false");
    await page.locator(".sidebar").getByRole("button", { name: "Threads", exact: true }).click();
  }, 120_000);

  it("the address follows the open thread: Back opens the one before, a reload lands on it", async () => {
    const { page } = alice;
    const open = (title: string) =>
      page
        .locator(".sidebar")
        .getByRole("button", { name: new RegExp(`^${title}\\b`) })
        .click();
    const shown = (id: string) => page.locator(`.thread-view[data-thread-id="${id}"]`).waitFor({ timeout: 20_000 });
    const inUrl = () => new URL(page.url()).searchParams.get("thread");
    await open(TITLES[3]!);
    await shown(threadIds[3]!);
    expect(inUrl()).toBe(threadIds[3]);
    await open(TITLES[7]!);
    await shown(threadIds[7]!);
    expect(inUrl()).toBe(threadIds[7]);
    await page.goBack();
    await shown(threadIds[3]!);
    expect(inUrl()).toBe(threadIds[3]);
    await page.goForward();
    await shown(threadIds[7]!);
    await page.reload();
    await shown(threadIds[7]!);
    expect(inUrl()).toBe(threadIds[7]);
    expect(new URL(page.url()).searchParams.get("w")).toBe(workspace);
    await alice.close();
  }, 60_000);

  it("phone: Send, Attach, a thread's actions, canvas tools and filter pills are 44 × 44 px; a tapped pill keeps its pressed colour; the first view clears the toolbar", async () => {
    const { ctx, page } = await openPage(browser, "Alice on her phone", {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      chatWide: true,
    });
    for (const part of cookie.split("; ")) {
      const eq = part.indexOf("=");
      await ctx.addCookies([{ name: part.slice(0, eq), value: part.slice(eq + 1), url: server.url }]);
    }
    const big = async (selector: string) => {
      const found = page.locator(selector);
      await expect.poll(() => found.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      for (const one of await found.all()) {
        if (!(await one.isVisible())) continue;
        const b = (await one.boundingBox())!;
        expect(Math.round(b.width), `${selector} "${await one.textContent()}" width`).toBeGreaterThanOrEqual(44);
        expect(Math.round(b.height), `${selector} "${await one.textContent()}" height`).toBeGreaterThanOrEqual(44);
      }
    };
    const sections = page.getByRole("navigation", { name: "Sections" });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // The phone opens on the threads; the canvas's first view leaves the toolbar's area clear.
      await page.goto(`${server.url}/?w=${workspace}`);
      await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
      await sections.getByText("Canvas").tap();
      await firstViewClear(page);
      await big(".canvas-toolbar button");
      await big(".canvas-filters .filter-chip");
      await big(".react-flow__controls-button");
      await shot(page, `phone-${scheme}-canvas`);

      // A thread's link opens it on the phone; the canvas then shows it in a view that still clears the toolbar.
      await page.goto(`${server.url}/?w=${workspace}&thread=${threadIds[5]}`);
      await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
      await page.locator(`.thread-view[data-thread-id="${threadIds[5]}"]`).waitFor();
      await big(".composer-actions button");
      await big(".thread-eyebrow button");
      await shot(page, `phone-${scheme}-thread`);
      await sections.getByText("Canvas").tap();
      await page.locator(`.react-flow__node.selected[data-id="thread:${threadIds[5]}"]`).waitFor();
      await firstViewClear(page);
      await shot(page, `phone-${scheme}-canvas-thread`);

      await sections.getByText("Approvals").tap();
      await big(".queue-filters .filter-chip");
      const all = page.locator(".queue-filters").getByRole("button", { name: "All", exact: true });
      await page.locator(".queue-filters").getByRole("button", { name: "Waiting", exact: true }).tap();
      await all.tap();
      expect(await all.getAttribute("aria-pressed")).toBe("true");
      // Pressed after a tap (hover and focus still on it): white on the accent, never on the hover grey.
      // The pressed pill and a primary button share --accent-strong; polled, as the pill's colour eases in.
      const accent = await page.evaluate(() => {
        const probe = document.createElement("button");
        probe.className = "primary";
        document.body.append(probe);
        const colour = getComputedStyle(probe).backgroundColor;
        probe.remove();
        return colour;
      });
      await expect
        .poll(() =>
          all.evaluate((el) => {
            const style = getComputedStyle(el);
            return { background: style.backgroundColor, color: style.color };
          }),
        )
        .toEqual({ background: accent, color: "rgb(255, 255, 255)" });
      await shot(page, `phone-${scheme}-approvals-all-tapped`);
    }
    await ctx.close();
  }, 120_000);
});
