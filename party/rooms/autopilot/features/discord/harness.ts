// A workspace's Discord as the feature's tests drive it: connected to the scripted stand-in
// (discord.standin-setup.ts), interactions posted to the room's endpoint through the Worker,
// signed by the stand-in with the application's key as Discord signs them, and every call the
// stand-in received read back.
import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { idem, ORIGIN, type RawSocket } from "../../../../test/harness";
import type { DiscordCall } from "./discord-standin";
import { DISCORD_APP } from "./standin-app";

const standin = () =>
  `${(env as unknown as { DISCORD_API_BASE: string }).DISCORD_API_BASE.replace(/\/api\/v10$/, "")}/_standin`;

/** Every call the stand-in received so far, from every test of the project. */
export async function discordCalls(): Promise<DiscordCall[]> {
  return (await (await fetch(`${standin()}/calls`)).json()) as DiscordCall[];
}

/** A message's content as Discord shows it: its escapes taken out. */
export const shown = (content: unknown): string => String(content ?? "").replace(/\\(.)/g, "$1");

/** What the stand-in was asked to post (`POST`) or edit (`PATCH`) in `channel`, in order. */
export async function inChannel(channel: string): Promise<DiscordCall[]> {
  return (await discordCalls()).filter((c) => c.path.startsWith(`/channels/${channel}/messages`));
}

/** Waits (on the real clock) until a call the stand-in got for `channel` matches `pick`. */
export async function untilInChannel(channel: string, pick: (call: DiscordCall) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const calls = await inChannel(channel);
    const found = calls.find(pick);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(
        `nothing in ${channel} matched: ${JSON.stringify(calls.map((c) => [c.verb, shown(c.body.content)]))}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let ids = 0;
/** A new Discord id (a snowflake), unique across the project's tests. */
export const snowflake = (): string =>
  String(1_170_000_000_000_000_000n + BigInt(Date.now() % 1_000_000_000) * 1000n + BigInt(++ids % 1000));

const GUILD = "1160000000000000001";

export interface Speaker {
  id: string;
  username: string;
}

/** The fields every interaction carries, in a server's channel or in a direct message with the bot. */
function interaction(type: number, user: Speaker, channel: string, where: "guild" | "dm") {
  const id = snowflake();
  const who = { id: user.id, username: user.username, global_name: null, discriminator: "0" };
  return {
    id,
    application_id: DISCORD_APP.id,
    type,
    token: `interaction-token-${id}`,
    version: 1,
    channel_id: channel,
    channel: { id: channel, type: where === "guild" ? 0 : 1, ...(where === "guild" ? { name: "general" } : {}) },
    ...(where === "guild" ? { guild_id: GUILD, member: { user: who, roles: [] } } : { user: who }),
    locale: "en-US",
  };
}

/** `/autopilot text:<text>` said by `user` in `channel`, as Discord's APPLICATION_COMMAND interaction. */
export const command = (user: Speaker, channel: string, text: string, where: "guild" | "dm" = "guild") => ({
  ...interaction(2, user, channel, where),
  data: { id: "1150000000000000001", name: "autopilot", type: 1, options: [{ name: "text", type: 3, value: text }] },
});

/** A press of the button `customId` under message `messageId`, as Discord's MESSAGE_COMPONENT interaction. */
export const press = (user: Speaker, channel: string, messageId: string, customId: string) => ({
  ...interaction(3, user, channel, "dm"),
  message: { id: messageId, channel_id: channel },
  data: { custom_id: customId, component_type: 2 },
});

/** Discord's PING, as it checks the endpoint. */
export const ping = () => ({ id: snowflake(), application_id: DISCORD_APP.id, type: 1, token: "ping", version: 1 });

/** The stand-in's signature of `body` at `timestamp`. */
async function signed(timestamp: string, body: string): Promise<string> {
  const res = await fetch(`${standin()}/sign`, { method: "POST", body: JSON.stringify({ timestamp, body }) });
  return ((await res.json()) as { signature: string }).signature;
}

/** A request as Discord would post it to the workspace's endpoint: `body` with its signature headers. */
export async function signedRequest(
  body: object | string,
  { at = Math.floor(Date.now() / 1000), signature }: { at?: number; signature?: string } = {},
) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return { text, timestamp: String(at), signature: signature ?? (await signed(String(at), text)) };
}

/** Posts a signed request (from `signedRequest`) to the workspace's interactions endpoint, through the Worker. */
export async function post(
  workspaceId: string,
  request: { text: string; timestamp: string; signature: string },
): Promise<{ status: number; json: unknown }> {
  const res = await SELF.fetch(`${ORIGIN}/chats/discord/${encodeURIComponent(workspaceId)}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "Discord-Interactions/1.0 (+https://discord.com)",
      "x-signature-ed25519": request.signature,
      "x-signature-timestamp": request.timestamp,
    },
    body: request.text,
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json };
}

/** Signs and posts `body` now. */
export const interact = async (workspaceId: string, body: object) => post(workspaceId, await signedRequest(body));

/** The owner's socket connects the workspace to the stand-in Discord (the public key as the application shows it). */
export async function connectDiscord(sock: RawSocket) {
  const { publicKey } = (await (await fetch(`${standin()}/key`)).json()) as { publicKey: string };
  return sock.ok("chats.connect", {
    platform: "discord",
    botToken: DISCORD_APP.token,
    signingSecret: publicKey,
    origin: ORIGIN,
    idempotencyKey: idem(),
  });
}

/** Links the socket's person to Discord user `user` (`/autopilot text:link <code>` in their direct chat `dm`). */
export async function linkDiscord(sock: RawSocket, workspaceId: string, user: Speaker, dm: string): Promise<void> {
  const { code } = await sock.ok("chats.linkCode", { platform: "discord", idempotencyKey: idem() });
  const answer = await interact(workspaceId, command(user, dm, `link ${code}`, "dm"));
  if (answer.status !== 200) throw new Error(`the link was refused: ${answer.status}`);
  await untilInChannel(dm, (c) => shown(c.body.content).startsWith("Linked"));
}

/** Binds `threadId` to a new server channel (`/autopilot text:bind <code>` said there by `user`); the channel's id. */
export async function bindDiscordChannel(sock: RawSocket, workspaceId: string, threadId: string, user: Speaker) {
  const channel = snowflake();
  const { code } = await sock.ok("chats.bindCode", { platform: "discord", threadId, idempotencyKey: idem() });
  await interact(workspaceId, command(user, channel, `bind ${code}`));
  await untilInChannel(channel, (c) => shown(c.body.content).startsWith("Bound"));
  return channel;
}
