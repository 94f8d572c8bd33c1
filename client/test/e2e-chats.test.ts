// The workspace's chats end to end (docs/chats.md): the real server (wrangler dev, as
// `npm start` runs it) and a stand-in Telegram Bot API on this machine (an HTTP server:
// Telegram is an external service; client/test/telegram-standin.ts). The workspace's bot is
// connected in the app, people link their accounts with a one-time code sent to the bot, and
// presses arrive as Telegram posts them, with the webhook's secret the room set.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutopilotClient } from "../src/client";
import { openLive, screenshots, signedInPage, withBrowser } from "./browser-helpers";
import {
  addSecondPerson,
  createKey,
  httpJson,
  ownWorkspace,
  personClient,
  signUpVerified,
  until,
  withServer,
} from "./e2e-helpers";
import { recordingClients } from "./recording-clients";
import { buttonsOf, TelegramStandIn, telegramUser } from "./telegram-standin";

const telegram = new TelegramStandIn();
/** Every line the server logged. */
const serverLog: string[] = [];
const clients: AutopilotClient[] = [];

beforeAll(() => telegram.start());
afterAll(async () => {
  for (const c of clients) c.close();
  await telegram.stop();
});

const server = withServer(() => ({
  vars: { TELEGRAM_API_BASE: telegram.url },
  log: (line: string) => serverLog.push(line),
}));
const browser = withBrowser();
const shot = screenshots("chats");

async function person(cookie: string, workspace: string) {
  const client = personClient(server.url, cookie, workspace, "laptop");
  clients.push(client);
  await client.ready();
  return client;
}

async function agentOf(cookie: string, workspace: string, name: string) {
  const key = await createKey(server.url, cookie, workspace, { name });
  const agent = new AutopilotClient({ url: server.url, workspace, device: "ci", apiKey: key });
  clients.push(agent);
  await agent.ready();
  return agent;
}

const BOT_TOKEN = "7000000001:AAF-standin-bot-token-for-the-tests-only";
const OTHER_BOT_TOKEN = "7000000002:AAG-another-workspace-bot-token-standin";
telegram.addBot(BOT_TOKEN, { id: 7000000001, username: "acme_autopilot_bot", name: "Acme Autopilot" });
telegram.addBot(OTHER_BOT_TOKEN, { id: 7000000002, username: "other_autopilot_bot", name: "Other Autopilot" });

/** Links `who`'s Telegram account to their identity: a code from the app, sent to the bot. */
async function linkTelegram(live: AutopilotClient, token: string, who: ReturnType<typeof telegramUser>) {
  const { code, botUsername } = await live.chats.linkCode({ platform: "telegram" });
  expect(code).toMatch(/^[A-Z2-9]{8}$/);
  const before = telegram.sentTo(who.id).length;
  expect((await telegram.say(token, who, `/link ${code}`)).status).toBe(200);
  const reply = await until(() => telegram.sentTo(who.id)[before], `the bot's answer to ${who.first_name}`, 15_000);
  expect(reply.body.text).toContain("Linked");
  return botUsername;
}

/** The approval message the bot sent `chatId` about `title`, once it has. */
const approvalMessage = (chatId: number, title: string) =>
  until(
    () => telegram.sentTo(chatId).find((c) => String(c.body.text).includes(title) && buttonsOf(c).size > 0),
    `the approval "${title}" in chat ${chatId}`,
    20_000,
  );

/** Waits until the room has handled every update sent before and made every call queued before: its answer to a new one comes after them. */
async function handledSoFar(token: string, who: ReturnType<typeof telegramUser>) {
  const before = telegram.sentTo(who.id).length;
  await telegram.say(token, who, "hello");
  await until(() => telegram.sentTo(who.id)[before], "the bot's answer to hello", 15_000);
}

describe("approvals in Telegram", () => {
  it("an owner connects the bot, a person links their account, an agent's approval reaches them with buttons; their press decides once as them, the app shows it was in Telegram, and every message shows the outcome", async () => {
    const alice = await signUpVerified(server.url, "Alice");
    const workspace = await ownWorkspace(server.url, alice.cookie);
    const bob = await addSecondPerson(server.url, alice.cookie, workspace, "Bob");
    // Alice's frames are kept: neither the bot's token nor the webhook's secret may be in one.
    const recorded = recordingClients(server.url, workspace);
    const aliceLive = await recorded.connect("laptop", alice.cookie);
    const frames = recorded.received;
    const bobLive = await person(bob.cookie, workspace);

    // Only an owner or admin connects, only with a token Telegram accepts.
    await expect(
      bobLive.chats.connect({ platform: "telegram", botToken: BOT_TOKEN, origin: server.url }),
    ).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(aliceLive.chats.connect({ platform: "telegram", botToken: "not a token" })).rejects.toMatchObject({
      code: "bad_request",
    });
    await expect(
      aliceLive.chats.connect({
        platform: "telegram",
        botToken: "7000000009:AAunknown-bot-token-the-standin-refuses",
        origin: server.url,
      }),
    ).rejects.toMatchObject({ code: "bad_request", message: expect.stringContaining("Unauthorized") });
    // Alice connects it in the app: Settings › Chats.
    const { ctx, page } = await signedInPage(browser, server.url, alice.cookie);
    await openLive(page, `${server.url}/?w=${encodeURIComponent(workspace)}`);
    await page.getByRole("button", { name: "Members & keys" }).click();
    await page.getByLabel("Telegram bot token").fill(BOT_TOKEN);
    await page.getByRole("button", { name: "Connect Telegram" }).click();
    await page.getByRole("status").filter({ hasText: "@acme_autopilot_bot" }).waitFor({ timeout: 15_000 });
    await shot(page, "telegram-connected");
    const { chats } = await aliceLive.chats.get({});
    expect(chats.connections).toMatchObject([{ platform: "telegram", botUsername: "acme_autopilot_bot", waiting: 0 }]);
    const hook = telegram.webhookOf(BOT_TOKEN);
    expect(hook.url).toBe(`${server.url}/chats/telegram/${workspace}`);
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);

    // Bob links his account; a code that is not one links nobody.
    const tgBob = telegramUser(71001, "Bob");
    const stranger = telegramUser(71009, "Mallory");
    await telegram.say(BOT_TOKEN, stranger, "/link ZZZZZZZZ");
    await until(() => telegram.sentTo(stranger.id)[0], "the answer to a made-up code", 15_000);
    expect(telegram.sentTo(stranger.id)[0]!.body.text).toContain("not one");
    expect(await linkTelegram(bobLive, BOT_TOKEN, tgBob)).toBe("acme_autopilot_bot");
    expect((await bobLive.chats.get({})).chats.links).toMatchObject([{ platform: "telegram", handle: "@bob_tg" }]);
    expect((await aliceLive.chats.get({})).chats.links).toEqual([]);

    // An agent asks; Bob (who may decide) gets it with buttons; Alice, not linked, gets nothing there.
    const agent = await agentOf(alice.cookie, workspace, "deployer");
    const { approval } = await agent.approvals.request({ title: "Deploy v3 to production", details: "", risk: "high" });
    const message = await approvalMessage(tgBob.id, "Deploy v3 to production");
    expect(message.body.text).toContain("Asked by deployer · high risk");
    const buttons = buttonsOf(message);
    expect([...buttons.keys()]).toEqual(["Approve", "Deny", "Deny with a note…"]);

    // Alice watches it in the app while Bob presses Approve in Telegram.
    await openLive(page, `${server.url}/?w=${encodeURIComponent(workspace)}&approval=${approval.id}`);
    await page.getByRole("heading", { name: "Deploy v3 to production" }).first().waitFor({ timeout: 15_000 });
    const pressedAt = Date.now();
    const pressed = await telegram.press(BOT_TOKEN, tgBob, buttons.get("Approve")!);
    expect(pressed.status).toBe(200);
    await page
      .getByRole("status")
      .filter({ hasText: /Approved\s+by Bob in Telegram/ })
      .first()
      .waitFor({ timeout: 15_000 });
    console.log(`the app showed Bob's Telegram approval ${Date.now() - pressedAt} ms after the press was posted`);
    await ctx.close();
    expect((await agent.approvals.get({ approvalId: approval.id })).approval).toMatchObject({
      status: "approved",
      resolvedBy: { id: bob.userId, name: "Bob" },
      decidedIn: "telegram",
    });
    await until(() => telegram.answers(pressed.callbackId)[0], "the press answered", 15_000);
    expect(telegram.answers(pressed.callbackId)[0]!.body.text).toBe("Approved.");
    const edited = await until(() => telegram.edits(tgBob.id)[0], "the message edited", 15_000);
    expect(edited.body.message_id).toBe(message.messageId);
    expect(edited.body.text).toContain("✅ Approved by Bob in Telegram");
    expect(edited.body.reply_markup).toBeUndefined();

    // The same update again (Telegram retries), and a made-up repeat of the press: nothing more is decided.
    await telegram.update(BOT_TOKEN, pressed.body, { updateId: pressed.updateId });
    const again = await telegram.press(BOT_TOKEN, tgBob, buttons.get("Deny")!);
    await handledSoFar(BOT_TOKEN, tgBob);
    expect(telegram.answers(pressed.callbackId)).toHaveLength(1);
    await until(() => telegram.answers(again.callbackId)[0], "the second press answered", 15_000);
    expect(telegram.answers(again.callbackId)[0]!.body.text).toBe("It was already decided.");
    const decisions = (await aliceLive.audit.list({})).entries.filter(
      (e) => e.targetId === approval.id && e.action.startsWith("approval.") && e.action !== "approval.requested",
    );
    expect(decisions.map((e) => e.action)).toEqual(["approval.approved"]);

    // A forged secret is refused and decides nothing.
    const { approval: second } = await agent.approvals.request({ title: "Rotate the signing keys", details: "" });
    const secondButtons = buttonsOf(await approvalMessage(tgBob.id, "Rotate the signing keys"));
    const forged = await telegram.press(BOT_TOKEN, tgBob, secondButtons.get("Approve")!, 1, { secret: "f".repeat(64) });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${server.url}/chats/telegram/${workspace}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(forged.body),
    });
    expect(unsigned.status).toBe(401);
    expect((await agent.approvals.get({ approvalId: second.id })).approval.status).toBe("pending");
    expect(telegram.answers(forged.callbackId)).toEqual([]);

    // A press and the app at once: one decision, whichever came first.
    const [inTelegram, inApp] = await Promise.allSettled([
      telegram.press(BOT_TOKEN, tgBob, secondButtons.get("Approve")!),
      aliceLive.approvals.resolve({ approvalId: second.id, decision: "deny", note: "not now" }),
    ]);
    expect(inTelegram.status).toBe("fulfilled");
    const raced = (await agent.approvals.get({ approvalId: second.id })).approval;
    expect(["approved", "denied"]).toContain(raced.status);
    if (raced.status === "denied") expect(raced).toMatchObject({ decidedIn: "app", resolvedBy: { name: "Alice" } });
    else expect(inApp).toMatchObject({ status: "rejected", reason: { code: "already_resolved" } });
    const raceDecisions = (await aliceLive.audit.list({})).entries.filter(
      (e) => e.targetId === second.id && (e.action === "approval.approved" || e.action === "approval.denied"),
    );
    expect(raceDecisions).toHaveLength(1);
    await until(
      () => telegram.edits(tgBob.id).find((c) => String(c.body.text).includes("Rotate the signing keys")),
      "the raced message shows its outcome",
      15_000,
    );

    // Deny with a note: the bot asks for it, Bob answers.
    const { approval: third } = await agent.approvals.request({ title: "Delete the staging data", details: "" });
    const thirdButtons = buttonsOf(await approvalMessage(tgBob.id, "Delete the staging data"));
    const sentBefore = telegram.sentTo(tgBob.id).length;
    await telegram.press(BOT_TOKEN, tgBob, thirdButtons.get("Deny with a note…")!);
    const prompt = await until(() => telegram.sentTo(tgBob.id)[sentBefore], "the note prompt", 15_000);
    expect(prompt.body.reply_markup).toMatchObject({ force_reply: true });
    // The room keeps the prompt's id once Telegram answered its send; the outbox's next call comes after.
    await handledSoFar(BOT_TOKEN, tgBob);
    await telegram.say(BOT_TOKEN, tgBob, "not before the backup", prompt.messageId);
    await expect
      .poll(async () => (await agent.approvals.get({ approvalId: third.id })).approval, { timeout: 15_000 })
      .toMatchObject({ status: "denied", note: "not before the backup", decidedIn: "telegram" });

    // Another workspace's message, pressed at this workspace's webhook: not one of its own.
    const carol = await signUpVerified(server.url, "Carol");
    const carolWs = await ownWorkspace(server.url, carol.cookie);
    const carolLive = await person(carol.cookie, carolWs);
    await carolLive.chats.connect({ platform: "telegram", botToken: OTHER_BOT_TOKEN, origin: server.url });
    const tgCarol = telegramUser(71003, "Carol");
    await linkTelegram(carolLive, OTHER_BOT_TOKEN, tgCarol);
    const carolAgent = await agentOf(carol.cookie, carolWs, "carols-agent");
    const { approval: theirs } = await carolAgent.approvals.request({ title: "Carol's own change", details: "" });
    const theirButtons = buttonsOf(await approvalMessage(tgCarol.id, "Carol's own change"));
    const crossed = await telegram.press(BOT_TOKEN, tgBob, theirButtons.get("Approve")!);
    expect(crossed.status).toBe(200);
    await until(() => telegram.answers(crossed.callbackId)[0], "the foreign press answered", 15_000);
    expect(telegram.answers(crossed.callbackId)[0]!.body.text).toContain("not one of this workspace's");
    expect((await carolAgent.approvals.get({ approvalId: theirs.id })).approval.status).toBe("pending");

    // Bob is removed: his press decides nothing, and his message says why.
    const { approval: fourth } = await agent.approvals.request({ title: "Open the firewall", details: "" });
    const fourthButtons = buttonsOf(await approvalMessage(tgBob.id, "Open the firewall"));
    const removed = await httpJson(server.url, `/api/workspaces/${workspace}/members/${bob.userId}`, {
      method: "DELETE",
      cookie: alice.cookie,
    });
    expect(removed.status).toBe(200);
    const late = await telegram.press(BOT_TOKEN, tgBob, fourthButtons.get("Approve")!);
    await until(() => telegram.answers(late.callbackId)[0], "the removed member's press answered", 15_000);
    expect(telegram.answers(late.callbackId)[0]!.body.text).toContain("no longer a member");
    await until(
      () => telegram.edits(tgBob.id).find((c) => String(c.body.text).includes("no longer a member")),
      "the message says why",
      15_000,
    );
    expect((await agent.approvals.get({ approvalId: fourth.id })).approval.status).toBe("pending");

    // Neither the bot's token nor the webhook's secret ever reached a client or a log line.
    expect(frames.length).toBeGreaterThan(0);
    for (const secret of [BOT_TOKEN, hook.secret]) {
      expect(frames.filter((f) => f.includes(secret))).toEqual([]);
      expect(serverLog.filter((line) => line.includes(secret))).toEqual([]);
    }
    expect(JSON.stringify(await aliceLive.chats.get({}))).not.toContain(BOT_TOKEN);
    recorded.closeAll();
  });

  it("while Telegram is down the approval waits in the room's outbox, the app says so, and it is delivered once Telegram is back", async () => {
    const dana = await signUpVerified(server.url, "Dana");
    const workspace = await ownWorkspace(server.url, dana.cookie);
    const danaLive = await person(dana.cookie, workspace);
    const token = "7000000003:AAH-third-bot-token-for-the-outage-test";
    telegram.addBot(token, { id: 7000000003, username: "dana_autopilot_bot", name: "Dana's Autopilot" });
    await danaLive.chats.connect({ platform: "telegram", botToken: token, origin: server.url });
    const tgDana = telegramUser(71004, "Dana");
    await linkTelegram(danaLive, token, tgDana);
    const agent = await agentOf(dana.cookie, workspace, "nightly");

    telegram.down = true;
    await agent.approvals.request({ title: "Restart the queue workers", details: "" });
    await expect
      .poll(async () => (await danaLive.chats.get({})).chats.connections[0], { timeout: 20_000, interval: 200 })
      .toMatchObject({ waiting: 1, lastError: "Bad Gateway" });
    telegram.down = false;
    // The room tries again on its own alarm: no one needs to do anything.
    await approvalMessage(tgDana.id, "Restart the queue workers");
    await expect
      .poll(async () => (await danaLive.chats.get({})).chats.connections[0], { timeout: 20_000, interval: 200 })
      .toMatchObject({ waiting: 0, lastError: null });
  });
});
