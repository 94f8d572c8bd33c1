// A press in a chat is answered first and decided after (docs/chats.md, "Answered first"), end
// to end: the real server (wrangler dev, as `npm start` runs it), stand-ins for Slack and
// Telegram on this machine (external services), and a linked OpenClaw gateway scripted on
// loopback (client/test/scripted-gateway.ts) that takes its time over every decision: it
// answers `approval.resolve` when the test lets it, or after 19 s on its own (the bridge waits
// 20 s for an answer). An approval of the gateway's command is decided only once the gateway
// took the decision, so a room that decided before answering would answer Slack far too late.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../party/dev/server.mjs";
import type { AutopilotClient } from "../src/client";
import { addSecondPerson, personClient, until, verifiedOwner, withServer } from "./e2e-helpers";
import { scriptedGateway } from "./scripted-gateway";
import { type SlackCall, SlackStandIn, slackButtons } from "./slack-standin";
import { buttonsOf, TelegramStandIn, telegramUser } from "./telegram-standin";

const slack = new SlackStandIn();
const telegram = new TelegramStandIn();
const clients: AutopilotClient[] = [];

/** How long the gateway takes over a decision nobody hurries: just under the bridge's wait for it. */
const SLOW_DECISION_MS = 19_000;

/** A decision the gateway was asked for: its params, whether it answered yet, and the hurry. */
interface Asked {
  params: Record<string, unknown>;
  answered: boolean;
  answer(): void;
}
const asked: Asked[] = [];
/** The requests the gateway lists as its own (a reconnecting bridge expires any it does not list). */
const listed: Record<string, unknown>[] = [];
const gateway = scriptedGateway(
  { "exec.approval.list": listed },
  {
    "approval.resolve": (params) =>
      new Promise((resolve) => {
        const entry: Asked = {
          params,
          answered: false,
          answer: () => {
            clearTimeout(timer);
            entry.answered = true;
            resolve({ applied: true });
          },
        };
        const timer = setTimeout(entry.answer, SLOW_DECISION_MS);
        asked.push(entry);
      }),
  },
);
const askedFor = (requestId: string) => asked.filter((a) => a.params.id === requestId);

let gatewayPort: number;
beforeAll(async () => {
  await slack.start();
  await telegram.start();
  gatewayPort = await freePort();
  await gateway.listen(gatewayPort);
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const a of asked) a.answer();
  await gateway.close();
  await slack.stop();
  await telegram.stop();
});

const server = withServer(() => ({ vars: { SLACK_API_BASE: slack.url, TELEGRAM_API_BASE: telegram.url } }));

const SLACK_TOKEN = "xoxb-5000000005-6000000006-standinAnswerFirstBot";
const SIGNING_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f901";
slack.addApp(SLACK_TOKEN, {
  team: "T0SLOW",
  teamName: "Slow",
  botUser: "U0AUTOPILOT",
  botName: "slow-autopilot",
  signingSecret: SIGNING_SECRET,
});
const BOT_TOKEN = "7000000005:AAJ-answer-first-bot-token-standin";
telegram.addBot(BOT_TOKEN, { id: 7000000005, username: "slow_autopilot_bot", name: "Slow Autopilot" });
const tgBen = telegramUser(75002, "Ben");

let workspace: string;
let annCookie: string;
let annLive: AutopilotClient;
let requestUrl: string;

async function person(cookie: string, ws: string) {
  const client = personClient(server.url, cookie, ws, "laptop");
  clients.push(client);
  await client.ready();
  return client;
}

/** Ben's press of Approve under a Slack message, as the signed form body Slack posts. */
const bensApprove = (m: SlackCall) =>
  slack.press("T0SLOW", { id: "U0BEN", username: "ben" }, "D0BEN", m.ts!, slackButtons(m).get("Approve")!);

/** The Slack message about `command`, once the room posted it to Ben. */
const inSlack = (command: string) =>
  until(
    () => slack.posted("D0BEN").find((c) => String(c.body.text).includes(command)),
    "the approval in Slack",
    20_000,
  );

/** The decided approvals' audit entries for `approvalId`: exactly one when it was decided once. */
async function decisionsOf(approvalId: string) {
  return (await annLive.audit.list({})).entries.filter(
    (e) => e.targetId === approvalId && (e.action === "approval.approved" || e.action === "approval.denied"),
  );
}

/** The gateway asks for a person's decision on a command: the room files it as an approval. */
async function execRequest(requestId: string, command: string) {
  const request = { id: requestId, request: { command, cwd: "/work" }, expiresAtMs: Date.now() + 3_600_000 };
  listed.push(request);
  gateway.event("exec.approval.requested", request);
  return until(
    () =>
      [...annLive.state.approvals.values()].find(
        (a) => a.action?.kind === "exec" && a.action.requestId === requestId && a.status === "pending",
      ),
    `the approval for ${requestId}`,
    20_000,
  );
}

beforeAll(async () => {
  const ann = await verifiedOwner(server.url, "Ann");
  workspace = ann.workspace;
  annCookie = ann.cookie;
  const ben = await addSecondPerson(server.url, ann.cookie, workspace, "Ben");
  annLive = await person(ann.cookie, workspace);
  const benLive = await person(ben.cookie, workspace);
  // Ben links his Slack and his Telegram accounts.
  await annLive.chats.connect({
    platform: "slack",
    botToken: SLACK_TOKEN,
    signingSecret: SIGNING_SECRET,
    origin: server.url,
  });
  requestUrl = `${server.url}/chats/slack/${workspace}`;
  const { code } = await benLive.chats.linkCode({ platform: "slack" });
  await slack.post(
    requestUrl,
    slack.dm("T0SLOW", "U0BEN", "D0BEN", `link ${code}`),
    "application/json",
    SIGNING_SECRET,
  );
  await until(
    () => slack.posted("D0BEN").find((c) => String(c.body.text).startsWith("Linked")),
    "Ben linked in Slack",
    15_000,
  );
  await annLive.chats.connect({ platform: "telegram", botToken: BOT_TOKEN, origin: server.url });
  await telegram.link(benLive, BOT_TOKEN, tgBen);
  // Ann links the gateway; Ben approves the link.
  const { approval } = await annLive.instances.link({
    instanceId: "slow",
    name: "Slow",
    url: `ws://127.0.0.1:${gatewayPort}`,
    token: `token-${randomBytes(16).toString("hex")}`,
  });
  await until(() => benLive.state.approvals.get(approval.id), "the link approval at Ben", 15_000);
  await benLive.approvals.resolve({ approvalId: approval.id, decision: "approve" });
  await until(() => annLive.state.instances.get("slow")?.bridge === "connected", "the gateway connected", 60_000);
}, 120_000);

describe("a press answered first, decided after", () => {
  it("Slack's press on a command the gateway takes its time over is answered before it is decided, decided once (the press again, and the app racing it), and its message shows the outcome", async () => {
    const approval = await execRequest("ex-slack", "make deploy-slowly");
    const message = await inSlack("make deploy-slowly");
    const body = bensApprove(message);
    const pressed = await slack.post(requestUrl, body, "application/x-www-form-urlencoded", SIGNING_SECRET);
    expect(pressed).toEqual({ status: 200, text: "ok" });
    // Slack has its answer, and the gateway has not answered the decision: nothing is decided yet.
    expect(askedFor("ex-slack").some((a) => a.answered)).toBe(false);
    expect((await annLive.approvals.get({ approvalId: approval.id })).approval.status).toBe("pending");

    // The decision is on its way to the gateway; Slack delivers the press again, and Ann decides in the app.
    const deciding = await until(() => askedFor("ex-slack")[0], "the decision at the gateway", 20_000);
    expect(deciding.params).toMatchObject({ kind: "exec", decision: "allow-once" });
    expect(await slack.post(requestUrl, body, "application/x-www-form-urlencoded", SIGNING_SECRET)).toEqual({
      status: 200,
      text: "ok",
    });
    const inApp = annLive.approvals.resolve({ approvalId: approval.id, decision: "deny", note: "not today" });
    deciding.answer();
    await expect(inApp).rejects.toMatchObject({ code: expect.stringMatching(/^(unavailable|already_resolved)$/) });

    await expect
      .poll(async () => (await annLive.approvals.get({ approvalId: approval.id })).approval, { timeout: 20_000 })
      .toMatchObject({ status: "approved", resolvedBy: { name: "Ben" }, decidedIn: "slack" });
    expect(await decisionsOf(approval.id)).toHaveLength(1);
    expect(askedFor("ex-slack")).toHaveLength(1);
    const updated = await until(
      () => slack.updates("D0BEN").find((c) => c.body.ts === message.ts && String(c.body.text).includes("✅")),
      "the Slack message shows the outcome",
      20_000,
    );
    expect(updated.body.text).toContain("✅ Approved by Ben in Slack");
    expect(slackButtons(updated).size).toBe(0);
    await until(
      () => slack.ephemerals("U0BEN").find((c) => c.body.text === "Approved."),
      "Ben told it was approved",
      15_000,
    );
  }, 90_000);

  it("Telegram's callback on such a command is answered before it is decided, decided once (the update again), and its message shows the outcome", async () => {
    const approval = await execRequest("ex-telegram", "make migrate-slowly");
    const message = await telegram.approvalMessage(tgBen.id, "make migrate-slowly");
    const pressed = await telegram.press(BOT_TOKEN, tgBen, buttonsOf(message).get("Approve")!, message.messageId);
    expect(pressed.status).toBe(200);
    expect(askedFor("ex-telegram").some((a) => a.answered)).toBe(false);
    expect((await annLive.approvals.get({ approvalId: approval.id })).approval.status).toBe("pending");

    // The button stops spinning while the gateway still decides: Ben is told it is being decided.
    const answer = await until(() => telegram.answers(pressed.callbackId)[0], "the callback answered", 15_000);
    expect(answer.body.text).toMatch(/^Deciding/);
    const deciding = await until(() => askedFor("ex-telegram")[0], "the decision at the gateway", 20_000);
    expect(deciding.answered).toBe(false);
    expect((await telegram.update(BOT_TOKEN, pressed.body, { updateId: pressed.updateId })).status).toBe(200);
    deciding.answer();

    await expect
      .poll(async () => (await annLive.approvals.get({ approvalId: approval.id })).approval, { timeout: 20_000 })
      .toMatchObject({ status: "approved", resolvedBy: { name: "Ben" }, decidedIn: "telegram" });
    const edited = await until(
      () => telegram.edits(tgBen.id).find((c) => String(c.body.text).includes("make migrate-slowly")),
      "the Telegram message shows the outcome",
      20_000,
    );
    expect(edited.body.text).toContain("✅ Approved by Ben in Telegram");
    // Every call the room queued before a new message was made: still one answer, one decision.
    await telegram.handledSoFar(BOT_TOKEN, tgBen);
    expect(telegram.answers(pressed.callbackId)).toHaveLength(1);
    expect(await decisionsOf(approval.id)).toHaveLength(1);
    expect(askedFor("ex-telegram")).toHaveLength(1);
  }, 90_000);

  it("a note that denies such a command is answered before the gateway decides, and denies once", async () => {
    const approval = await execRequest("ex-note", "make wipe-slowly");
    const message = await telegram.approvalMessage(tgBen.id, "make wipe-slowly");
    const sentBefore = telegram.sentTo(tgBen.id).length;
    await telegram.press(BOT_TOKEN, tgBen, buttonsOf(message).get("Deny with a note…")!, message.messageId);
    const prompt = await until(() => telegram.sentTo(tgBen.id)[sentBefore], "the note prompt", 15_000);
    // The room keeps the prompt's id once Telegram answered its send.
    await telegram.handledSoFar(BOT_TOKEN, tgBen);
    const said = await telegram.say(BOT_TOKEN, tgBen, "not on a Friday", prompt.messageId);
    // Telegram has its answer, and the gateway has not answered the denial: nothing is decided yet.
    expect(said.status).toBe(200);
    expect(askedFor("ex-note").some((a) => a.answered)).toBe(false);
    const deciding = await until(() => askedFor("ex-note")[0], "the denial at the gateway", 20_000);
    expect(deciding.params).toMatchObject({ kind: "exec", decision: "deny" });
    expect((await annLive.approvals.get({ approvalId: approval.id })).approval.status).toBe("pending");
    // The same update again changes nothing.
    expect((await telegram.update(BOT_TOKEN, said.body, { updateId: said.updateId })).status).toBe(200);
    deciding.answer();

    await expect
      .poll(async () => (await annLive.approvals.get({ approvalId: approval.id })).approval, { timeout: 20_000 })
      .toMatchObject({ status: "denied", note: "not on a Friday", resolvedBy: { name: "Ben" }, decidedIn: "telegram" });
    expect(await decisionsOf(approval.id)).toHaveLength(1);
    expect(askedFor("ex-note")).toHaveLength(1);
    await until(
      () => telegram.sentTo(tgBen.id).find((c) => c.body.text === "Denied."),
      "Ben told it was denied",
      15_000,
    );
  }, 90_000);

  it("a press a restart cut before it was decided is decided after the restart, once, and its message shows the outcome", async () => {
    const approval = await execRequest("ex-restart", "make restore-slowly");
    const message = await inSlack("make restore-slowly");
    const body = bensApprove(message);
    expect(await slack.post(requestUrl, body, "application/x-www-form-urlencoded", SIGNING_SECRET)).toEqual({
      status: 200,
      text: "ok",
    });
    await until(() => askedFor("ex-restart")[0], "the decision at the gateway", 20_000);

    // The server stops hard while the gateway decides: its answer never reaches the room.
    annLive.close();
    await server.stop();
    await server.start();
    annLive = await person(annCookie, workspace);
    // The room decides the queued press again once the gateway is back, and the gateway takes it.
    const again = await until(() => askedFor("ex-restart")[1], "the decision asked again after the restart", 90_000);
    expect(again.params).toMatchObject({ kind: "exec", decision: "allow-once" });
    again.answer();
    await expect
      .poll(async () => (await annLive.approvals.get({ approvalId: approval.id })).approval, { timeout: 20_000 })
      .toMatchObject({ status: "approved", resolvedBy: { name: "Ben" }, decidedIn: "slack" });
    expect(await decisionsOf(approval.id)).toHaveLength(1);
    const updated = await until(
      () => slack.updates("D0BEN").find((c) => c.body.ts === message.ts && String(c.body.text).includes("✅")),
      "the Slack message shows the outcome",
      20_000,
    );
    expect(updated.body.text).toContain("✅ Approved by Ben in Slack");
    // The same press delivered after the restart decides nothing more.
    expect(await slack.post(requestUrl, body, "application/x-www-form-urlencoded", SIGNING_SECRET)).toEqual({
      status: 200,
      text: "ok",
    });
    await slack.post(requestUrl, slack.dm("T0SLOW", "U0BEN", "D0BEN", "hello"), "application/json", SIGNING_SECRET);
    await until(
      () => slack.posted("D0BEN").find((c) => String(c.body.text).startsWith("I bring")),
      "the answer to hello",
      15_000,
    );
    expect(askedFor("ex-restart")).toHaveLength(2);
    expect(await decisionsOf(approval.id)).toHaveLength(1);
  }, 180_000);
});
