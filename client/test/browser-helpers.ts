// What the browser tests do the same way: Chromium for the file, a page per person; a person
// signs up in the app; two share a workspace.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { launchChromium } from "../../party/dev/chromium.mjs";
import { ROOT } from "../../party/dev/server.mjs";
import { onceStarted } from "./e2e-helpers";

export const PASSWORD = "correct horse battery";

/** Chromium for the file: launched in a beforeAll (no browser fails the file, never skips it), closed in an afterAll. */
export function withBrowser(): Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return onceStarted(() => browser, "the browser");
}

/** A page in a context of its own that has the session `cookie` (`name=value`) for `url`; not opened yet. */
export async function signedInPage(
  browser: Browser,
  url: string,
  cookie: string,
  options: BrowserContextOptions & PageLayout = {},
): Promise<{ ctx: BrowserContext; page: Page }> {
  const opened = await openPage(browser, "signed in", options);
  const at = cookie.indexOf("=");
  await opened.ctx.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url }]);
  return opened;
}

/** Opens `url` in `page` and waits until the app is live. */
export async function openLive(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 30_000 });
}

/** What opens a signed-in page on a workspace: appPages. */
export type OpenApp = (cookie: string, options?: AppPageOptions) => Promise<Page>;
type AppPageOptions = BrowserContextOptions & PageLayout & { beforeOpen?: (page: Page) => Promise<void> };

/**
 * Opens the app live on a workspace as the person of a session `cookie`, each call in a
 * context of its own (signedInPage), all of them closed in an afterAll. `where` is read at
 * each call (a beforeAll made the server and the workspace); `defaults` are each call's
 * options unless it gives its own. A viewport narrower than 600 px is a phone's: mobile, with
 * touch. `beforeOpen` runs on the page before the app loads (to route its sockets).
 */
export function appPages(
  browser: Browser,
  where: () => { url: string; workspace: string },
  defaults: AppPageOptions = {},
): OpenApp {
  const contexts: BrowserContext[] = [];
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
  });
  return async (cookie, given = {}) => {
    const { beforeOpen, ...options } = { ...defaults, ...given };
    const { url, workspace } = where();
    const phone = (options.viewport?.width ?? Number.POSITIVE_INFINITY) < 600;
    const { ctx, page } = await signedInPage(browser, url, cookie, {
      ...(phone && { isMobile: true, hasTouch: true }),
      ...options,
    });
    contexts.push(ctx);
    await beforeOpen?.(page);
    await openLive(page, `${url}/?w=${workspace}`);
    return page;
  };
}

/** A person of a browser test: a page in a context of their own, an address unique to this run. */
export interface BrowserPerson {
  ctx: BrowserContext;
  page: Page;
  name: string;
  email: string;
}

const stamp = Date.now();

/**
 * People with a page each, opened in a beforeAll: each one's name is the key capitalised,
 * `options(key)` their context's options.
 */
export function withPeople<K extends string>(
  browser: Browser,
  keys: readonly K[],
  options: (key: K) => BrowserContextOptions = () => ({}),
): Record<K, BrowserPerson> {
  const people = {} as Record<K, BrowserPerson>;
  beforeAll(async () => {
    for (const key of keys) {
      const name = key.charAt(0).toUpperCase() + key.slice(1);
      people[key] = { ...(await openPage(browser, name, options(key))), name, email: `${key}-${stamp}@example.test` };
    }
  });
  return people;
}

/** Where the browser tests leave their screenshots (git-ignored). */
export const ARTIFACTS = join(ROOT, "test-artifacts");

/** Saves a screenshot of a page as test-artifacts/<prefix>-<name>.png. */
export function screenshots(prefix: string): (page: Page, name: string) => Promise<Buffer> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return (page, name) => page.screenshot({ path: join(ARTIFACTS, `${prefix}-${name}.png`) });
}

/** test-artifacts/<folder>/ (made here), and a screenshot taker that saves <name>.png there and says where. */
export function artifactsIn(folder: string): { dir: string; shot: (page: Page, name: string) => Promise<void> } {
  const dir = join(ARTIFACTS, folder);
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    async shot(page, name) {
      const path = join(dir, `${name}.png`);
      await page.screenshot({ path });
      console.log(`screenshot: ${path}`);
    },
  };
}

/** How a test's person reads a thread opened from a list on a wide window (stores/ui.ts `chatWide`). */
export interface PageLayout {
  /**
   * true: the app's default, the chat takes the main area (e2e-daily-browser checks it). Unset:
   * the person chose the chat beside the canvas (the choice the app keeps on the device), as
   * the tests that open a thread and then work on the canvas expect.
   */
  chatWide?: boolean;
}

/** A page in a context of its own (1280×800 unless `options` say otherwise); its errors go to the log as `who`'s. */
export async function openPage(
  browser: Browser,
  who: string,
  { chatWide, ...options }: BrowserContextOptions & PageLayout = {},
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  if (!chatWide)
    await ctx.addInitScript(() => {
      if (localStorage.getItem("autopilot.chatWide") === null) localStorage.setItem("autopilot.chatWide", "beside");
    });
  const page = await ctx.newPage();
  page.on("pageerror", (error) => console.error(`[${who}] page error: ${error.message}`));
  return { ctx, page };
}

/** A page each for the people `who` names, in order, each in a context of its own (openPage, with the same `options`). */
export async function openPages<const Who extends readonly string[]>(
  browser: Browser,
  who: Who,
  options: BrowserContextOptions & PageLayout = {},
): Promise<{ [K in keyof Who]: Page }> {
  const pages: Page[] = [];
  for (const name of who) pages.push((await openPage(browser, name, options)).page);
  return pages as { [K in keyof Who]: Page };
}

/**
 * Creates an account through the app's own form and waits until its room is live; then,
 * unless `verify: false`, verifies the address through the dev link the app shows (the
 * local server has no mail: DEV_MAIL_OUTBOX) and waits until the reloaded app is live again.
 */
export async function signUpInUi(
  page: Page,
  appUrl: string,
  name: string,
  email: string,
  { verify = true } = {},
): Promise<void> {
  await page.goto(appUrl);
  await page.getByRole("tab", { name: "Create account" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
  if (verify) await verifyInUi(page);
}

/** Signs in to the app at `appUrl` with an agent's API key, as an agent would, and waits until it is live. */
export async function signInWithKey(page: Page, appUrl: string, key: string): Promise<void> {
  await page.goto(appUrl);
  await page.getByRole("tab", { name: "API key" }).click();
  await page.getByLabel("Agent API key").fill(key);
  await page.getByRole("button", { name: "Sign in with key" }).click();
  await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 30_000 });
}

/** Follows the "Verify your e-mail" banner's dev link; the app comes back verified and live. */
export async function verifyInUi(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Open the verification link" }).click();
  await page.getByText("Verify your e-mail.").waitFor({ state: "detached", timeout: 20_000 });
  await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
}

/**
 * Two people sign up in the app; the second joins the first's workspace as a member and has
 * it open and live (risky actions are decided by someone other than whoever asked).
 * Returns the workspace's id.
 */
export async function twoPeopleInOneWorkspace(
  appUrl: string,
  owner: { page: Page; name: string; email: string },
  second: { page: Page; name: string; email: string },
): Promise<string> {
  await Promise.all([
    signUpInUi(owner.page, appUrl, owner.name, owner.email),
    signUpInUi(second.page, appUrl, second.name, second.email),
  ]);
  const workspace = await owner.page.locator("#workspace-switcher").inputValue();
  const added = await owner.page.context().request.post(`${appUrl}/api/workspaces/${workspace}/members`, {
    data: { email: second.email, role: "member" },
    headers: { origin: appUrl },
  });
  expect(added.status()).toBe(201);
  await second.page.goto(`${appUrl}/?w=${workspace}`);
  await expect.poll(() => second.page.locator("#workspace-switcher").inputValue()).toBe(workspace);
  await second.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
  return workspace;
}

/** The canvas's nodes of `kind` that show `text`: new nodes may land off screen, where React Flow renders nothing, so fit, then look. */
export async function fitUntilShown(page: Page, kind: string, text: string): Promise<Locator> {
  const node = page.locator(`.react-flow__node-${kind}`, { hasText: text });
  await expect
    .poll(
      async () => {
        await page.getByRole("button", { name: "Fit view", exact: true }).click();
        return node.count();
      },
      { timeout: 20_000, interval: 500 },
    )
    .toBeGreaterThan(0);
  await steadyView(page);
  return node;
}

/**
 * Waits until the canvas's view stops moving. A fit is animated, and a node that arrives
 * while the view is at the fit re-fits it (new-nodes.tsx): a click aimed at a node during
 * that animation lands where the node was, on the pane (whose double-click zooms).
 */
export async function steadyView(page: Page): Promise<void> {
  const viewport = page.locator(".react-flow__viewport").first();
  let last: string | null = null;
  await expect
    .poll(
      async () => {
        const now = await viewport.getAttribute("style");
        const steady = now === last;
        last = now;
        return steady;
      },
      { timeout: 10_000, interval: 200 },
    )
    .toBe(true);
}

/** Drags a canvas node by its title bar, `dx` and `dy` in eight steps, as a hand would. */
export async function dragNode(node: Locator, dx: number, dy: number): Promise<void> {
  const box = (await node.boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + 14;
  const { mouse } = node.page();
  await mouse.move(x, y);
  await mouse.down();
  for (let i = 1; i <= 8; i++) await mouse.move(x + (dx * i) / 8, y + (dy * i) / 8);
  await mouse.up();
}

/**
 * Approves, from `page`'s Approvals tab, the pending approval whose title contains `title`,
 * and waits until the queue shows it approved (someone other than whoever asked decides).
 */
export async function approveInQueue(page: Page, title: string): Promise<void> {
  await page.getByRole("tab", { name: /Approvals/ }).click();
  const item = page.locator(".queue-item.status-pending", { hasText: title });
  await item.getByRole("button", { name: "Approve" }).click();
  await page.locator(".queue-item.status-approved", { hasText: title }).first().waitFor();
}

/**
 * The instance tests' two people, each on a page of their own opened before the tests: one
 * asks, the other approves in the app. `height`: the asker's viewport (the approver's is 900);
 * `shots`: the screenshots' prefix.
 */
export function askerAndApprover(browser: Browser, { height, shots }: { height: number; shots: string }) {
  const screenshot = screenshots(shots);
  const people = {
    /** The asker's page, once the tests run. */
    page: undefined as unknown as Page,
    /** The approver's page, once the tests run. */
    approver: undefined as unknown as Page,
    /** The approver approves, from the Approvals tab, the pending approval titled `title`. */
    approve: (title: string) => approveInQueue(people.approver, title),
    /** A screenshot of the asker's page. */
    shot: (name: string) => screenshot(people.page, name),
    screenshot,
  };
  beforeAll(async () => {
    people.page = (await openPage(browser, "owner", { viewport: { width: 1280, height } })).page;
    people.approver = (await openPage(browser, "approver", { viewport: { width: 1280, height: 900 } })).page;
  });
  return people;
}
