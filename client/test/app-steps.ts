// Steps a person takes in the app that many browser tests take the same way, so that each
// test says what it does with the step rather than which fields and buttons make it up.
import type { Page } from "playwright-core";

/** Creates a thread titled `title` from the sidebar and opens it. */
export async function openNewThread(page: Page, title: string): Promise<void> {
  await page.getByLabel("New thread title").fill(title);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page
    .locator(".sidebar")
    .getByRole("button", { name: new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) })
    .click();
}
