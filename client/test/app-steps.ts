// Steps a person takes in the app that many browser tests take the same way, so that each
// test says what it does with the step rather than which fields and buttons make it up.
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { approveInQueue, twoPeopleInOneWorkspace } from "./browser-helpers";

/** A name as a pattern that matches it anywhere in a button's words (its meta follows it). */
const containing = (name: string) => new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

/** Creates a thread titled `title` from the sidebar and opens it. */
export async function openNewThread(page: Page, title: string): Promise<void> {
  await page.getByLabel("New thread title").fill(title);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page
    .locator(".sidebar")
    .getByRole("button", { name: containing(title) })
    .click();
}

/** Opens the project named `name` from the sidebar's Projects. */
export const openProject = (page: Page, name: string): Promise<void> =>
  page
    .locator("section[aria-labelledby=projects-h]")
    .getByRole("button", { name: containing(name) })
    .click();

/**
 * One approval waits on the canvas's `node` (its badge says so) and in Needs attention: once
 * opened (it stays shut until asked, covering nothing), its row with `row` in it says `says`
 * (what waits and where).
 */
export async function approvalWaitingOn(page: Page, node: Locator, row: string, says: string): Promise<void> {
  await expect
    .poll(() => node.getByTestId("attention-badges").textContent(), { timeout: 20_000 })
    .toBe("1 approval waiting");
  await page.getByTestId("needs-attention").getByRole("button", { name: "1 needs attention" }).click();
  await page.getByTestId("needs-attention").locator(".attention-row", { hasText: row }).getByText(says).waitFor();
}

/**
 * Olga (on `page`) and Pavel (on `approver`) sign up into Olga's workspace; she provisions the
 * instance "lab" from the sidebar, he approves it in the app, and she opens it once it is
 * ready (within `readyWithin` ms). Returns the workspace's id and the instance's sidebar item.
 */
export async function labProvisionedInApp(
  appUrl: string,
  { page, approver }: { page: Page; approver: Page },
  readyWithin: number,
): Promise<{ workspace: string; nav: Locator }> {
  // Parts of one file share a server: addresses must not meet in the same millisecond.
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const workspace = await twoPeopleInOneWorkspace(
    appUrl,
    { page, name: "Olga", email: `olga-${stamp}@example.test` },
    { page: approver, name: "Pavel", email: `pavel-${stamp}@example.test` },
  );
  await page.getByLabel("New instance id").fill("lab");
  await page.getByRole("button", { name: "Provision" }).click();
  await approveInQueue(approver, 'Provision OpenClaw instance "lab"');
  const nav = page.locator(".sidebar .nav-item", { hasText: "lab" });
  await expect.poll(() => nav.locator(".nav-meta").textContent(), { timeout: readyWithin }).toBe("ready");
  await nav.click();
  return { workspace, nav };
}

/** An instance's gateway section (its channels, its skills) shows the change titled `title` waiting for approval. */
export const waitingInSection = (section: Locator, title: string): Promise<void> =>
  section.getByRole("status").getByText(`Waiting for approval: ${title}`).waitFor();
