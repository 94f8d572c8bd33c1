// A message round trip through an OpenClaw instance's own Telegram channel, end to end: the
// real server (wrangler dev), the real runtime and the pinned `openclaw` gateway, its model the
// scripted one and Telegram's Bot API a stand-in on loopback (both external services, the only
// test doubles). A person connects the gateway's Telegram account from the product (the
// configure approval) and lets one sender DM it (the access approval); that sender's message,
// taken by the gateway's long poll, reaches the gateway's agent, whose answer the gateway sends
// back to the chat; the conversation is one of the instance's sessions in the product, and
// opened as a thread it reads in the browser app with both sides. Screenshots go to test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markerScript } from "../../runtime/test/scripted-model";
import type { AutopilotClient } from "../src/client";
import {
  addSecondPerson,
  approvedJob,
  ownWorkspace,
  personClient,
  provisionConnected,
  signUp,
  until,
  waitForMessage,
} from "./e2e-helpers";
import { openLive, screenshots, signedInPage, withBrowser } from "./browser-helpers";
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
const clients: AutopilotClient[] = [];
let workspace: string;
let alice: AutopilotClient;
let bob: AutopilotClient;
const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** Bob approves what Alice asked; resolves with the job the room ran for it, once finished. */
const approved = (approvalId: string) => approvedJob(bob, alice, approvalId);

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
  bob = personClient(baseUrl, (await addSecondPerson(baseUrl, cookie, workspace, "Bob")).cookie, workspace, "phone");
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
    const connect = await alice.request("instances.configureChannel", {
      instanceId: "work",
      channel: "telegram",
      botToken: TOKEN,
      idempotencyKey: key("tg"),
    });
    const connected = await approved(connect.approval.id);
    expect(connected.status, connected.error ?? "").toBe("succeeded");
    const access = await alice.request("instances.setChannelAccess", {
      instanceId: "work",
      channel: "telegram",
      dmPolicy: "allowlist",
      allowFrom: [String(dana.id)],
      idempotencyKey: key("acc"),
    });
    expect((await approved(access.approval.id)).status).toBe("succeeded");
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
    const { thread } = await alice.request("sessions.open", {
      instanceId: "work",
      sessionKey: session.key,
      idempotencyKey: key("open"),
    });
    await waitForMessage(alice, thread.id, (m) => m.text.includes("pong from the Work gateway"), "the answer", 30_000);
    await waitForMessage(
      alice,
      thread.id,
      (m) => m.text.includes("SAY: pong from the Work gateway"),
      "Dana's message",
      30_000,
    );

    // In the browser app: the session's thread, both sides of the Telegram conversation.
    const { ctx, page } = await signedInPage(browser, stack.server.url, aliceCookie, {
      viewport: { width: 1280, height: 900 },
    });
    await openLive(page, `${stack.server.url}/?w=${encodeURIComponent(workspace)}&thread=${thread.id}`);
    await page.getByText("pong from the Work gateway", { exact: true }).first().waitFor({ timeout: 30_000 });
    await page.getByText("SAY: pong from the Work gateway").first().waitFor({ timeout: 30_000 });
    await shot(page, "session-thread");
    await ctx.close();
  }, 240_000);
});
