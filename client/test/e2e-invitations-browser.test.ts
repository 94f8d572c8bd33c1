// Invitations end to end in Chromium against the real server: an owner invites an address
// with no account yet; the invitee signs up, is told to verify, follows the dev link the
// app shows (no mail server locally), sees the invitation, accepts it and is live in the
// workspace; the owner then changes their role from the members list with the keyboard.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../party/dev/chromium.mjs";
import { freePort, ROOT, startServer } from "../../party/dev/server.mjs";
import { signUpInUi, verifyInUi } from "./browser-helpers";

const ARTIFACTS = join(ROOT, "test-artifacts");
let server: Awaited<ReturnType<typeof startServer>> | null = null;
let persistDir: string | null = null;
let browser: Browser;
let owner: Page;
let invitee: Page;
const stamp = Date.now();

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `invitations-${name}.png`) });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  persistDir = mkdtempSync(join(tmpdir(), "autopilot-invitations-"));
  server = await startServer({ port: await freePort(), persistDir });
  browser = await launchChromium();
  const open = async (name: string) => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on("pageerror", (error) => console.error(`[${name}] page error: ${error.message}`));
    return page;
  };
  owner = await open("Olga");
  invitee = await open("Dana");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
});

describe("invitations in the app", () => {
  it("owner invites → invitee verifies via the dev link and accepts → sees the workspace live", async () => {
    const danaEmail = `dana-${stamp}@example.test`;
    await signUpInUi(owner, server!.url, "Olga", `olga-${stamp}@example.test`);
    const workspace = await owner.locator("#workspace-switcher").inputValue();
    await owner.getByRole("button", { name: "Members & keys" }).click();
    const dialog = owner.getByRole("dialog");
    // Adding by address needs an existing, verified account; an invitation does not.
    await dialog.getByLabel("Email of the person to add").fill(danaEmail);
    await dialog.getByRole("button", { name: "Add member" }).click();
    await dialog.getByText("No account with that email: ask them to sign up first.").waitFor();
    await dialog.getByLabel("Email to invite").fill(danaEmail);
    await dialog.getByLabel("Role for the invitation").selectOption("member");
    await dialog.getByRole("button", { name: "Invite", exact: true }).click();
    await dialog.getByText(`Invitation sent to ${danaEmail} as member.`).waitFor();
    await dialog.getByRole("list", { name: "Pending invitations" }).getByText(danaEmail).waitFor();
    await shot(owner, "01-invited");
    await dialog.getByRole("button", { name: "Close settings" }).click();

    await signUpInUi(invitee, server!.url, "Dana", danaEmail, { verify: false });
    await invitee.getByText("Verify your e-mail.").waitFor();
    await expect(invitee.getByText("Join", { exact: false }).filter({ hasText: "as member" }).count()).resolves.toBe(0);
    await shot(invitee, "02-verify-banner");
    await verifyInUi(invitee);

    const accept = invitee.getByRole("button", { name: "Accept the invitation to Olga's workspace" });
    await accept.waitFor();
    await shot(invitee, "03-invitation");
    await accept.click();
    await expect.poll(() => invitee.locator("#workspace-switcher").inputValue(), { timeout: 20_000 }).toBe(workspace);
    await invitee.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });

    // Live: a thread Olga starts now appears in Dana's sidebar without a reload.
    await owner.getByLabel("New thread title").fill("Welcome Dana");
    await owner.getByRole("button", { name: "Create", exact: true }).click();
    await invitee
      .locator(".sidebar")
      .getByRole("button", { name: /Welcome Dana/ })
      .waitFor({ timeout: 20_000 });
    await shot(invitee, "04-accepted-live");
  });

  it("the owner changes the new member's role with the keyboard; the last owner cannot step down", async () => {
    await owner.getByRole("button", { name: "Members & keys" }).click();
    const dialog = owner.getByRole("dialog");
    const danaRole = dialog.getByLabel("Role of Dana");
    await danaRole.waitFor();
    await danaRole.focus();
    await danaRole.selectOption("viewer");
    await expect.poll(() => danaRole.inputValue()).toBe("viewer");
    await dialog.getByLabel("Role of Olga").selectOption("admin");
    await dialog.getByText("A workspace needs an owner: make someone else owner first.").waitFor();
    await shot(owner, "05-members-controls");
    // As a member Dana could start threads; the change reaches her open tab live (no
    // reload): the room re-scopes her socket and she can no longer.
    await expect.poll(() => invitee.getByLabel("New thread title").count(), { timeout: 10_000 }).toBe(0);
    await invitee.getByTestId("connection").getByText("Live").waitFor();
  });
});
