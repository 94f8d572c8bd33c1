// The workspace's link limit in the app (docs/access.md, "From a mail or a notification"): the
// real server (wrangler dev) and two people in Chromium. The owner lowers the risk a mail link
// or a push action decides alone in Settings → Approvals; the member's open tab follows it at
// once and cannot change it. Screenshots go to test-artifacts/ (git-ignored).
import { describe, expect, it } from "vitest";
import { screenshots, twoPeopleInOneWorkspace, withBrowser, withPeople } from "./browser-helpers";
import { withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
const browser = withBrowser();
const people = withPeople(browser, ["alice", "bob"]);
const shot = screenshots("link-limit");

describe("the link limit in Settings → Approvals", () => {
  it("an owner lowers it; a member's open tab shows the new limit and cannot change it", async () => {
    const { alice, bob } = people;
    await twoPeopleInOneWorkspace(server.url, alice, bob);
    for (const page of [alice.page, bob.page]) {
      await page.getByRole("button", { name: "Members & keys" }).click();
      await page.getByRole("dialog").getByText("Deciding from a mail or a notification").waitFor();
    }
    const limitOf = (page: typeof alice.page) => page.getByRole("dialog").getByLabel("Without signing in, up to");
    expect(await limitOf(alice.page).inputValue()).toBe("medium");
    expect(await limitOf(bob.page).isDisabled()).toBe(true);

    await limitOf(alice.page).selectOption("low");
    await expect.poll(() => limitOf(bob.page).inputValue(), { timeout: 10_000 }).toBe("low");
    expect(await limitOf(alice.page).inputValue()).toBe("low");
    await shot(alice.page, "01-owner-lowered");
    await shot(bob.page, "02-member-sees");
  });
});
