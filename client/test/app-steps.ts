// Steps a person takes in the app that many browser tests take the same way, so that each
// test says what it does with the step rather than which fields and buttons make it up.
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { approveInQueue, twoPeopleInOneWorkspace } from "./browser-helpers";

/** Creates a thread titled `title` from the sidebar and opens it. */
export async function openNewThread(page: Page, title: string): Promise<void> {
  await page.getByLabel("New thread title").fill(title);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page
    .locator(".sidebar")
    .getByRole("button", { name: new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) })
    .click();
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
  const stamp = Date.now();
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
