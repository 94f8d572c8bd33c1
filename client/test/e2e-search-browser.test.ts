// The ⌘K palette against the real server (wrangler dev, as `npm start` runs it) in
// Chromium, by keyboard only once signed in: Control+K opens it, typing a word finds a
// message through search.query, Enter opens its thread with the message (older than the
// first page of the thread) scrolled to, marked and focused; Escape closes the palette;
// jumping to a thread by name works the same way, and on a narrow window the hit shows in
// the inspector's drawer. Screenshots go to test-artifacts/.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AutopilotClient } from "../src/client";
import { openPage, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { personClient, withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
const browser = withBrowser();
let page: Page;
let client: AutopilotClient | null = null;

const palette = () => page.getByRole("dialog", { name: "Command palette" });
const paletteOpen = () =>
  page.evaluate(() => document.querySelector<HTMLDialogElement>("dialog.palette")?.open ?? false);

const shot = screenshots("search");

beforeAll(async () => {
  page = (await openPage(browser, "Sam")).page;
});

afterAll(() => {
  client?.close();
});

describe("the ⌘K palette", () => {
  it("finds a message as you type and opens its thread scrolled to it, by keyboard only", async () => {
    await signUpInUi(page, server.url, "Sam", `sam-${Date.now()}@example.test`);
    const workspace = await page.locator("#workspace-switcher").inputValue();
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    client = personClient(server.url, cookie, workspace, "seed");
    await client.ready();
    // The message sought, then more than a page of others after it, in another thread.
    const { thread: harbor } = await client.threads.create({ title: "Harbor plans" });
    const { message: sought } = await client.chat.send({
      threadId: harbor.id,
      text: "The lighthouse keeper waves at dawn",
    });
    for (let i = 0; i < 55; i++) await client.chat.send({ threadId: harbor.id, text: `tide report ${i}` });
    await client.threads.create({ title: "Groceries" });

    await page.keyboard.press("Control+k");
    await palette().waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("palette-input");
    await page.keyboard.type("lighthou");
    const hit = palette().getByRole("option", { name: /lighthouse keeper/ });
    await hit.waitFor({ timeout: 10_000 });
    expect(await hit.getAttribute("aria-selected")).toBe("true");
    expect(await hit.locator("mark").allTextContents()).toEqual(["lighthouse"]);
    await shot(page, "palette");
    await page.keyboard.press("Enter");

    expect(await paletteOpen()).toBe(false);
    const view = page.locator(`.thread-view[data-thread-id="${harbor.id}"]`);
    await view.waitFor();
    const found = view.locator(`[data-message-id="${sought.id}"]`);
    await found.waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-message-id") ?? null), {
        timeout: 10_000,
      })
      .toBe(sought.id);
    expect(await found.getAttribute("data-found")).toBe("");
    expect(await found.isVisible()).toBe(true);
    await shot(page, "found");

    // Escape closes; the palette also jumps to a thread by its name.
    await page.keyboard.press("Control+k");
    await palette().waitFor();
    await page.keyboard.press("Escape");
    await expect.poll(paletteOpen).toBe(false);
    await page.keyboard.press("Control+k");
    await palette().waitFor();
    await page.keyboard.type("grocer");
    await palette()
      .getByRole("option", { name: /Groceries/, selected: true })
      .waitFor();
    await page.keyboard.press("Enter");
    await page.locator(".thread-view h2", { hasText: "Groceries" }).waitFor();

    // On a narrow window the inspector is a drawer: opening a hit shows it there.
    await page.setViewportSize({ width: 600, height: 800 });
    await page.keyboard.press("Control+k");
    await palette().waitFor();
    await page.keyboard.type("keeper dawn");
    await palette()
      .getByRole("option", { name: /lighthouse keeper/, selected: true })
      .waitFor({ timeout: 10_000 });
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-message-id") ?? null), {
        timeout: 10_000,
      })
      .toBe(sought.id);
    // The drawer slides in: wait until the message is inside the window.
    const inWindow = async () => {
      const box = await page.locator(`[data-message-id="${sought.id}"]`).boundingBox();
      return box !== null && box.x >= 0 && box.x + box.width <= 600 && box.y >= 0 && box.y + box.height <= 800;
    };
    await expect.poll(inWindow, { timeout: 5_000 }).toBe(true);
    await shot(page, "found-narrow");
  }, 180_000);
});
