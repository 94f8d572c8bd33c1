// A message round trip through an OpenClaw instance's own Telegram channel, end to end: the
// real server (wrangler dev), the real runtime and the pinned `openclaw` gateway, its model the
// scripted one and Telegram's Bot API a stand-in on loopback (both external services, the only
// test doubles). In Chromium, a person connects the gateway's Telegram account from the
// instance's Channels section (the configure approval, decided by a second person in their
// queue) and lets one sender DM it (the access approval); that sender's message, taken by the
// gateway's long poll, reaches the gateway's agent, whose answer the gateway sends back to the
// chat; the conversation is one of the instance's sessions in the product, opened from the
// inspector's list as a thread that shows both sides. Screenshots go to test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markerScript } from "../../runtime/test/scripted-model";
import type { AutopilotClient } from "../src/client";
import {
  addSecondPerson,
  ownWorkspace,
  personClient,
  provisionConnected,
  signUp,
  until,
  waitForMessage,
} from "./e2e-helpers";
import type { Page } from "playwright-core";
import { approveInQueue, openLive, screenshots, signedInPage, withBrowser } from "./browser-helpers";
import { gatewayOperator, withOpenClawStack } from "./openclaw-stack";
import { TelegramStandIn, telegramUser } from "./telegram-standin";

// The shape of a token from @BotFather; never a real one.
const TOKEN = "555000222:AAe2e-telegram-roundtrip_0123456789abcd";
const telegram = new TelegramStandIn();
telegram.addBot(TOKEN, { id: 555000222, username: "work_openclaw_bot", name: "Work OpenClaw" });
const dana = telegramUser(424242, "Dana");

const stack = withOpenClawStack("channels-telegram", { reply: markerScript });
const browser = withBrowser();
const shot = screenshots("channels-telegram");
let aliceCookie: string;
let bobCookie: string;
const clients: AutopilotClient[] = [];
let workspace: string;
let alice: AutopilotClient;
let bob: AutopilotClient;

/** `cookie`'s person in the app, live on the workspace, at a desktop's size. */
async function appPage(cookie: string): Promise<Page> {
  const { page } = await signedInPage(browser, stack.server.url, cookie, { viewport: { width: 1280, height: 900 } });
  await openLive(page, `${stack.server.url}/?w=${encodeURIComponent(workspace)}`);
  return page;
}

/** Resolves once the room ran the job of the approval titled `title` to success, as Alice's client sees it. */
const succeeded = (title: string) =>
  until(
    () => [...alice.state.jobs.values()].find((j) => j.title === title && j.status === "succeeded"),
    `the job of "${title}"`,
    60_000,
  );

/**
 * Points the gateway's Telegram channel at the stand-in: `apiRoot` is the gateway's own key for
 * a self-hosted Bot API. Test-only configuration of the runtime's gateway, set the way any
 * operator of that gateway would (config.patch through the runtime's proxy with its service
 * token), never something the product offers.
 */
async function pointTelegramAtStandin(): Promise<void> {
  const operator = await gatewayOperator(stack, workspace);
  try {
    const got = await operator.request("config.get", {});
    expect(got.ok, JSON.stringify(got)).toBe(true);
    const patched = await operator.request("config.patch", {
      raw: JSON.stringify({
        channels: { telegram: { apiRoot: telegram.url } },
      }),
      baseHash: (got.payload as { hash: string }).hash,
    });
    expect(patched.ok, JSON.stringify(patched)).toBe(true);
  } finally {
    operator.close();
  }
}

beforeAll(async () => {
  await telegram.start();
  const baseUrl = stack.server.url;
  const { cookie } = await signUp(baseUrl, "Alice");
  aliceCookie = cookie;
  workspace = await ownWorkspace(baseUrl, cookie);
  alice = personClient(baseUrl, cookie, workspace, "laptop");
  clients.push(alice);
  await alice.ready();
  bobCookie = (await addSecondPerson(baseUrl, cookie, workspace, "Bob")).cookie;
  bob = personClient(baseUrl, bobCookie, workspace, "phone");
  clients.push(bob);
  await bob.ready();
  await provisionConnected(alice, bob, { seen: true });
  await pointTelegramAtStandin();
}, 300_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await telegram.stop();
});

describe("a message through the instance's Telegram channel", () => {
  it("connected from the product and open to one sender, a DM reaches the gateway's agent and its answer comes back to the chat", async () => {
    const page = await appPage(aliceCookie);
    const approver = await appPage(bobCookie);
    await page.locator(".sidebar .nav-item", { hasText: "Work" }).first().click();
    const telegramRow = page.locator(".instance-channels .channel-row", { hasText: "Telegram" });
    await expect.poll(() => telegramRow.textContent(), { timeout: 30_000 }).toContain("not configured");
    await telegramRow.getByRole("button", { name: "Connect Telegram" }).click();
    const form = page.getByRole("form", { name: "Connect Telegram" });
    await form.getByLabel("Bot token").fill(TOKEN);
    await form.getByRole("button", { name: "Ask to connect Telegram" }).click();
    const connectTitle = 'Connect Telegram on OpenClaw instance "Work"';
    await approveInQueue(approver, connectTitle);
    await succeeded(connectTitle);
    await expect.poll(() => telegramRow.textContent(), { timeout: 60_000 }).not.toContain("not configured");

    await telegramRow.getByRole("button", { name: "Who may message…" }).click();
    const access = page.getByRole("form", { name: "Who may message on Telegram" });
    await access.getByLabel("Direct messages").selectOption("allowlist");
    await access.getByLabel("Allowed senders").fill(String(dana.id));
    await access.getByRole("button", { name: "Ask to change access" }).click();
    await approveInQueue(approver, 'Set who may message on Telegram on OpenClaw instance "Work"');
    await expect.poll(() => telegramRow.textContent(), { timeout: 60_000 }).toContain(`allowed: ${dana.id}`);
    await shot(page, "connected");
    // The channel is up once the gateway long-polls the stand-in with the token the product gave it.
    await until(
      () => telegram.calls.find((c) => c.token === TOKEN && c.method === "getUpdates"),
      "the gateway polling the stand-in",
      60_000,
    );

    telegram.queueMessage(TOKEN, dana, "SAY: pong from the Work gateway");
    const answer = await until(
      () => telegram.sentTo(dana.id).find((c) => String(c.body.text).includes("pong from the Work gateway")),
      "the gateway's answer in Dana's chat",
      90_000,
    );
    expect(answer.token).toBe(TOKEN);
    expect(String(answer.body.chat_id)).toBe(String(dana.id));
    expect(answer.body.text).toBe("pong from the Work gateway");
    // The gateway's agent had Dana's words (the scripted model answered what it was sent).
    expect(JSON.stringify(stack.model.requests.at(-1)?.messages)).toContain("SAY: pong from the Work gateway");

    // In the product: the conversation is one of the instance's sessions (a DM goes to the
    // agent's main session, the gateway's default), named after the sender; opened as a thread
    // it shows both sides.
    const session = await until(
      () => alice.state.sessions.get("work")?.find((s) => /^agent:[^:]+:main$/.test(s.key) && s.label.includes("Dana")),
      "the conversation's session, named after Dana",
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; listed: ${JSON.stringify(alice.state.sessions.get("work") ?? [])}`);
    });
    expect(session.label).toContain(String(dana.id));
    // Opened from the instance's session list in the inspector, as a person finds it.
    await page
      .locator(".right-panel")
      .getByRole("button", { name: `Open session ${session.label}` })
      .click({ timeout: 30_000 });
    const view = page.locator(".thread-view");
    await view.getByText("pong from the Work gateway", { exact: true }).first().waitFor({ timeout: 30_000 });
    await view.getByText("SAY: pong from the Work gateway").first().waitFor({ timeout: 30_000 });
    await shot(page, "session-thread");
    // And in the room, for every client: the thread the session was opened as holds both sides.
    const thread = await until(
      () => alice.state.sessions.get("work")?.find((s) => s.key === session.key)?.threadId,
      "the session's thread",
      30_000,
    );
    await waitForMessage(alice, thread, (m) => m.text.includes("pong from the Work gateway"), "the answer", 30_000);
    await waitForMessage(alice, thread, (m) => m.text.includes("SAY: pong"), "Dana's message", 30_000);
    for (const p of [page, approver]) expect(await p.content()).not.toContain(TOKEN);
  }, 240_000);
});
