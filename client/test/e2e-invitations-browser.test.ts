// Invitations end to end in Chromium against the real server: an owner invites an address
// with no account yet; the invitee opens the mail's link (no mail server locally: the
// server's log has it), sees who invited them where before any sign-in, makes an account
// right there and is live in that workspace, verified and with no other workspace of their
// own. Someone with an account not verified yet takes an invitation through its link the
// same way. The owner then changes a member's role from the members list with the keyboard.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { openPage, openPages, PASSWORD, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { withServer } from "./e2e-helpers";

/** The server's log lines: locally each mail is logged with its link. */
const serverLog: string[] = [];
const server = withServer({ log: (line) => serverLog.push(line) });
const browser = withBrowser();
let owner: Page;
let invitee: Page;
const stamp = Date.now();

/** The link of the newest invitation mailed to `email`, from the server's log. */
async function invitationLink(email: string): Promise<string> {
  await expect.poll(() => serverLog.some((line) => line.includes(email) && line.includes("invited you to"))).toBe(true);
  const line = serverLog.findLast((l) => l.includes(email) && l.includes("invited you to"))!;
  return (JSON.parse(line.slice(line.indexOf("{"))) as { link: string }).link;
}

const workspaceOf = (page: Page) => page.locator("#workspace-switcher").inputValue();
const shot = screenshots("invitations");

beforeAll(async () => {
  [owner, invitee] = await openPages(browser, ["Olga", "Dana"]);
});

describe("invitations in the app", () => {
  it("owner invites → the invitee opens the link, sees who invited them where, joins with a new account → the workspace live", async () => {
    const danaEmail = `dana-${stamp}@example.test`;
    await signUpInUi(owner, server.url, "Olga", `olga-${stamp}@example.test`);
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
    // The dialog stays open while Dana joins: its lists follow.

    // The link: who invited whom where, before any sign-in.
    await invitee.goto(await invitationLink(danaEmail));
    await invitee.getByRole("heading", { name: "Olga invited you to Olga's workspace" }).waitFor();
    await invitee.getByText(`Join as member with a new account for ${danaEmail}.`).waitFor();
    expect(await invitee.getByLabel("Email").inputValue()).toBe(danaEmail);
    await shot(invitee, "02-landing");
    await invitee.getByLabel("Name").fill("Dana");
    await invitee.getByLabel("Password").fill(PASSWORD);
    await invitee.getByRole("button", { name: "Join Olga's workspace" }).click();
    await invitee.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    // In that workspace, and in no other of their own; the link proved the address.
    expect(await invitee.locator("#workspace-switcher").inputValue()).toBe(workspace);
    expect(await invitee.locator("#workspace-switcher option").allTextContents()).toEqual(["Olga's workspace"]);
    expect(await invitee.getByText("Verify your e-mail.").count()).toBe(0);
    expect(new URL(invitee.url()).searchParams.get("token")).toBeNull();
    // The owner's open Members & keys: Dana is a member now, and no longer a pending invitation.
    await dialog.getByRole("list", { name: "Members" }).getByText("Dana", { exact: true }).waitFor({ timeout: 15_000 });
    await dialog.getByRole("list", { name: "Pending invitations" }).waitFor({ state: "detached" });
    await dialog.getByRole("button", { name: "Close settings" }).click();

    // Live: a thread Olga starts now appears in Dana's sidebar without a reload.
    await owner.getByLabel("New thread title").fill("Welcome Dana");
    await owner.getByRole("button", { name: "Create", exact: true }).click();
    await invitee
      .locator(".sidebar")
      .getByRole("button", { name: /Welcome Dana/ })
      .waitFor({ timeout: 20_000 });
    await shot(invitee, "03-joined-live");
  });

  it("an account not verified yet sees the invitation its link is for, and joins through it", async () => {
    const eliEmail = `eli-${stamp}@example.test`;
    const { page } = await openPage(browser, "Eli");
    await signUpInUi(page, server.url, "Eli", eliEmail, { verify: false });
    await page.getByText("Verify your e-mail.").waitFor();
    const invited = await owner
      .context()
      .request.post(`${server.url}/api/workspaces/${await workspaceOf(owner)}/invitations`, {
        data: { email: eliEmail, role: "viewer" },
        headers: { origin: server.url },
      });
    expect(invited.status()).toBe(201);
    await page.goto(await invitationLink(eliEmail));
    const card = page.getByRole("region", { name: "Olga invited you to Olga's workspace" });
    await card.getByText("Join as viewer.").waitFor({ timeout: 20_000 });
    await shot(page, "04-unverified-sees-invitation");
    await card.getByRole("button", { name: "Join Olga's workspace" }).click();
    await expect
      .poll(() => page.locator("#workspace-switcher").inputValue(), { timeout: 20_000 })
      .toBe(await workspaceOf(owner));
    await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    // Taking the invitation through its link verified the address.
    await page.getByText("Verify your e-mail.").waitFor({ state: "detached", timeout: 20_000 });
    await page.context().close();
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
