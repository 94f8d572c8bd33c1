import { z } from "zod";
import type { CallOutcome, ChatButton, Inbound, PlatformApi, PlatformCall } from "../chats";
import { clip, postToPlatform, readJson, scrub, whoIsToken } from "../chats";

// Discord's HTTP API (https://discord.com/developers/docs/reference) and its interactions
// (https://discord.com/developers/docs/interactions/receiving-and-responding), spoken with
// plain `fetch` and Web Crypto (decision 59). An interaction is believed only with the
// application's Ed25519 signature over its timestamp and raw body, and a timestamp within
// five minutes; what it carries is parsed with bounds, and one for another application than
// the connected one is ignored. Plain channel messages come only over Discord's Gateway
// WebSocket, which a room cannot hold open: a bound channel speaks through the `/autopilot`
// command instead (decision 69).

const DEFAULT_BASE = "https://discord.com/api/v10";
/** How far an interaction's timestamp may be from now. */
const MAX_SKEW_S = 5 * 60;
/** What one message's content takes. */
const MAX_CONTENT = 2000;
/** The command a channel and a person speak to the Autopilot with, and its one option. */
export const COMMAND = "autopilot";
const TEXT_OPTION = "text";
/** A note for a denial is the command's text after this word (a slash command replies to nothing). */
const NOTE_WORD = "note";

export const DISCORD_BOT_TOKEN = /^[A-Za-z0-9._-]{50,120}$/;
export const DISCORD_PUBLIC_KEY = /^[0-9a-f]{64}$/;
const SNOWFLAKE = /^\d{1,20}$/;
/** A call as the room makes it: its verb and a path of the API's own characters. */
const CALL = /^(GET|POST|PATCH|PUT) (\/[A-Za-z0-9@/_.-]{1,300})$/;

const SIGNATURE_HEADER = "x-signature-ed25519";
const TIMESTAMP_HEADER = "x-signature-timestamp";

const Snowflake = z.string().regex(SNOWFLAKE);
const User = z.object({
  id: Snowflake,
  username: z.string().max(64),
  global_name: z.string().max(64).nullable().optional(),
  bot: z.boolean().optional(),
});
type User = z.infer<typeof User>;

/** The application and its bot, as `GET /applications/@me` answers. */
export const DiscordApplication = z.object({
  id: Snowflake,
  name: z.string().max(128),
  verify_key: z.string().max(128),
  bot: User.optional(),
});

const Interaction = z.object({
  id: Snowflake,
  application_id: Snowflake,
  type: z.number().int(),
  guild_id: Snowflake.optional(),
  channel_id: Snowflake.optional(),
  channel: z.object({ id: Snowflake, type: z.number().int(), name: z.string().max(100).optional() }).optional(),
  member: z.object({ user: User }).optional(),
  user: User.optional(),
  data: z
    .object({
      name: z.string().max(32).optional(),
      custom_id: z.string().max(100).optional(),
      options: z
        .array(z.object({ name: z.string().max(32), value: z.union([z.string().max(6000), z.number(), z.boolean()]) }))
        .max(25)
        .optional(),
    })
    .optional(),
  message: z.object({ id: Snowflake }).optional(),
});

const ErrorAnswer = z.object({
  message: z.string().max(500).optional(),
  code: z.number().optional(),
  retry_after: z.number().min(0).max(86_400).optional(),
});
const Sent = z.object({ id: Snowflake, channel_id: Snowflake });

/** How a user is called in the app: their display name, else their @username. */
const handleOf = (user: User): string => (user.global_name || `@${user.username}`).slice(0, 128);

/**
 * Text shown as written: Discord reads a message's content as markdown, so its marks are
 * escaped, and no one is pinged by it (every message also sends `allowed_mentions: none`).
 */
const asText = (text: string): string => clip(text.replace(/([\\*_~`|>#[\]()<:-])/g, "\\$1"), MAX_CONTENT);
const NO_MENTIONS = { parse: [] as string[] };

/** Buttons as Discord's action rows (at most 5 of 5), styled primary, danger or secondary. */
const components = (buttons: ChatButton[][] | undefined) =>
  (buttons ?? []).slice(0, 5).map((row) => ({
    type: 1,
    components: row.slice(0, 5).map((b) => ({
      type: 2,
      style: b.style === "primary" ? 1 : b.style === "danger" ? 4 : 2,
      label: clip(b.text, 80),
      custom_id: b.data,
    })),
  }));

const hexBytes = (hex: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array((hex.match(/../g) ?? []).map((byte) => Number.parseInt(byte, 16)));

/** Whether `publicKeyHex` signed `timestamp + body` as `signatureHex` (Ed25519, in Web Crypto). */
async function ed25519Verified(publicKeyHex: string, signatureHex: string, message: string): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey("raw", hexBytes(publicKeyHex), { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify("Ed25519", key, hexBytes(signatureHex), new TextEncoder().encode(message));
  } catch {
    return false;
  }
}

const commandText = (value: z.infer<typeof Interaction>): string => {
  const option = value.data?.options?.find((o) => o.name === TEXT_OPTION);
  return typeof option?.value === "string" ? option.value : "";
};

export const discord: PlatformApi = {
  name: "discord",
  label: "Discord",
  maxText: MAX_CONTENT,
  apiBase: (env) => env.DISCORD_API_BASE,
  proofHeaders: [SIGNATURE_HEADER, TIMESTAMP_HEADER],

  // The application's public key is kept as its "signing secret" (it is not a secret, but the room seals what it keeps alike).
  async proven(request, kept) {
    const publicKey = await kept.signingSecret();
    const signature = request.headers[SIGNATURE_HEADER] ?? "";
    const timestamp = request.headers[TIMESTAMP_HEADER] ?? "";
    if (!publicKey || !DISCORD_PUBLIC_KEY.test(publicKey)) return false;
    if (!/^[0-9a-f]{128}$/.test(signature) || !/^\d{1,12}$/.test(timestamp)) return false;
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_S) return false;
    return ed25519Verified(publicKey, signature, `${timestamp}${request.body}`);
  },

  // Discord is told the interactions endpoint in the application's own settings (it checks it
  // with a signed PING then); the room checks the token and the key and registers the command.
  async connect(base, { botToken, signingSecret }) {
    const publicKey = (signingSecret ?? "").toLowerCase();
    if (!DISCORD_BOT_TOKEN.test(botToken))
      return { ok: false, code: "bad_request", message: "that is not a Discord bot token (Bot › Token)" };
    if (!DISCORD_PUBLIC_KEY.test(publicKey))
      return {
        ok: false,
        code: "bad_request",
        message: "a Discord application's public key is needed: 64 hex digits (General Information › Public Key)",
      };
    const me = await whoIsToken(
      discord,
      base,
      botToken,
      { method: "GET /applications/@me", body: {} },
      DiscordApplication,
    );
    if (!me.ok) return me;
    const app = me.bot;
    if (app.verify_key.toLowerCase() !== publicKey)
      return { ok: false, code: "bad_request", message: "that public key is not this bot's application's" };
    const registered = await discord.call(base, botToken, {
      method: `PUT /applications/${app.id}/commands`,
      body: {
        commands: [
          {
            name: COMMAND,
            type: 1,
            description: "Talk to the workspace's Autopilot",
            // Servers and the bot's direct messages.
            contexts: [0, 1],
            options: [{ type: 3, name: TEXT_OPTION, description: "What to say", required: true, max_length: 4000 }],
          },
        ],
      },
    });
    if (!registered.ok)
      return {
        ok: false,
        code: "conflict",
        message: `Discord refused the /${COMMAND} command (${registered.description})`,
      };
    const bot = app.bot;
    return {
      ok: true,
      botId: app.id,
      botUsername: bot?.username ?? app.name,
      botName: app.name,
      teamId: app.id,
      secretHash: null,
      signingSecret: publicKey,
    };
  },
  // The endpoint is the application's setting; without a connection the room answers nothing there.
  unhook: () => null,
  command: (word) => `/${COMMAND} ${TEXT_OPTION}:${word}`,

  /** Makes one API call; never throws, and no error it returns carries the token. */
  async call(base, token, call): Promise<CallOutcome> {
    const parsed = CALL.exec(call.method);
    if (!parsed) return { ok: false, retry: false, description: "not a call the room makes" };
    const [, verb, path] = parsed;
    // A PUT of the commands sends the list itself.
    const body = verb === "GET" ? undefined : "commands" in call.body ? call.body.commands : call.body;
    const url = `${(base || DEFAULT_BASE).replace(/\/+$/, "")}${path}`;
    const res = await postToPlatform(url, { authorization: `Bot ${token}` }, body, Sent, token, verb);
    if (!res.reached) return { ok: false, retry: true, description: `Discord could not be reached (${res.error})` };
    if (res.status >= 200 && res.status < 300) {
      const sent = res.answer;
      return { ok: true, result: res.json, sent: sent ? { chat: sent.channel_id, message: sent.id } : null };
    }
    const answer = ErrorAnswer.safeParse(res.json);
    const description = scrub(answer.data?.message ?? `HTTP ${res.status}`, token).slice(0, 300);
    // 429 says when (in seconds); 5xx may pass; another 4xx (a bad token, a gone channel, a bad body) will not.
    if (res.status === 429)
      return { ok: false, retry: true, retryAfterMs: Math.ceil((answer.data?.retry_after ?? 5) * 1000), description };
    return { ok: false, retry: res.status >= 500, description };
  },

  send: (chat, text, buttons) => ({
    method: `POST /channels/${chat}/messages`,
    body: { content: asText(text), components: components(buttons), allowed_mentions: NO_MENTIONS },
  }),
  // An edit without buttons takes them away (a decided approval, a streamed reply's text).
  edit: (chat, message, text, buttons) => ({
    method: `PATCH /channels/${chat}/messages/${message}`,
    body: { content: asText(text), components: components(buttons), allowed_mentions: NO_MENTIONS },
  }),
  askNote: (chat, _message, text) => ({
    method: `POST /channels/${chat}/messages`,
    body: {
      content: asText(
        `${text.replace(/Reply to this message with your note\.?$/, "").trim()} Send /${COMMAND} ${TEXT_OPTION}:${NOTE_WORD} <your note>.`,
      ),
      allowed_mentions: NO_MENTIONS,
    },
  }),
  // A command replies to no message: the note is the command's text after `note`, in the same direct chat.
  noteRef: () => NOTE_WORD,
  // The press was answered by the HTTP answer (the message is updated after); the presser's answer is a message of its own.
  answer: (press, text): PlatformCall => ({
    method: `POST /channels/${press.chat}/messages`,
    body: { content: asText(text), allowed_mentions: NO_MENTIONS },
  }),
  answerWithinMs: null,

  acknowledge: (news) =>
    news.kind === "press"
      ? // DEFERRED_UPDATE_MESSAGE: the message is edited once the press is decided.
        { type: 6 }
      : // CHANNEL_MESSAGE_WITH_SOURCE: the words, as the chat sees they were taken.
        { type: 4, data: { content: asText(`${news.account.handle}: ${news.text}`), allowed_mentions: NO_MENTIONS } },

  parse({ body }, team): Inbound {
    const it = readJson(body, Interaction);
    if (!it || (team && it.application_id !== team)) return { kind: "ignored" };
    if (it.type === 1) return { kind: "answer", json: { type: 1 } };
    const user = it.member?.user ?? it.user;
    const chat = it.channel_id ?? it.channel?.id;
    if (!user || user.bot || !chat) return { kind: "ignored" };
    const account = { id: user.id, handle: handleOf(user) };
    const dedupe = `discord:${it.id}`;
    if (it.type === 3 && it.data?.custom_id && it.message)
      return { kind: "press", dedupe, account, data: it.data.custom_id.slice(0, 64), chat, pressId: it.id };
    if (it.type !== 2 || it.data?.name !== COMMAND) return { kind: "ignored" };
    const words = commandText(it).trim();
    // A direct message has no server; in it, a note for a denial is the text after `note`.
    const direct = it.guild_id === undefined;
    const note = direct ? new RegExp(`^${NOTE_WORD}\\s+`, "i").exec(words) : null;
    return {
      kind: "message",
      dedupe,
      account,
      chat,
      direct,
      chatTitle: direct ? `${account.handle} (direct)` : `#${it.channel?.name ?? chat}`,
      text: clip(note ? words.slice(note[0].length) : words, 4096),
      replyTo: note ? NOTE_WORD : null,
    };
  },
};
