// What the browser tests do the same way: a person signs up in the app.
import type { Page } from "playwright-core";

export const PASSWORD = "correct horse battery";

/** Creates an account through the app's own form and waits until its room is live. */
export async function signUpInUi(page: Page, appUrl: string, name: string, email: string): Promise<void> {
  await page.goto(appUrl);
  await page.getByRole("tab", { name: "Create account" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
}
