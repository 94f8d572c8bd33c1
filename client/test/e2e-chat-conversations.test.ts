// A thread bound to a Slack channel end to end (docs/chats.md, "Conversations"): the real
// server (wrangler dev, as `npm start` runs it) with the Autopilot on the scripted model, and
// a stand-in Slack on this machine (client/test/slack-standin.ts) posting signed events as
// Slack does. What is said in the channel reaches the thread (as the linked person, or as a
// guest), the Autopilot's replies stream there (a message edited as they come) and reach it
// once, also across a restart of the server while Slack was down, people's messages in the
// app too, and unbinding stops both ways.
import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../runtime/test/scripted-model";
import { openLive, screenshots, signedInPage, withBrowser } from "./browser-helpers";
import {
  modelVars,
  ownWorkspace,
  personClient,
  signUpVerified,
  until,
  waitForMessage,
  withScriptedModel,
  withServer,
} from "./e2e-helpers";
import { withChatStandIns } from "./chat-standins";
import { telegramUser } from "./telegram-standin";

const { slack, telegram, clients } = withChatStandIns();

/** The Autopilot answers each question by its tag: "Q2 …" gets "Answer Q2". */
const answer = (request: ChatRequest): string => {
  const asked = (request.messages ?? []).filter((m) => m.role === "user").at(-1);
  const tag = /\bQ\d+\b/.exec(JSON.stringify(asked?.content ?? ""))?.[0];
  return tag ? `Answer ${tag}` : "Noted.";
};
const model = withScriptedModel({ reply: answer });
const server = withServer(() => ({
  vars: { SLACK_API_BASE: slack.url, TELEGRAM_API_BASE: telegram.url, ...modelVars(model) },
}));
const browser = withBrowser();
const shot = screenshots("chats");

const TOKEN = "xoxb-3000000003-4000000004-standinConversationsBot";
const SECRET = "5be1c0ffee0000000000000000000000a1";
const TEAM = "T0OPS";
const CHANNEL = "C0OPS";
slack.addApp(TOKEN, { team: TEAM, teamName: "Ops", botUser: "U0BOT", botName: "ops-autopilot", signingSecret: SECRET });

describe("a thread bound to a Slack channel", () => {
  it("what is said in the channel reaches the thread, its replies reach the channel once, across a restart while Slack was down; unbinding stops both ways", async () => {
    const eve = await signUpVerified(server.url, "Eve");
    const workspace = await ownWorkspace(server.url, eve.cookie);
    const live = () => {
      const client = personClient(server.url, eve.cookie, workspace, "laptop");
      clients.push(client);
      return client;
    };
    let eveLive = live();
    await eveLive.ready();
    await eveLive.chats.connect({ platform: "slack", botToken: TOKEN, signingSecret: SECRET, origin: server.url });
    const requestUrl = `${server.url}/chats/slack/${workspace}`;
    const post = async (body: string) => {
      const res = await slack.post(requestUrl, body, "application/json", SECRET);
      expect(res.status).toBe(200);
    };
    const said = (user: string, text: string) => post(slack.inChannel(TEAM, user, CHANNEL, text));
    /** The channel's messages as they read now (each post with its last edit), by their ts. */
    const shown = () => {
      const texts = new Map(slack.posted(CHANNEL).map((c) => [c.ts!, String(c.body.text)]));
      for (const u of slack.updates(CHANNEL)) texts.set(String(u.body.ts), String(u.body.text));
      return texts;
    };
    const inChannel = (text: string) => [...shown().values()].filter((t) => t === text);

    // Eve links her Slack account; U0GUEST, in the same channel, links none.
    const { code: linkCode } = await eveLive.chats.linkCode({ platform: "slack" });
    await post(slack.dm(TEAM, "U0EVE", "D0EVE", `link ${linkCode}`));
    await until(() => slack.posted("D0EVE").find((c) => String(c.body.text).startsWith("Linked")), "linked", 15_000);

    // A channel nobody bound: the bot says nothing there and nothing reaches a thread.
    const { thread } = await eveLive.threads.create({ title: "Ops room" });
    await said("U0EVE", "Q0 anyone?");
    expect(slack.posted(CHANNEL)).toEqual([]);

    // Eve binds the thread: a code from the app, sent in the channel (a made-up one binds nothing).
    await said("U0EVE", "bind ZZZZZZZZ");
    await until(() => slack.posted(CHANNEL).find((c) => String(c.body.text).includes("not one")), "refused", 15_000);
    const { code } = await eveLive.chats.bindCode({ platform: "slack", threadId: thread.id });
    await said("U0EVE", `bind ${code}`);
    await until(() => slack.posted(CHANNEL).find((c) => String(c.body.text).startsWith("Bound")), "bound", 15_000);
    expect((await eveLive.chats.get({})).chats.bindings).toMatchObject([
      { threadId: thread.id, platform: "slack", chatTitle: `#${CHANNEL}`, boundBy: { name: "Eve" } },
    ]);

    // Eve asks in the channel: her message is hers in the thread, the Autopilot's answer comes back.
    await said("U0EVE", "Q1 how are the deploys?");
    const q1 = await waitForMessage(eveLive, thread.id, (m) => m.text.startsWith("Q1"), "Q1 in the thread", 15_000);
    expect(q1).toMatchObject({ author: { id: eve.userId, name: "Eve" }, fromChat: "slack" });
    await until(() => inChannel("Answer Q1")[0], "the answer in the channel", 20_000);
    expect(slack.posted(CHANNEL).some((c) => String(c.body.text).includes("Q1 how"))).toBe(false);
    // It streamed there: posted with what had come ("… "), then edited into the whole reply.
    const [answerTs] = [...shown()].find(([, text]) => text === "Answer Q1")!;
    expect(slack.posted(CHANNEL).find((c) => c.ts === answerTs)?.body.text).toMatch(/ …$/);

    // What she says in the app goes to the channel under her name, and so does its answer.
    await eveLive.chat.send({ threadId: thread.id, text: "Q2 and the queue?" });
    await until(() => inChannel("Answer Q2")[0], "the second answer in the channel", 20_000);
    expect(inChannel("Eve: Q2 and the queue?")).toHaveLength(1);

    // Slack goes down; a guest asks. The question reaches the thread, the answer waits in the outbox.
    slack.down = true;
    await said("U0GUEST", "Q3 is staging up?");
    const q3 = await waitForMessage(eveLive, thread.id, (m) => m.text.startsWith("Q3"), "Q3 in the thread", 15_000);
    expect(q3).toMatchObject({ author: { name: "U0GUEST (Slack)", kind: "user" }, fromChat: "slack" });
    await waitForMessage(eveLive, thread.id, (m) => m.text === "Answer Q3", "the answer in the thread", 20_000);
    await expect
      .poll(async () => (await eveLive.chats.get({})).chats.connections[0]?.waiting, { timeout: 20_000 })
      .toBeGreaterThan(0);

    // The server stops hard and comes back; Slack is up again. The answer goes once.
    eveLive.close();
    await server.stop();
    slack.down = false;
    await server.start();
    eveLive = live();
    await eveLive.ready();
    await until(() => inChannel("Answer Q3")[0], "the answer after the restart", 30_000);
    await expect
      .poll(async () => (await eveLive.chats.get({})).chats.connections[0]?.waiting, { timeout: 20_000 })
      .toBe(0);
    for (const text of ["Answer Q1", "Answer Q2", "Answer Q3", "Eve: Q2 and the queue?"])
      expect(inChannel(text), text).toHaveLength(1);
    // Nothing twice: the refused code, "Bound", three answers and Eve's message from the app.
    expect(slack.posted(CHANNEL)).toHaveLength(6);

    // The app shows where each message was said, and the binding in Settings.
    const { ctx, page } = await signedInPage(browser, server.url, eve.cookie);
    await openLive(page, `${server.url}/?w=${encodeURIComponent(workspace)}&thread=${thread.id}`);
    // Q1 (Eve's) and Q3 (the guest's) were said in Slack.
    await page.locator(".chip", { hasText: "in Slack" }).nth(1).waitFor({ timeout: 15_000 });
    await shot(page, "thread-bound-to-slack");
    await page.getByRole("button", { name: "Members & keys" }).click();
    await page.getByRole("heading", { name: "Conversations" }).waitFor({ timeout: 15_000 });
    await page.getByText(`Slack #${CHANNEL}`).scrollIntoViewIfNeeded();
    await shot(page, "conversations-settings");
    // Eve sets the channel to linked people only there: the binding says so, and so does the channel.
    await page.getByLabel(`Who is answered in Slack #${CHANNEL}`).selectOption("linked-only");
    await expect
      .poll(async () => (await eveLive.chats.get({})).chats.bindings[0]?.guests, { timeout: 15_000 })
      .toBe("linked-only");
    await until(
      () => slack.posted(CHANNEL).find((c) => String(c.body.text).startsWith("Eve changed who is answered here")),
      "the channel told who is answered",
      15_000,
    );
    await shot(page, "conversations-linked-only");
    await ctx.close();

    // Unbound: the channel is told; what is said there reaches no thread, the thread's replies stay in the app.
    await eveLive.chats.unbind({ threadId: thread.id });
    await until(
      () => slack.posted(CHANNEL).find((c) => String(c.body.text).startsWith("This chat is no longer bound")),
      "the channel told",
      15_000,
    );
    expect((await eveLive.chats.get({})).chats.bindings).toEqual([]);
    // The room answers Slack's post only once it handled it: the thread has what it will ever have of it.
    await said("U0GUEST", "Q4 still there?");
    const { messages } = await eveLive.messages.list({ threadId: thread.id, limit: 200 });
    expect(messages.some((m) => m.text.startsWith("Q4"))).toBe(false);
    const callsBefore = slack.posted(CHANNEL).length + slack.updates(CHANNEL).length;
    await eveLive.chat.send({ threadId: thread.id, text: "Q5 in the app only" });
    await waitForMessage(eveLive, thread.id, (m) => m.text === "Answer Q5", "the answer in the app", 20_000);
    expect((await eveLive.chats.get({})).chats.connections[0]?.waiting).toBe(0);
    expect(slack.posted(CHANNEL).length + slack.updates(CHANNEL).length).toBe(callsBefore);
  });
});

const BOT_TOKEN = "7000000021:AAF-standin-bot-token-for-the-group-test";
telegram.addBot(BOT_TOKEN, { id: 7000000021, username: "support_autopilot_bot", name: "Support Autopilot" });
const GROUP = { id: -1001234567890, title: "Support desk" };

describe("a thread bound to a Telegram group", () => {
  it("a linked person's and a guest's messages in the group reach the thread, and the Autopilot's replies stream back", async () => {
    const fay = await signUpVerified(server.url, "Fay");
    const workspace = await ownWorkspace(server.url, fay.cookie);
    const fayLive = personClient(server.url, fay.cookie, workspace, "laptop");
    clients.push(fayLive);
    await fayLive.ready();
    await fayLive.chats.connect({ platform: "telegram", botToken: BOT_TOKEN, origin: server.url });
    const tgFay = telegramUser(81001, "Fay");
    await telegram.link(fayLive, BOT_TOKEN, tgFay);
    const { thread } = await fayLive.threads.create({ title: "Support" });

    // In a group a command may name the bot: /bind@<bot> <code>.
    const { code } = await fayLive.chats.bindCode({ platform: "telegram", threadId: thread.id });
    await telegram.sayIn(BOT_TOKEN, tgFay, GROUP, `/bind@support_autopilot_bot ${code}`);
    await until(() => telegram.sentTo(GROUP.id).find((c) => String(c.body.text).startsWith("Bound")), "bound", 15_000);
    expect((await fayLive.chats.get({})).chats.bindings).toMatchObject([
      { threadId: thread.id, platform: "telegram", chatTitle: "Support desk" },
    ]);

    /** The group's messages as they read now (each with its last edit). */
    const shown = () => {
      const texts = new Map(telegram.sentTo(GROUP.id).map((c) => [c.messageId!, String(c.body.text)]));
      for (const e of telegram.edits(GROUP.id)) texts.set(Number(e.body.message_id), String(e.body.text));
      return [...texts.values()];
    };
    await telegram.sayIn(BOT_TOKEN, tgFay, GROUP, "Q7 where is the invoice?");
    const q7 = await waitForMessage(fayLive, thread.id, (m) => m.text.startsWith("Q7"), "Q7 in the thread", 15_000);
    expect(q7).toMatchObject({ author: { id: fay.userId }, fromChat: "telegram" });
    await until(() => shown().includes("Answer Q7"), "the answer in the group", 20_000);
    expect(telegram.edits(GROUP.id).some((e) => e.body.text === "Answer Q7")).toBe(true);

    await telegram.sayIn(BOT_TOKEN, telegramUser(81009, "Gus"), GROUP, "Q8 hello?");
    const q8 = await waitForMessage(fayLive, thread.id, (m) => m.text.startsWith("Q8"), "Q8 in the thread", 15_000);
    expect(q8).toMatchObject({ author: { id: "chat-guest:telegram:81009", name: "@gus_tg (Telegram)" } });
    await until(() => shown().includes("Answer Q8"), "the guest's answer in the group", 20_000);
    expect(shown().filter((t) => t.startsWith("Answer"))).toEqual(["Answer Q7", "Answer Q8"]);
  });
});
