// What the browser tests do the same way: a person signs up in the app.
import type { Page } from "playwright-core";

export const PASSWORD = "correct horse battery";

/**
 * Creates an account through the app's own form and waits until its room is live; then,
 * unless `verify: false`, verifies the address through the dev link the app shows (the
 * local server has no mail: DEV_MAIL_OUTBOX) and waits until the reloaded app is live again.
 */
export async function signUpInUi(page: Page, appUrl: string, name: string, email: string, { verify = true } = {}): Promise<void> {
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
