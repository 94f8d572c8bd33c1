// Access taken away reaches an open tab at once (issue 10): the real server (wrangler dev,
// as `npm start` runs it) and two people in two Chromium contexts. The owner removes a
// member through better-auth's own endpoint; the member's open tab says so right away,
// without a reconnect loop, and leads back to their own workspaces. The owner's Audit view
// lists who did it. Screenshots go to test-artifacts/ (git-ignored).
import type { BrowserContext } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshots, signUpInUi, withBrowser, withPeople } from "./browser-helpers";
import { withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
const browser = withBrowser();
const people = withPeople(browser, ["alice", "bob"]);

const shot = screenshots("access");

/** The app's own HTTP API as the signed-in person of `ctx` (same cookies, the app's origin). */
async function asPerson(ctx: BrowserContext, path: string, data: unknown): Promise<{ status: number; body: unknown }> {
  const res = await ctx.request.post(`${server.url}${path}`, { data: data as object, headers: { origin: server.url } });
  return { status: res.status(), body: await res.json().catch(() => null) };
}

describe("access removed while the tab is open", () => {
  it("the removed member's tab shows that they no longer have access, at once, and leads back to their workspaces", async () => {
    const { alice, bob } = people;
    await Promise.all([
      signUpInUi(alice.page, server.url, "Alice", alice.email),
      signUpInUi(bob.page, server.url, "Bob", bob.email),
    ]);
    const workspace = await alice.page.locator("#workspace-switcher").inputValue();
    expect(
      (await asPerson(alice.ctx, `/api/workspaces/${workspace}/members`, { email: bob.email, role: "member" })).status,
    ).toBe(201);

    await bob.page.goto(`${server.url}/?w=${workspace}`);
    await expect.poll(() => bob.page.locator("#workspace-switcher").inputValue()).toBe(workspace);
    await bob.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });

    // Bob's tab on a paused clock from here: nothing driven by a timer (a poll, a retry's
    // wait) happens in it unless the test runs the clock.
    await bob.page.clock.install();
    await bob.page.clock.pauseAt(Date.now() + 1000);
    const sockets: string[] = [];
    bob.page.on("websocket", (ws) => sockets.push(ws.url()));

    const removed = await asPerson(alice.ctx, "/api/auth/organization/remove-member", {
      memberIdOrEmail: bob.email,
      organizationId: workspace,
    });
    expect(removed.status).toBe(200);
    // At once: shown with the clock stopped, so on the room's close itself, not after a wait.
    const notice = bob.page.getByRole("heading", { name: "You no longer have access to this workspace" });
    await notice.waitFor({ timeout: 5_000 });
    await expect.poll(() => bob.page.getByRole("alert").textContent()).toContain("Alice's workspace");
    await shot(bob.page, "01-no-longer-access");
    // It stays put (no reconnect loop flipping it back to the workspace): every timer the tab
    // has for the next minutes runs, and no socket is opened. A socket the tab had opened
    // before this round trip to the page would have been reported before its answer.
    await bob.page.clock.runFor(10 * 60_000);
    await bob.page.evaluate(() => 0);
    expect(sockets).toEqual([]);
    expect(await notice.isVisible()).toBe(true);
    await bob.page.clock.resume();

    await bob.page.getByRole("button", { name: "Back to your workspaces" }).click();
    await bob.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    const bobsOwn = await bob.page.locator("#workspace-switcher").inputValue();
    expect(bobsOwn).not.toBe(workspace);
    expect(await bob.page.locator("#workspace-switcher option").allTextContents()).toEqual(["Bob's workspace"]);
  });

  it("the owner's Audit view lists who added and removed whom", async () => {
    const { alice, bob } = people;
    await alice.page.getByRole("tab", { name: "Audit" }).click();
    const log = alice.page.getByRole("list", { name: "Audit log" });
    await log.waitFor();
    await expect.poll(() => log.textContent()).toContain(`removed ${bob.email}`);
    expect(await log.textContent()).toContain(`added ${bob.email}`);
    await shot(alice.page, "02-audit");
  });
});
