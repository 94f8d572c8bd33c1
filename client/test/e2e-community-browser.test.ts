// The Community panel end to end in Chromium against the real server (wrangler dev, one for
// the file): issue 40's acceptance. Bob has the workspace's community open; Alice posts from
// her browser, the workspace's agent posts with its own registered key through a stock
// nostr-tools pool (NIP-42) and replies through the client library (its custodial key); Bob
// sees all three live, the agent's attributed to its owner ("agent of …, owned by Alice", a
// bot badge). Bob reports the agent's post; it lands in Alice's moderation queue live; she
// hides it and it goes for everyone: from Bob's panel at once, from the room's feed, and
// from what the relay serves a stock client. Screenshots go to test-artifacts/community/.
import type { Event, EventTemplate } from "nostr-tools/core";
import { getToken } from "nostr-tools/nip98";
import { SimplePool } from "nostr-tools/pool";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutopilotClient } from "../src/client";
import { artifactsIn, openLive, signedInPage, withBrowser } from "./browser-helpers";
import { addSecondPerson, httpJson, signUpVerified, withSharedServer } from "./e2e-helpers";
import { storedNotes } from "./nostr-reads";

const { shot } = artifactsIn("community");
const VIEWPORT = { width: 1440, height: 900 };

const server = withSharedServer();
const browser = withBrowser();
let workspace: string;
let workspaceName: string;
let alice: { cookie: string };
let bob: { cookie: string };
let agentKey: string;
let agentClient: AutopilotClient;
const pool = new SimplePool();
const contexts: BrowserContext[] = [];
const secret = generateSecretKey();
const agentNostr = { pubkey: getPublicKey(secret), sign: async (t: EventTemplate) => finalizeEvent(t, secret) };
const now = () => Math.floor(Date.now() / 1000);

async function openCommunity(cookie: string): Promise<Page> {
  const { ctx: context, page } = await signedInPage(browser, server.url, cookie, { viewport: VIEWPORT });
  contexts.push(context);
  await openLive(page, `${server.url}/?w=${workspace}`);
  await page.getByRole("tab", { name: "Community" }).click();
  await page.getByLabel("Workspace posts").or(page.getByText("No posts yet")).waitFor();
  return page;
}

const post = (page: Page, text: string) => page.getByTestId("community-post").filter({ hasText: text });

/** What the relay serves a stock client that authenticated as the agent: the workspace community's notes. */
function relayNotes(): Promise<Event[]> {
  return storedNotes(pool, `${server.url.replace(/^http/, "ws")}/relay/w/${workspace}`, agentNostr.sign);
}

beforeAll(async () => {
  alice = await signUpVerified(server.url, "Alice");
  const me = await httpJson<{ workspaces: { id: string; name: string }[] }>(server.url, "/api/me", {
    cookie: alice.cookie,
  });
  workspace = me.body.workspaces[0]!.id;
  workspaceName = me.body.workspaces[0]!.name;
  bob = await addSecondPerson(server.url, alice.cookie, workspace, "Bob");
  const key = await httpJson<{ key: string }>(server.url, `/api/workspaces/${workspace}/keys`, {
    method: "POST",
    cookie: alice.cookie,
    body: JSON.stringify({ name: "release-bot", scopes: ["read", "write"] }),
  });
  expect(key.status).toBe(201);
  agentKey = key.body.key;
  // The agent registers its own Nostr key, proving it with NIP-98 and who it is with its API key.
  const url = `${server.url}/api/nostr/identities`;
  const body = { workspaceId: workspace };
  const registered = await fetch(url, {
    method: "POST",
    headers: {
      authorization: await getToken(url, "post", agentNostr.sign, true, body),
      "x-api-key": agentKey,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  expect(registered.status).toBe(201);
  agentClient = new AutopilotClient({ url: server.url, workspace, device: "release-bot", apiKey: agentKey });
  await agentClient.ready();
}, 240_000);

afterAll(async () => {
  agentClient?.close();
  pool.destroy();
  for (const context of contexts) await context.close().catch(() => {});
});

describe("the workspace's community", () => {
  let bobPage: Page;
  let alicePage: Page;
  let agentNote: Event;

  it("Bob sees Alice's post and the agent's (its own key, a stock Nostr client) live, the agent's attributed to Alice", async () => {
    bobPage = await openCommunity(bob.cookie);
    alicePage = await openCommunity(alice.cookie);

    await alicePage.getByLabel("Write a post").fill("Release 1.4 goes out **today**.\nPlease check <b>the notes</b>.");
    await alicePage.getByRole("button", { name: "Post", exact: true }).click();
    // Plain text: the Markdown and the tag show as written, nothing is rendered.
    const fromAlice = post(bobPage, "Release 1.4 goes out");
    await fromAlice.waitFor();
    await expect(fromAlice.locator(".community-text").textContent()).resolves.toBe(
      "Release 1.4 goes out **today**.\nPlease check <b>the notes</b>.",
    );
    expect(await fromAlice.locator("b").count()).toBe(0);
    await expect(fromAlice.locator(".community-name").textContent()).resolves.toBe("Alice");
    // Its tooltip names the key as Nostr clients do, short (npub1…), not 64 hex digits.
    expect(await fromAlice.locator(".community-author").getAttribute("title")).toMatch(
      /^Alice · npub1[a-z0-9]{5}…[a-z0-9]{6}$/,
    );
    expect(await fromAlice.locator(".community-bot").count()).toBe(0);

    agentNote = finalizeEvent(
      { kind: 1, content: "Build 412 is green: ready to ship.", tags: [], created_at: now() },
      secret,
    );
    const community = `${server.url.replace(/^http/, "ws")}/relay/w/${workspace}`;
    // Refused with auth-required first; the pool authenticates with onauth and publishes again.
    expect(await Promise.all(pool.publish([community], agentNote, { onauth: agentNostr.sign }))).toEqual([""]);
    const fromAgent = post(bobPage, "Build 412 is green");
    await fromAgent.waitFor();
    await expect(fromAgent.locator(".community-name").textContent()).resolves.toBe("release-bot");
    await expect(fromAgent.locator(".community-bot").textContent()).resolves.toMatch(/bot/i);
    await expect(fromAgent.locator(".community-owner").textContent()).resolves.toBe(
      `agent of ${workspaceName}, owned by Alice`,
    );

    // The agent answers through the client library: signed with its custodial key, still release-bot.
    await agentClient.community.post({ community: "workspace", text: "Changelog attached.", replyTo: agentNote.id });
    const reply = fromAgent.locator(".community-replies").getByTestId("community-post");
    await reply.waitFor();
    await expect(reply.locator(".community-owner").textContent()).resolves.toBe(
      `agent of ${workspaceName}, owned by Alice`,
    );
    // Bob's page was never reloaded: all three came as the room's news.
    expect(await bobPage.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
    await shot(bobPage, "bob-sees-both-live");
  });

  it("Bob reports the agent's post, it lands in Alice's queue, and her hide takes effect for everyone", async () => {
    const target = post(bobPage, "Build 412 is green").first();
    await target.getByRole("button", { name: "Report" }).first().click();
    const form = target.getByRole("form", { name: "Report this post" });
    await form.getByLabel("Why").selectOption("spam");
    await form.getByLabel("What is wrong").fill("looks like an ad");
    await form.getByRole("button", { name: "Send report" }).click();
    await target.getByText("Reported").waitFor();
    // Bob is a member, not an admin: no queue and no Hide for him.
    expect(await bobPage.getByRole("region", { name: "Moderation queue" }).count()).toBe(0);

    const queue = alicePage.getByRole("region", { name: "Moderation queue" });
    const item = queue.getByTestId("moderation-item").filter({ hasText: "Build 412 is green" });
    await item.waitFor();
    await expect(item.textContent()).resolves.toMatch(/spam from Bob: looks like an ad/);
    await shot(alicePage, "alice-moderation-queue");

    await item.getByRole("button", { name: "Hide post" }).click();
    await post(bobPage, "Build 412 is green").waitFor({ state: "detached" });
    await queue.getByText("No open reports.").waitFor();
    await post(alicePage, "Build 412 is green").waitFor({ state: "detached" });
    // Alice's own post stays.
    await post(bobPage, "Release 1.4 goes out").waitFor();
    await shot(bobPage, "bob-after-hide");
    await shot(alicePage, "alice-after-hide");

    // For everyone: the room's feed and what the relay serves a stock client.
    const feed = await agentClient.community.feed({ community: "workspace" });
    expect(feed.posts.map((p) => p.text)).toEqual(["Release 1.4 goes out **today**.\nPlease check <b>the notes</b>."]);
    const served = await relayNotes();
    expect(served.map((e) => e.id)).not.toContain(agentNote.id);
    expect(served.length).toBeGreaterThan(0);
  });
});
