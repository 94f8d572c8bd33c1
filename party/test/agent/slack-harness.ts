// A workspace's Slack as the agent project's tests drive it: connected to the scripted Slack
// stand-in (slack-standin-setup.ts), events posted to the room's Request URL signed as Slack
// signs them, and every call the stand-in received read back.
import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RawSocket } from "../harness";
import { idem, ORIGIN, uniq } from "../harness";
import { SLACK_APP } from "./slack-app";

/** A call the stand-in received (client/test/slack-standin.ts `SlackCall`). */
export interface SlackCall {
  method: string;
  body: { channel?: string; text?: string; ts?: string; user?: string };
  ts?: string;
  refused?: boolean;
}

const callsUrl = () => (env as unknown as { SLACK_CALLS_URL: string }).SLACK_CALLS_URL;

/** Every call the stand-in received so far, from every test of the project. */
export async function slackCalls(): Promise<SlackCall[]> {
  return (await (await fetch(`${callsUrl()}/calls`)).json()) as SlackCall[];
}

/** Slack refuses every call from now (`down`), or takes them again: what the room sends waits in its outbox. */
export async function slackDown(down: boolean): Promise<void> {
  await (await fetch(`${callsUrl()}/down?on=${down ? 1 : 0}`, { method: "POST" })).body?.cancel();
}

/** What the stand-in was asked to post or edit in `channel`, in order. */
export async function inChannel(channel: string): Promise<string[]> {
  return (await slackCalls())
    .filter((c) => (c.method === "chat.postMessage" || c.method === "chat.update") && c.body.channel === channel)
    .map((c) => String(c.body.text ?? ""));
}

/** Waits (on the real clock) until a message the stand-in got for `channel` matches `pick`. */
export async function untilInChannel(channel: string, pick: (text: string) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const texts = await inChannel(channel);
    const found = texts.find(pick);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`nothing in ${channel} matched: ${JSON.stringify(texts)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let events = 0;

/** A message in a Slack conversation, as the Events API body Slack would post. */
function messageEvent(user: string, channel: string, channelType: "channel" | "im", text: string): string {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(++events).padStart(6, "0")}`;
  return JSON.stringify({
    token: "legacy-verification-token",
    team_id: SLACK_APP.team,
    api_app_id: "A0STANDIN",
    type: "event_callback",
    event_id: uniq("Ev"),
    event_time: Math.floor(Date.now() / 1000),
    event: { type: "message", channel, channel_type: channelType, user, text, ts },
  });
}

/** What Slack signs a request to the Request URL with (`x-slack-signature`): `body` as of `at` (seconds). */
export async function slackSignature(body: string, at: number): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(SLACK_APP.signingSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`v0:${at}:${body}`));
  return `v0=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Slack posts `user`'s words in `channel` (a DM with `channelType: "im"`) to the workspace's Request URL. */
export async function slackSays(
  workspaceId: string,
  user: string,
  channel: string,
  text: string,
  channelType: "channel" | "im" = "channel",
): Promise<void> {
  const body = messageEvent(user, channel, channelType, text);
  const at = Math.floor(Date.now() / 1000);
  const res = await SELF.fetch(`${ORIGIN}/chats/slack/${encodeURIComponent(workspaceId)}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": String(at),
      "x-slack-signature": await slackSignature(body, at),
    },
    body,
  });
  if (res.status !== 200) throw new Error(`Slack's post was refused: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

/** The owner's socket connects the workspace to the stand-in Slack. */
export const connectSlack = (sock: RawSocket) =>
  sock.ok("chats.connect", {
    platform: "slack",
    botToken: SLACK_APP.token,
    signingSecret: SLACK_APP.signingSecret,
    origin: ORIGIN,
    idempotencyKey: idem(),
  });

/** Links the socket's person to Slack user `user` (a `link <code>` DM), and waits for the bot's confirmation. */
export async function linkSlack(sock: RawSocket, workspaceId: string, user: string): Promise<void> {
  const { code } = await sock.ok("chats.linkCode", { platform: "slack", idempotencyKey: idem() });
  const dm = `D${user}`;
  await slackSays(workspaceId, user, dm, `link ${code}`, "im");
  await untilInChannel(dm, (text) => text.startsWith("Linked"));
}

/** Binds `threadId` to a new channel (a `bind <code>` said there by `user`); the channel's id. */
export async function bindChannel(sock: RawSocket, workspaceId: string, threadId: string, user: string) {
  const channel = uniq("C").toUpperCase();
  const { code } = await sock.ok("chats.bindCode", { platform: "slack", threadId, idempotencyKey: idem() });
  await slackSays(workspaceId, user, channel, `bind ${code}`);
  await untilInChannel(channel, (text) => text.startsWith("Bound"));
  return channel;
}

/** How many calls to Slack wait in the workspace's outbox, as the app is told. */
export async function slackWaiting(sock: RawSocket): Promise<number> {
  const { chats } = await sock.ok("chats.get", {});
  return chats.connections.find((c) => c.platform === "slack")?.waiting ?? 0;
}

/** Waits until the workspace's Slack outbox is empty: every call the room queued was made. */
export async function slackOutboxEmpty(sock: RawSocket): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (let waiting = await slackWaiting(sock); waiting !== 0; waiting = await slackWaiting(sock)) {
    if (Date.now() > deadline) throw new Error(`${waiting} Slack calls still wait`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
