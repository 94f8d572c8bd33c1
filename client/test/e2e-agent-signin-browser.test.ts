// An agent as a user of the app (issue 26): the real server (wrangler dev, as `npm start`
// runs it) and Chromium. A person invites an agent; the agent signs up over HTTP with the
// invitation, signs in to the app with the key it got, starts a thread, posts in it and
// adds a note to the canvas, which the person's tab shows live. Then the person revokes
// the key and the agent's tab is signed out on the room's close itself (its clock is
// paused: no timer, poll or retry is involved). Screenshots go to test-artifacts/.
import { describe, expect, it } from "vitest";
import { openPage, screenshots, signInWithKey, withBrowser, withPeople } from "./browser-helpers";
import { openNewThread } from "./app-steps";
import { httpJson, signUpVerified, withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
const browser = withBrowser();
const tabs = withPeople(browser, ["agent", "person"]);
let person: { email: string; cookie: string; userId: string };
let workspace: string;
let agent: { key: string; id: string };

const shot = screenshots("agent-signin");

describe("an agent signs up, signs in to the app with its key, and is signed out when the key is revoked", () => {
  it("signs up over HTTP with a person's invitation", async () => {
    person = await signUpVerified(server.url, "Paula");
    const me = await httpJson<{ workspaces: { id: string }[] }>(server.url, "/api/me", { cookie: person.cookie });
    workspace = me.body.workspaces[0]!.id;
    const invitation = await httpJson<{ token: string }>(server.url, `/api/workspaces/${workspace}/agent-invitations`, {
      method: "POST",
      cookie: person.cookie,
      body: "{}",
    });
    expect(invitation.status).toBe(201);
    // The agent: no browser, no cookie, no origin: plain HTTP.
    const res = await fetch(`${server.url}/api/agent/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Scout", invitation: invitation.body.token }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      status: string;
      workspace: { id: string };
      key: { id: string; key: string; scopes: string[] };
    };
    expect(body).toMatchObject({ status: "active", workspace: { id: workspace }, key: { scopes: ["read", "write"] } });
    agent = { key: body.key.key, id: body.key.id };
  });

  it("signs in to the app with the key, starts a thread, posts and adds a note; the person's tab shows them live", async () => {
    const [cookieName, ...rest] = person.cookie.split("=");
    await tabs.person.ctx.addCookies([{ name: cookieName!, value: rest.join("="), url: server.url }]);
    await tabs.person.page.goto(server.url);
    await tabs.person.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 30_000 });

    const { page } = tabs.agent;
    await signInWithKey(page, server.url, agent.key);
    expect(await page.locator("#workspace-switcher").inputValue()).toBe(workspace);
    await page.locator(".topbar .user", { hasText: "Scout" }).getByText("agent").waitFor();
    // The session cookie is HttpOnly: the page's script cannot read the key or the session.
    expect(await page.evaluate(() => document.cookie)).toBe("");
    const sessionCookie = (await tabs.agent.ctx.cookies()).find((c) => c.name.includes("key_session"));
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: "Lax" });

    await openNewThread(page, "Scouting report");
    await page.getByLabel("Message", { exact: true }).fill("Three leads found, details follow");
    await page.getByLabel("Message", { exact: true }).press("Enter");
    await page.locator(".message", { hasText: "Three leads found" }).waitFor();

    await page.getByRole("button", { name: "+ Note" }).click();
    const field = page.locator("#node-field");
    await field.fill("Lead 2 looks strongest");
    await field.blur();
    await page.locator(".react-flow__node-note", { hasText: "Lead 2 looks strongest" }).waitFor({ timeout: 20_000 });
    await shot(page, "01-agent-in-the-app");

    const seen = tabs.person.page;
    await seen.locator(".react-flow__node-thread", { hasText: "Scouting report" }).waitFor({ timeout: 20_000 });
    await expect
      .poll(() => seen.locator(".react-flow__node-thread", { hasText: "Scouting report" }).textContent(), {
        timeout: 20_000,
      })
      .toContain("Three leads found");
    await seen.locator(".react-flow__node-note", { hasText: "Lead 2 looks strongest" }).waitFor({ timeout: 20_000 });
    await seen
      .locator(".sidebar")
      .getByRole("button", { name: /Scouting report/ })
      .click();
    await seen.locator(".message", { hasText: "Three leads found" }).getByText("agent").first().waitFor();
    await shot(seen, "02-person-sees-the-agent");
  });

  it("revoking the key signs the agent's tab out on the room's close, with no timer involved", async () => {
    const { page } = tabs.agent;
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 1000);
    const started = Date.now();
    const revoked = await httpJson(server.url, `/api/workspaces/${workspace}/keys/${agent.id}`, {
      method: "DELETE",
      cookie: person.cookie,
    });
    expect(revoked.status).toBe(200);
    await page.getByText("You were signed out. Sign in again to continue.").waitFor({ timeout: 5_000 });
    console.log(`agent tab signed out ${Date.now() - started} ms after the revocation was sent`);
    await page.getByRole("tab", { name: "API key" }).waitFor();
    await shot(page, "03-signed-out");
    await page.clock.resume();
    // The session is over on the server too: a reload stays signed out, the key signs in to nothing.
    await page.reload();
    await page.getByRole("tab", { name: "Sign in" }).waitFor();
    const again = await page.request.post(`${server.url}/api/agent/sign-in`, {
      data: { key: agent.key },
      headers: { origin: server.url },
    });
    expect(again.status()).toBe(401);
  });

  it("an agent that signed up on its own opens its own workspace and manages it from Settings", async () => {
    const res = await fetch(`${server.url}/api/agent/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Solo" }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { workspace: { id: string; name: string }; key: { key: string } };
    const { ctx, page } = await openPage(browser, "Solo");
    await signInWithKey(page, server.url, body.key.key);
    expect(await page.locator("#workspace-switcher").inputValue()).toBe(body.workspace.id);
    await page.getByRole("button", { name: "Members & keys" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("this key: read, write, admin").waitFor();
    // Each key says when it was last used (the sign-in used this one; better-auth notes it in the background).
    await dialog
      .getByText(/ · (last used .+|never used)$/)
      .first()
      .waitFor();
    await dialog.getByRole("heading", { name: "Agent keys" }).waitFor();
    await dialog.getByRole("button", { name: "Create invitation" }).click();
    await expect.poll(() => dialog.locator("pre.details").first().textContent()).toContain("/api/agent/signup");
    await shot(page, "04-own-workspace-settings");
    // Revoking asks once more in place, in the app's words (no browser dialog: one would be
    // dismissed here and nothing would show); "Keep it" leaves the key as it was.
    page.on("dialog", (d) => void d.dismiss());
    await dialog
      .getByRole("button", { name: /^Revoke / })
      .first()
      .click();
    const asking = dialog.getByRole("group", { name: /^Revoke “.*”\? Agents using it are disconnected at once\.$/ });
    await asking.waitFor();
    expect(
      await asking.getByRole("button", { name: "Yes, revoke" }).evaluate((b) => b === document.activeElement),
    ).toBe(true);
    await shot(page, "05-revoke-asks");
    await asking.getByRole("button", { name: "Keep it" }).click();
    await asking.waitFor({ state: "detached" });
    await dialog
      .getByRole("button", { name: /^Revoke / })
      .first()
      .waitFor();
    await ctx.close();
  });
});
