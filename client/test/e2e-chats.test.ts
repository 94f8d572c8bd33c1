// The workspace's chats end to end (docs/chats.md): the real server (wrangler dev, as
// `npm start` runs it) and a stand-in Telegram Bot API on this machine (an HTTP server:
// Telegram is an external service; client/test/telegram-standin.ts). The workspace's bot is
// connected in the app, people link their accounts with a one-time code sent to the bot, and
// presses arrive as Telegram posts them, with the webhook's secret the room set.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { AutopilotClient } from "../src/client";
import { openLive, screenshots, signedInPage, withBrowser } from "./browser-helpers";
import { addSecondPerson, createKey, httpJson, personClient, until, verifiedOwner, withServer } from "./e2e-helpers";
import { recordingClients } from "./recording-clients";
import { withChatStandIns } from "./chat-standins";
import { approvalLadderInSlack } from "./chats/approval-ladder";
import { type SlackCall, slackButtons } from "./slack-standin";
import { buttonsOf, telegramUser } from "./telegram-standin";

const { slack, telegram, clients } = withChatStandIns();
/** Every line the server logged. */
const serverLog: string[] = [];

const server = withServer(() => ({
  vars: { TELEGRAM_API_BASE: telegram.url, SLACK_API_BASE: slack.url },
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

/**
 * Waits for the app's status to say `shown` (the outcome of a press in a chat), and logs how
 * long after `pressedAt` (when the press was posted) it did.
 */
async function appShows(page: Page, shown: RegExp, what: string, pressedAt: number): Promise<void> {
  await page.getByRole("status").filter({ hasText: shown }).first().waitFor({ timeout: 15_000 });
  console.log(`the app showed ${what} ${Date.now() - pressedAt} ms after the press was posted`);
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

describe("approvals in Telegram", () => {
  it("an owner connects the bot, a person links their account, an agent's approval reaches them with buttons; their press decides once as them, the app shows it was in Telegram, and every message shows the outcome", async () => {
    const { workspace, ...alice } = await verifiedOwner(server.url, "Alice");
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
    await expect(
      aliceLive.chats.connect({ platform: "telegram", botToken: "not a token", origin: server.url }),
    ).rejects.toMatchObject({
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
    await page.getByText("Set up Telegram").click();
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
    expect(await telegram.link(bobLive, BOT_TOKEN, tgBob)).toBe("acme_autopilot_bot");
    expect((await bobLive.chats.get({})).chats.links).toMatchObject([{ platform: "telegram", handle: "@bob_tg" }]);
    expect((await aliceLive.chats.get({})).chats.links).toEqual([]);

    // An agent asks; Bob (who may decide) gets it with buttons; Alice, not linked, gets nothing there.
    const agent = await agentOf(alice.cookie, workspace, "deployer");
    const { approval } = await agent.approvals.request({ title: "Deploy v3 to production", details: "", risk: "high" });
    const message = await telegram.approvalMessage(tgBob.id, "Deploy v3 to production");
    expect(message.body.text).toContain("Asked by deployer · high risk");
    const buttons = buttonsOf(message);
    expect([...buttons.keys()]).toEqual(["Approve", "Deny", "Deny with a note…"]);

    // Alice watches it in the app while Bob presses Approve in Telegram.
    await openLive(page, `${server.url}/?w=${encodeURIComponent(workspace)}&approval=${approval.id}`);
    await page.getByRole("heading", { name: "Deploy v3 to production" }).first().waitFor({ timeout: 15_000 });
    const pressedAt = Date.now();
    const pressed = await telegram.press(BOT_TOKEN, tgBob, buttons.get("Approve")!);
    expect(pressed.status).toBe(200);
    await appShows(page, /Approved\s+by Bob in Telegram/, "Bob's Telegram approval", pressedAt);
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
    await telegram.handledSoFar(BOT_TOKEN, tgBob);
    expect(telegram.answers(pressed.callbackId)).toHaveLength(1);
    await until(() => telegram.answers(again.callbackId)[0], "the second press answered", 15_000);
    expect(telegram.answers(again.callbackId)[0]!.body.text).toBe("It was already decided.");
    const decisions = (await aliceLive.audit.list({})).entries.filter(
      (e) => e.targetId === approval.id && e.action.startsWith("approval.") && e.action !== "approval.requested",
    );
    expect(decisions.map((e) => e.action)).toEqual(["approval.approved"]);

    // A forged secret is refused and decides nothing.
    const { approval: second } = await agent.approvals.request({ title: "Rotate the signing keys", details: "" });
    const secondButtons = buttonsOf(await telegram.approvalMessage(tgBob.id, "Rotate the signing keys"));
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
    const thirdButtons = buttonsOf(await telegram.approvalMessage(tgBob.id, "Delete the staging data"));
    const sentBefore = telegram.sentTo(tgBob.id).length;
    await telegram.press(BOT_TOKEN, tgBob, thirdButtons.get("Deny with a note…")!);
    const prompt = await until(() => telegram.sentTo(tgBob.id)[sentBefore], "the note prompt", 15_000);
    expect(prompt.body.reply_markup).toMatchObject({ force_reply: true });
    // The room keeps the prompt's id once Telegram answered its send; the outbox's next call comes after.
    await telegram.handledSoFar(BOT_TOKEN, tgBob);
    await telegram.say(BOT_TOKEN, tgBob, "not before the backup", prompt.messageId);
    await expect
      .poll(async () => (await agent.approvals.get({ approvalId: third.id })).approval, { timeout: 15_000 })
      .toMatchObject({ status: "denied", note: "not before the backup", decidedIn: "telegram" });

    // Another workspace's message, pressed at this workspace's webhook: not one of its own.
    const { workspace: carolWs, ...carol } = await verifiedOwner(server.url, "Carol");
    const carolLive = await person(carol.cookie, carolWs);
    await carolLive.chats.connect({ platform: "telegram", botToken: OTHER_BOT_TOKEN, origin: server.url });
    const tgCarol = telegramUser(71003, "Carol");
    await telegram.link(carolLive, OTHER_BOT_TOKEN, tgCarol);
    const carolAgent = await agentOf(carol.cookie, carolWs, "carols-agent");
    const { approval: theirs } = await carolAgent.approvals.request({ title: "Carol's own change", details: "" });
    const theirButtons = buttonsOf(await telegram.approvalMessage(tgCarol.id, "Carol's own change"));
    const crossed = await telegram.press(BOT_TOKEN, tgBob, theirButtons.get("Approve")!);
    expect(crossed.status).toBe(200);
    await until(() => telegram.answers(crossed.callbackId)[0], "the foreign press answered", 15_000);
    expect(telegram.answers(crossed.callbackId)[0]!.body.text).toContain("not one of this workspace's");
    expect((await carolAgent.approvals.get({ approvalId: theirs.id })).approval.status).toBe("pending");

    // Bob is removed: his press decides nothing, and his message says why.
    const { approval: fourth } = await agent.approvals.request({ title: "Open the firewall", details: "" });
    const fourthButtons = buttonsOf(await telegram.approvalMessage(tgBob.id, "Open the firewall"));
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
    // Nor is either in what the server gives a browser: the page, its scripts, the worker.
    const page0 = await (await fetch(server.url)).text();
    const scripts = [...page0.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const path of ["/", "/sw.js", ...scripts]) {
      const served = await (await fetch(`${server.url}${path}`)).text();
      for (const secret of [BOT_TOKEN, hook.secret]) expect(served.includes(secret), path).toBe(false);
    }
    recorded.closeAll();
  });

  it("while Telegram is down the approval waits in the room's outbox, the app says so, and it is delivered once Telegram is back; a person who said no approvals in chats gets none; a money alert reaches the owner's chat once", async () => {
    const { workspace, ...dana } = await verifiedOwner(server.url, "Dana");
    const danaLive = await person(dana.cookie, workspace);
    const token = "7000000003:AAH-third-bot-token-for-the-outage-test";
    telegram.addBot(token, { id: 7000000003, username: "dana_autopilot_bot", name: "Dana's Autopilot" });
    await danaLive.chats.connect({ platform: "telegram", botToken: token, origin: server.url });
    const tgDana = telegramUser(71004, "Dana");
    await telegram.link(danaLive, token, tgDana);
    const agent = await agentOf(dana.cookie, workspace, "nightly");

    telegram.down = true;
    await agent.approvals.request({ title: "Restart the queue workers", details: "" });
    await expect
      .poll(async () => (await danaLive.chats.get({})).chats.connections[0], { timeout: 20_000, interval: 200 })
      .toMatchObject({ waiting: 1, lastError: "Bad Gateway" });
    telegram.down = false;
    // The room tries again on its own alarm: no one needs to do anything.
    await telegram.approvalMessage(tgDana.id, "Restart the queue workers");
    await expect
      .poll(async () => (await danaLive.chats.get({})).chats.connections[0], { timeout: 20_000, interval: 200 })
      .toMatchObject({ waiting: 0, lastError: null });

    // Dana's inbox preferences say no approvals in chats: the next one stays in the app. (Whom
    // an approval goes to is settled as it is filed, so the one after, with chats on again,
    // arriving alone shows it.)
    const { preferences } = (await danaLive.inbox.get({})).inbox;
    await danaLive.inbox.configure({
      preferences: { ...preferences, approval: { ...preferences.approval, chat: false } },
    });
    await agent.approvals.request({ title: "Prune old backups", details: "" });
    await danaLive.inbox.configure({
      preferences: { ...preferences, approval: { ...preferences.approval, chat: true } },
    });
    await agent.approvals.request({ title: "Rotate the TLS certificate", details: "" });
    await telegram.approvalMessage(tgDana.id, "Rotate the TLS certificate");
    expect(telegram.sentTo(tgDana.id).filter((c) => String(c.body.text).includes("Prune old backups"))).toEqual([]);

    // A money alert reaches the owner's chat, once: the balance below a threshold she set.
    const low = (c: { body: { text?: unknown } }) =>
      String(c.body.text).startsWith("The workspace's credits are running low");
    await danaLive.billing.setAlerts({ alerts: { budgetPercents: [80, 100], lowBalance: 1_000_000 } });
    const alert = await until(() => telegram.sentTo(tgDana.id).find(low), "the money alert in Dana's chat", 20_000);
    expect(buttonsOf(alert).size).toBe(0);
    await danaLive.billing.setAlerts({ alerts: { budgetPercents: [80], lowBalance: 1_000_000 } });
    await agent.approvals.request({ title: "Vacuum the database", details: "" });
    await telegram.approvalMessage(tgDana.id, "Vacuum the database");
    expect(telegram.sentTo(tgDana.id).filter(low)).toHaveLength(1);
  });
});

const SLACK_TOKEN = "xoxb-1000000001-2000000002-standinSlackBotToken";
const SIGNING_SECRET = "8f742231b10e8888abcd990000000085a5";
slack.addApp(SLACK_TOKEN, {
  team: "T0ACME",
  teamName: "Acme",
  botUser: "U0AUTOPILOT",
  botName: "acme-autopilot",
  signingSecret: SIGNING_SECRET,
});

describe("approvals in Slack", () => {
  it("a signed press in Slack decides once as the linked person and the app says so; Slack, Telegram and the app racing make one decision; unsigned, stale, replayed and another Slack workspace's requests decide nothing", async () => {
    const { workspace, ...ann } = await verifiedOwner(server.url, "Ann");
    const ben = await addSecondPerson(server.url, ann.cookie, workspace, "Ben");
    const annLive = await person(ann.cookie, workspace);
    const benLive = await person(ben.cookie, workspace);

    // Slack needs the app's signing secret too; a token Slack refuses is refused.
    await expect(
      annLive.chats.connect({ platform: "slack", botToken: SLACK_TOKEN, origin: server.url }),
    ).rejects.toMatchObject({ code: "bad_request", message: expect.stringContaining("signing secret") });
    await expect(
      annLive.chats.connect({
        platform: "slack",
        botToken: "xoxb-1000000001-2000000002-someOtherTokenNobodyKnows",
        signingSecret: SIGNING_SECRET,
        origin: server.url,
      }),
    ).rejects.toMatchObject({ code: "bad_request", message: expect.stringContaining("invalid_auth") });
    const { chats } = await annLive.chats.connect({
      platform: "slack",
      botToken: SLACK_TOKEN,
      signingSecret: SIGNING_SECRET,
      origin: server.url,
    });
    const requestUrl = `${server.url}/chats/slack/${workspace}`;
    expect(chats.connections).toMatchObject([{ platform: "slack", botUsername: "acme-autopilot", requestUrl }]);

    // Slack checks the Request URL: the room answers its challenge, only when signed, and only lately signed.
    const challenge = JSON.stringify({ token: "t", challenge: "c-42", type: "url_verification" });
    const checked = await slack.post(requestUrl, challenge, "application/json", SIGNING_SECRET);
    expect(checked).toMatchObject({ status: 200 });
    expect(JSON.parse(checked.text)).toEqual({ challenge: "c-42" });
    expect((await slack.post(requestUrl, challenge, "application/json", "0".repeat(32))).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    expect((await slack.post(requestUrl, challenge, "application/json", SIGNING_SECRET, stale)).status).toBe(401);
    const unsigned = await fetch(requestUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: challenge,
    });
    expect(unsigned.status).toBe(401);

    // Ben links his Slack account with a code sent to the bot in a direct message, and his Telegram one too.
    const { code } = await benLive.chats.linkCode({ platform: "slack" });
    expect(
      (
        await slack.post(
          requestUrl,
          slack.dm("T0ACME", "U0BEN", "D0BEN", `link ${code}`),
          "application/json",
          SIGNING_SECRET,
        )
      ).status,
    ).toBe(200);
    await until(
      () => slack.posted("D0BEN").find((c) => String(c.body.text).startsWith("Linked")),
      "Ben linked in Slack",
      15_000,
    );
    await annLive.chats.connect({ platform: "telegram", botToken: OTHER_BOT_TOKEN, origin: server.url });
    const tgBen = telegramUser(72002, "Ben");
    await telegram.link(benLive, OTHER_BOT_TOKEN, tgBen);
    expect((await benLive.chats.get({})).chats.links.map((l) => l.platform).sort()).toEqual(["slack", "telegram"]);

    /** Ben's press of `label` under a message, as the signed form body Slack posts (from `team`). */
    const bensPress = (message: SlackCall, label: string, team = "T0ACME") =>
      slack.press(team, { id: "U0BEN", username: "ben" }, "D0BEN", message.ts!, slackButtons(message).get(label)!);

    // An agent asks: Ben gets it in both.
    const agent = await agentOf(ann.cookie, workspace, "release-bot");
    const { approval } = await agent.approvals.request({ title: "Tag release 4.2", details: "", risk: "medium" });
    const inSlack = await until(
      () => slack.posted("D0BEN").find((c) => String(c.body.text).includes("Tag release 4.2")),
      "the approval in Slack",
      20_000,
    );
    expect([...slackButtons(inSlack).keys()]).toEqual(["Approve", "Deny", "Deny with a note…"]);
    await telegram.approvalMessage(tgBen.id, "Tag release 4.2");

    // Ann watches in the app; Ben approves in Slack.
    const { ctx, page } = await signedInPage(browser, server.url, ann.cookie);
    await openLive(page, `${server.url}/?w=${encodeURIComponent(workspace)}&approval=${approval.id}`);
    await page.getByRole("heading", { name: "Tag release 4.2" }).first().waitFor({ timeout: 15_000 });
    const pressBody = bensPress(inSlack, "Approve");
    const pressedAt = Date.now();
    expect((await slack.post(requestUrl, pressBody, "application/x-www-form-urlencoded", SIGNING_SECRET)).status).toBe(
      200,
    );
    await appShows(page, /Approved\s+by Ben in Slack/, "Ben's Slack approval", pressedAt);
    await shot(page, "approved-in-slack");
    await ctx.close();
    expect((await agent.approvals.get({ approvalId: approval.id })).approval).toMatchObject({
      status: "approved",
      resolvedBy: { id: ben.userId },
      decidedIn: "slack",
    });
    // Both of Ben's messages show it, without their buttons.
    const updated = await until(() => slack.updates("D0BEN")[0], "the Slack message updated", 15_000);
    expect(updated.body).toMatchObject({
      ts: inSlack.ts,
      text: expect.stringContaining("✅ Approved by Ben in Slack"),
    });
    expect(slackButtons(updated).size).toBe(0);
    await until(
      () => telegram.edits(tgBen.id).find((c) => String(c.body.text).includes("✅ Approved by Ben in Slack")),
      "the Telegram message edited",
      15_000,
    );
    await until(() => slack.ephemerals("U0BEN")[0], "the press answered", 15_000);
    expect(slack.ephemerals("U0BEN")[0]!.body.text).toBe("Approved.");

    // The same signed request again, and one from another Slack workspace: nothing more.
    await slack.post(requestUrl, pressBody, "application/x-www-form-urlencoded", SIGNING_SECRET);
    const { approval: next } = await agent.approvals.request({ title: "Rotate the deploy key", details: "" });
    const nextInSlack = await until(
      () => slack.posted("D0BEN").find((c) => String(c.body.text).includes("Rotate the deploy key")),
      "the second approval in Slack",
      20_000,
    );
    const foreign = bensPress(nextInSlack, "Approve", "T0OTHER");
    expect((await slack.post(requestUrl, foreign, "application/x-www-form-urlencoded", SIGNING_SECRET)).status).toBe(
      200,
    );
    const forged = bensPress(nextInSlack, "Approve");
    expect((await slack.post(requestUrl, forged, "application/x-www-form-urlencoded", "f".repeat(32))).status).toBe(
      401,
    );
    // A message after them is answered once they were handled.
    const before = slack.posted("D0BEN").length;
    await slack.post(requestUrl, slack.dm("T0ACME", "U0BEN", "D0BEN", "hello"), "application/json", SIGNING_SECRET);
    await until(() => slack.posted("D0BEN")[before], "the answer to hello", 15_000);
    expect(slack.ephemerals("U0BEN")).toHaveLength(1);
    expect((await agent.approvals.get({ approvalId: next.id })).approval.status).toBe("pending");

    // Slack, Telegram and the app at once: one decision.
    const nextInTelegram = buttonsOf(await telegram.approvalMessage(tgBen.id, "Rotate the deploy key"));
    const racing = await Promise.allSettled([
      slack.post(requestUrl, bensPress(nextInSlack, "Approve"), "application/x-www-form-urlencoded", SIGNING_SECRET),
      telegram.press(OTHER_BOT_TOKEN, tgBen, nextInTelegram.get("Deny")!),
      annLive.approvals.resolve({ approvalId: next.id, decision: "deny", note: "from the app" }),
    ]);
    expect(racing[0]).toMatchObject({ status: "fulfilled", value: { status: 200 } });
    const decided = (await agent.approvals.get({ approvalId: next.id })).approval;
    expect(["approved", "denied"]).toContain(decided.status);
    const decisions = (await annLive.audit.list({})).entries.filter(
      (e) => e.targetId === next.id && (e.action === "approval.approved" || e.action === "approval.denied"),
    );
    expect(decisions).toHaveLength(1);
    expect(serverLog.filter((line) => line.includes(SLACK_TOKEN) || line.includes(SIGNING_SECRET))).toEqual([]);
  });

  // Reminders that escalate, the asker told (issue 73): chats/approval-ladder.ts.
  approvalLadderInSlack({ server, slack, person, agentOf, slackToken: SLACK_TOKEN, signingSecret: SIGNING_SECRET });
});
