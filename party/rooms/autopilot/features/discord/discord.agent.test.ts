// Discord as a chat platform, end to end through the Worker's real route and the room (the
// Autopilot on the scripted model; Discord and Slack are scripted stand-ins on loopback:
// discord.standin-setup.ts, party/test/agent/slack-standin-setup.ts). Interactions are posted
// as Discord posts them, signed by the stand-in with the application's Ed25519 key; every call
// the room made to Discord is read back from the stand-in.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Message } from "../../../../../shared/protocol/threads";
import { idem, ORIGIN, RawSocket, uniq } from "../../../../test/harness";
import { agentRoom, approvalEvent, autopilotSays } from "../agent/scripted-model/test/harness";
import { SLACK_APP } from "../../../../test/agent/slack-app";
import { connectSlack, linkSlack, slackCalls, slackSignature } from "../../../../test/agent/slack-harness";
import {
  bindDiscordChannel,
  command,
  connectDiscord,
  discordCalls,
  inChannel,
  interact,
  linkDiscord,
  ping,
  post,
  press,
  shown,
  signedRequest,
  snowflake,
  untilInChannel,
} from "./harness";
import { DISCORD_APP } from "./standin-app";

const SLOW_TEXT = `${Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")} END.`;

/** The owner's room, with a socket that asks for Discord (as the app does) besides the harness's. */
async function discordRoom() {
  const room = await agentRoom();
  const sock = await RawSocket.open(room.owner.workspaceId, { cookie: room.owner.cookie }, { caps: "chats.discord" });
  const hello = await sock.hello();
  return { ...room, plain: room.sock, sock, hello };
}

const said = (sock: RawSocket, threadId: string, text: string) =>
  sock.waitFor((f) => {
    if (f.type !== "event" || f.event !== "message.created") return false;
    const { message } = f.payload as { message: Message };
    return message.threadId === threadId && message.text === text;
  }, 20_000);

/** Slack's press of the button `value` by `user` in `channel`, signed as Slack signs it. */
async function slackPress(workspaceId: string, user: string, channel: string, messageTs: string, value: string) {
  const payload = {
    type: "block_actions",
    team: { id: SLACK_APP.team, domain: "standin" },
    user: { id: user, username: user, name: user, team_id: SLACK_APP.team },
    api_app_id: "A0STANDIN",
    trigger_id: uniq("trigger."),
    container: { type: "message", message_ts: messageTs, channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: "directmessage" },
    actions: [{ type: "button", action_id: value, block_id: "decide-0", value, action_ts: "1" }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const at = Math.floor(Date.now() / 1000);
  const signature = await slackSignature(body, at);
  const res = await SELF.fetch(`${ORIGIN}/chats/slack/${encodeURIComponent(workspaceId)}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(at),
      "x-slack-signature": signature,
    },
    body,
  });
  await res.body?.cancel();
  return res.status;
}

/** The "approve my own request" button's value in a Slack message's blocks. */
const slackButton = (call: unknown): string | undefined =>
  ((call as { body: { blocks?: { elements?: { value?: string }[] }[] } }).body.blocks ?? [])
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.value?.startsWith("o:"))?.value;

/** A button's custom id in a Discord message's components, by its label. */
const discordButton = (components: unknown, label: string): string | undefined =>
  (components as { components: { label: string; custom_id: string }[] }[] | undefined)
    ?.flatMap((row) => row.components)
    .find((b) => b.label === label)?.custom_id;

describe("Discord: approvals with buttons", () => {
  it("a linked person's press alone approves as them, and the approval says it was decided in Discord", async () => {
    const { owner, sock, thread } = await discordRoom();
    const ws = owner.workspaceId;
    const me = { id: snowflake(), username: "solo" };
    const dm = snowflake();
    await connectDiscord(sock);
    await linkDiscord(sock, ws, me, dm);
    const channel = await bindDiscordChannel(sock, ws, thread.id, me);
    await interact(ws, command({ id: snowflake(), username: "guest" }, channel, "ALONE STEPS: threads_list {}"));
    const asked = await approvalEvent(sock, "pending");
    const message = await untilInChannel(
      dm,
      (c) => c.verb === "POST" && discordButton(c.body.components, "Approve my own request") !== undefined,
    );
    // Someone else's press of the same button decides nothing.
    const stranger = { id: snowflake(), username: "stranger" };
    const data = discordButton(message.body.components, "Approve my own request")!;
    expect(await interact(ws, press(stranger, dm, message.id!, data))).toEqual({ status: 200, json: { type: 6 } });
    await untilInChannel(dm, (c) => shown(c.body.content).startsWith("Only the person this was sent to"));
    expect(await interact(ws, press(me, dm, message.id!, data))).toEqual({ status: 200, json: { type: 6 } });
    const resolved = await approvalEvent(sock, "approved", asked.id);
    expect(resolved).toMatchObject({ status: "approved", decidedIn: "discord", resolvedBy: { id: owner.userId } });
    const edited = await untilInChannel(dm, (c) => c.verb === "PATCH" && c.path.endsWith(`/${message.id}`));
    expect(shown(edited.body.content)).toContain("Approved by");
    expect(shown(edited.body.content)).toContain("in Discord");
    sock.close();
  });

  it("a linked person's press decides once, racing a press in Slack and the app's decision: the others are told it is decided", async () => {
    const { owner, sock, thread } = await discordRoom();
    const ws = owner.workspaceId;
    const me = { id: snowflake(), username: "owner" };
    const dm = snowflake();
    const slackUser = uniq("U0RACE").toUpperCase();
    await connectDiscord(sock);
    await linkDiscord(sock, ws, me, dm);
    await connectSlack(sock);
    await linkSlack(sock, ws, slackUser);
    // A guest's ask in a bound channel waits for a person: the approval is the owner's to decide (their own).
    const channel = await bindDiscordChannel(sock, ws, thread.id, me);
    const guest = { id: snowflake(), username: "guest" };
    await interact(ws, command(guest, channel, "RACE STEPS: threads_list {}"));
    const asked = await approvalEvent(sock, "pending");
    expect(asked.threadId).toBe(thread.id);

    // The approval reached both of the owner's chats, with buttons.
    const inDiscord = await untilInChannel(
      dm,
      (c) => c.verb === "POST" && discordButton(c.body.components, "Approve my own request") !== undefined,
    );
    const discordData = discordButton(inDiscord.body.components, "Approve my own request")!;
    const slackDm = `D${slackUser}`;
    let inSlack: { ts?: string } | undefined;
    await expect
      .poll(
        async () => {
          inSlack = (await slackCalls()).find(
            (c) => c.method === "chat.postMessage" && c.body.channel === slackDm && slackButton(c) !== undefined,
          ) as typeof inSlack;
          return inSlack?.ts;
        },
        { timeout: 20_000 },
      )
      .toBeDefined();
    const slackData = slackButton(inSlack)!;

    // Three decisions at once: Discord's button, Slack's, and the app's.
    const [fromDiscord, fromSlack, fromApp] = await Promise.all([
      interact(ws, press(me, dm, inDiscord.id!, discordData)),
      slackPress(ws, slackUser, slackDm, inSlack!.ts!, slackData),
      sock.call("approvals.resolve", {
        approvalId: asked.id,
        decision: "approve",
        confirmOwn: true,
        idempotencyKey: idem(),
      }),
    ]);
    // Discord's press was answered at once: the message is updated after.
    expect(fromDiscord).toEqual({ status: 200, json: { type: 6 } });
    expect(fromSlack).toBe(200);

    // Each press is answered with how it came out; the app with its response.
    const discordAnswer = shown(
      (
        await untilInChannel(
          dm,
          (c) => c.verb === "POST" && /^(Approved\.|It was already decided\.)$/.test(shown(c.body.content)),
        )
      ).body.content,
    );
    let slackAnswer = "";
    await expect
      .poll(
        async () => {
          const answer = (await slackCalls()).find(
            (c) => c.method === "chat.postEphemeral" && c.body.user === slackUser,
          );
          slackAnswer = String(answer?.body.text ?? "");
          return slackAnswer;
        },
        { timeout: 20_000 },
      )
      .toMatch(/^(Approved\.|It was already decided\.)$/);
    const appAnswer = fromApp.ok ? "Approved." : fromApp.error.code;
    const outcomes = [discordAnswer, slackAnswer, appAnswer];
    expect(outcomes.filter((o) => o === "Approved.")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "It was already decided." || o === "already_resolved")).toHaveLength(2);

    // One decision: one resolved event, approved; the Discord message shows it and its buttons went.
    const resolved = await approvalEvent(sock, "approved", asked.id);
    expect(resolved.status).toBe("approved");
    // It says where it was decided: wherever the press that decided it was.
    const winner = outcomes.indexOf("Approved.");
    expect(resolved.decidedIn).toBe(["discord", "slack", "app"][winner]);
    const edited = await untilInChannel(dm, (c) => c.verb === "PATCH" && c.path.endsWith(`/${inDiscord.id}`));
    expect(edited.body.components).toEqual([]);
    expect(
      sock.events("approval.resolved").filter((e) => (e.payload as { approval: Approval }).approval.id === asked.id),
    ).toHaveLength(1);
    sock.close();
  });
});

describe("Discord: a bound channel", () => {
  it("what is said with /autopilot reaches the thread, and the Autopilot's streamed reply comes back posted then edited", async () => {
    const { owner, sock, plain, thread } = await discordRoom();
    const ws = owner.workspaceId;
    const me = { id: snowflake(), username: "binder" };
    await connectDiscord(sock);
    const channel = await bindDiscordChannel(sock, ws, thread.id, me);
    const guest = { id: snowflake(), username: "visitor" };

    const answer = await interact(ws, command(guest, channel, "SLOW from discord"));
    // The interaction is answered with the words, as the channel sees they were taken (shown as text, no pings).
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ type: 4, data: { allowed_mentions: { parse: [] } } });
    expect(shown((answer.json as { data: { content: string } }).data.content)).toBe("@visitor: SLOW from discord");
    const arrived = await said(sock, thread.id, "SLOW from discord");
    expect((arrived.payload as { message: Message }).message.fromChat).toBe("discord");

    const reply = await autopilotSays(sock, thread.id, (m) => m.text === SLOW_TEXT, 60_000);
    expect(reply.text).toBe(SLOW_TEXT);
    // Posted once with what had come so far, then edited in place until it is the whole reply.
    const last = await untilInChannel(
      channel,
      (c) => c.verb === "PATCH" && shown(c.body.content) === SLOW_TEXT,
      20_000,
    );
    const calls = (await inChannel(channel)).filter((c) => shown(c.body.content).startsWith("word0"));
    const first = calls[0]!;
    expect(first.verb).toBe("POST");
    expect(shown(first.body.content).endsWith(" …")).toBe(true);
    expect(SLOW_TEXT.startsWith(shown(first.body.content).slice(0, -2))).toBe(true);
    expect(last.path).toBe(`/channels/${channel}/messages/${first.id}`);
    expect(calls.filter((c) => c.verb === "POST")).toHaveLength(1);

    // A socket that did not ask for Discord gets the chats and the message as its version knew them.
    const { chats } = await plain.ok("chats.get", {});
    expect(chats.connections.map((c) => c.platform)).toEqual([]);
    expect(chats.bindings).toEqual([]);
    const plainSaw = await said(plain, thread.id, "SLOW from discord");
    expect((plainSaw.payload as { message: Message }).message).not.toHaveProperty("fromChat");
    // The one that asked sees Discord.
    const asked = (await sock.ok("chats.get", {})).chats;
    expect(asked.connections.map((c) => c.platform)).toEqual(["discord"]);
    expect(asked.bindings.map((b) => [b.platform, b.threadId])).toEqual([["discord", thread.id]]);
    sock.close();
    plain.close();
  });
});

describe("Discord: the interactions endpoint refuses what Discord did not sign", () => {
  it("a forged signature and a stale timestamp are 401 and change nothing; a replay is handled once; a PING is answered", async () => {
    const { owner, sock, thread } = await discordRoom();
    const ws = owner.workspaceId;
    const me = { id: snowflake(), username: "keeper" };
    await connectDiscord(sock);
    const channel = await bindDiscordChannel(sock, ws, thread.id, me);
    const guest = { id: snowflake(), username: "mallory" };

    // Discord checks the endpoint with a PING: signed, it gets a PONG; forged, a 401.
    expect(await post(ws, await signedRequest(ping()))).toEqual({ status: 200, json: { type: 1 } });
    expect((await post(ws, await signedRequest(ping(), { signature: "0".repeat(128) }))).status).toBe(401);

    // Forged: a signature of other words; no signature the key made; stale: signed six minutes ago.
    const forged = uniq("FORGED-");
    const honest = await signedRequest(command(guest, channel, `SAY: ${uniq("honest")}`));
    const swapped = { ...honest, text: JSON.stringify(command(guest, channel, `SAY: ${forged}`)) };
    expect((await post(ws, swapped)).status).toBe(401);
    const stale = await signedRequest(command(guest, channel, `SAY: ${forged}`), {
      at: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect((await post(ws, stale)).status).toBe(401);
    // Without the endpoint's headers the Worker does not even ask the room.
    const bare = await SELF.fetch(`${ORIGIN}/chats/discord/${ws}`, { method: "POST", body: stale.text });
    expect(bare.status).toBe(401);
    await bare.body?.cancel();

    // A replay: the same signed interaction twice is answered twice and handled once.
    const once = uniq("ONCE-");
    const replayed = await signedRequest(command(guest, channel, `SAY: ${once}`));
    const [a, b] = [await post(ws, replayed), await post(ws, replayed)];
    expect(a.status).toBe(200);
    expect(b).toEqual(a);
    // What comes after it arrives: by then the room had handled the replay.
    const after = uniq("AFTER-");
    await interact(ws, command(guest, channel, `SAY: ${after}`));
    await autopilotSays(sock, thread.id, (m) => m.text === after, 30_000);
    const { messages } = await sock.ok("messages.list", { threadId: thread.id, limit: 100 });
    expect(messages.filter((m: Message) => m.text === `SAY: ${once}`)).toHaveLength(1);
    expect(messages.filter((m: Message) => m.text.includes(forged))).toEqual([]);
    expect((await inChannel(channel)).some((c) => shown(c.body.content).includes(forged))).toBe(false);
    sock.close();
  });
});

describe("Discord: the bot token", () => {
  it("is checked with Discord on connecting and never reaches a client: not in a frame, a view, or an error", async () => {
    const { owner, sock, plain } = await discordRoom();
    await connectDiscord(sock);
    const { chats } = await sock.ok("chats.get", {});
    expect(chats.connections).toMatchObject([
      { platform: "discord", botUsername: DISCORD_APP.botUsername, botName: DISCORD_APP.name },
    ]);
    // The application was asked with the token, and its command registered.
    const calls = (await discordCalls()).filter((c) => c.token === DISCORD_APP.token);
    expect(calls.some((c) => c.verb === "GET" && c.path === "/applications/@me")).toBe(true);
    expect(calls.some((c) => c.verb === "PUT" && c.path === `/applications/${DISCORD_APP.id}/commands`)).toBe(true);
    // A wrong public key is refused with words that do not quote the token.
    const wrong = await sock.call("chats.connect", {
      platform: "discord",
      botToken: DISCORD_APP.token,
      signingSecret: "ab".repeat(32),
      origin: ORIGIN,
      idempotencyKey: idem(),
    });
    expect(!wrong.ok && wrong.error.code).toBe("bad_request");
    const other = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { caps: "chats.discord" });
    await other.hello();
    await other.ok("chats.get", {});
    for (const client of [sock, plain, other]) expect(JSON.stringify(client.frames)).not.toContain(DISCORD_APP.token);
    for (const client of [sock, other]) client.close();
  });
});
