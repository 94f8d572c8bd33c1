// What the browser tests do the same way: a person signs up in the app; two share a workspace.
import type { Page } from "playwright-core";
import { expect } from "vitest";

export const PASSWORD = "correct horse battery";

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
