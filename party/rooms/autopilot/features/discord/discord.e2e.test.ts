// Discord in the app, end to end: the real server (wrangler dev, as `npm start` runs it),
// Chromium, and the Discord stand-in on loopback (discord-standin.ts; Discord is an external
// service). An owner connects the workspace's Discord application in Settings › Chats with its
// two fields, sees what to enter in Discord's own settings, makes a link code, and sends it
// with /autopilot as Discord posts it (signed with the application's key) through the Worker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLive, screenshots, signedInPage, withBrowser } from "../../../../../client/test/browser-helpers";
import { personClient, until, verifiedOwner, withServer } from "../../../../../client/test/e2e-helpers";
import { DiscordStandIn } from "./discord-standin";
import { DISCORD_APP } from "./standin-app";

const discord = new DiscordStandIn(DISCORD_APP);
beforeAll(() => discord.start());
afterAll(() => discord.stop());

const server = withServer(() => ({ vars: { DISCORD_API_BASE: discord.url } }));
const browser = withBrowser();
const shot = screenshots("discord");

/** `/autopilot text:<text>` in the bot's direct chat `dm`, posted to the workspace's endpoint as Discord posts it. */
async function sayInDm(workspace: string, user: { id: string; username: string }, dm: string, text: string) {
  const id = String(1_200_000_000_000_000_000n + BigInt(Date.now()));
  const body = JSON.stringify({
    id,
    application_id: DISCORD_APP.id,
    type: 2,
    token: `interaction-token-${id}`,
    version: 1,
    channel_id: dm,
    channel: { id: dm, type: 1 },
    user: { id: user.id, username: user.username, global_name: null },
    data: { id: "1150000000000000001", name: "autopilot", type: 1, options: [{ name: "text", type: 3, value: text }] },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`${server.url}/chats/discord/${workspace}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-signature-ed25519": discord.signature(timestamp, body),
      "x-signature-timestamp": timestamp,
    },
    body,
  });
  return { status: res.status, json: (await res.json()) as { type: number } };
}

describe("Discord in Settings › Chats", () => {
  it("an owner connects it with the bot token and public key, sees the endpoint to enter, and links their account with a code", async () => {
    const owner = await verifiedOwner(server.url, "Dora");
    const { ctx, page } = await signedInPage(browser, server.url, owner.cookie);
    await openLive(page, `${server.url}/?w=${encodeURIComponent(owner.workspace)}`);
    await page.getByRole("button", { name: "Members & keys" }).click();
    await page.getByText("Set up Discord").click();
    await page.getByLabel("Discord bot token").fill(DISCORD_APP.token);
    await page.getByLabel("Discord public key").fill(discord.publicKey);
    await shot(page, "connect-form");
    await page.getByRole("button", { name: "Connect Discord" }).click();
    await page.getByRole("status").filter({ hasText: DISCORD_APP.botUsername }).waitFor({ timeout: 15_000 });
    const endpoint = `${server.url}/chats/discord/${owner.workspace}`;
    await page.getByText(endpoint).waitFor();
    // The token went to the room once: the page shows it nowhere, and the fields are empty again.
    expect(await page.content()).not.toContain(DISCORD_APP.token);
    // The room checked it with Discord and registered the command.
    expect(discord.calls.some((c) => c.verb === "GET" && c.path === "/applications/@me")).toBe(true);
    expect(discord.calls.some((c) => c.verb === "PUT" && c.path.endsWith("/commands"))).toBe(true);

    const live = personClient(server.url, owner.cookie, owner.workspace, "laptop");
    await live.ready();
    await page.getByRole("button", { name: "Link my Discord account" }).click();
    const shown = await page.locator(".link-code code").innerText();
    expect(shown).toMatch(/^\/autopilot text:link [A-Z0-9]{8}$/);
    await shot(page, "link-code");
    const me = { id: "1210000000000000001", username: "dora" };
    const dm = "1210000000000000002";
    const answer = await sayInDm(owner.workspace, me, dm, shown.replace("/autopilot text:", ""));
    expect(answer).toMatchObject({ status: 200, json: { type: 4 } });
    await page.getByText("is linked").waitFor({ timeout: 15_000 });
    await until(
      () =>
        discord.calls.find((c) => c.path === `/channels/${dm}/messages` && String(c.body.content).startsWith("Linked")),
      "the bot's word that the account is linked",
      15_000,
    );
    expect((await live.chats.get({})).chats.links).toMatchObject([{ platform: "discord", handle: "@dora" }]);
    await shot(page, "linked");
    live.close();
    await ctx.close();
  });
});
