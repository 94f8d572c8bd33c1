import { z } from "zod";
import { randomToken, sha256Hex } from "../../../../auth/tokens";
import type { CallOutcome, ChatButton, Inbound, PlatformApi, PlatformCall } from "./platform";
import { postToPlatform, readJson, scrub, whoIsToken } from "./platform";

// Telegram's Bot API (https://core.telegram.org/bots/api), spoken with plain `fetch`: the few
// calls the room makes (decision 59). What Telegram sends (an Update) is parsed here with
// bounds before anything in it is believed; fields the room does not use are dropped.

const DEFAULT_BASE = "https://api.telegram.org";

export const TELEGRAM_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;
/** The secret Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`: 1–256 of A–Z, a–z, 0–9, _ and -. */
const WEBHOOK_SECRET = /^[A-Za-z0-9_-]{1,256}$/;
const SECRET_HEADER = "x-telegram-bot-api-secret-token";

const User = z.object({
  id: z.number().int().safe(),
  is_bot: z.boolean().optional(),
  first_name: z.string().max(256).optional(),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
});
type User = z.infer<typeof User>;
const Chat = z.object({ id: z.number().int().safe(), type: z.string().max(32), title: z.string().max(256).optional() });
const Update = z.object({
  update_id: z.number().int().safe(),
  message: z
    .object({
      message_id: z.number().int().safe(),
      from: User.optional(),
      chat: Chat,
      text: z.string().max(4096).optional(),
      reply_to_message: z.object({ message_id: z.number().int().safe() }).optional(),
    })
    .optional(),
  callback_query: z
    .object({
      id: z.string().max(64),
      from: User,
      message: z.object({ message_id: z.number().int().safe(), chat: Chat }).optional(),
      data: z.string().max(64).optional(),
    })
    .optional(),
});

/** How a user is called in the app: their @username, else their name. */
const handleOf = (user: User): string =>
  (user.username
    ? `@${user.username}`
    : [user.first_name, user.last_name].filter(Boolean).join(" ") || `user ${user.id}`
  ).slice(0, 128);

/** The bot's own account, as `getMe` answers. */
export const BotIdentity = z.object({
  id: z.number().int().safe(),
  is_bot: z.literal(true),
  first_name: z.string().max(256),
  username: z.string().max(64),
});

const Answer = z.object({
  ok: z.boolean(),
  result: z.unknown().optional(),
  description: z.string().max(500).optional(),
  parameters: z.object({ retry_after: z.number().int().min(0).max(86_400).optional() }).optional(),
});
const Sent = z.object({ message_id: z.number().int().safe(), chat: z.object({ id: z.number().int().safe() }) });

const keyboard = (buttons: ChatButton[][] | undefined) =>
  buttons
    ? {
        reply_markup: {
          inline_keyboard: buttons.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))),
        },
      }
    : {};

/** Equal hex digests, compared in time that does not depend on where they differ. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export const telegram: PlatformApi = {
  name: "telegram",
  label: "Telegram",
  maxText: 4096,
  apiBase: (env) => env.TELEGRAM_API_BASE,
  proofHeaders: [SECRET_HEADER],

  // Telegram sends back the secret the room gave it with every update; the room keeps only its hash.
  async proven(request, { secretHash }) {
    const secret = request.headers[SECRET_HEADER] ?? "";
    return secretHash !== null && WEBHOOK_SECRET.test(secret) && sameHex(await sha256Hex(secret), secretHash);
  },

  async connect(base, { botToken, requestUrl }) {
    const secret = randomToken();
    const hooked = await connectTelegram(base, botToken, { url: requestUrl, secret });
    if (!hooked.ok) return hooked;
    return {
      ok: true,
      botId: String(hooked.bot.id),
      botUsername: hooked.bot.username,
      botName: hooked.bot.first_name,
      teamId: null,
      secretHash: await sha256Hex(secret),
      signingSecret: null,
    };
  },
  // Without its webhook Telegram stops sending.
  unhook: () => ({ method: "deleteWebhook", body: {} }),
  command: (word) => `/${word}`,

  /** Makes one Bot API call; never throws, and no error it returns carries the token. */
  async call(base, token, call): Promise<CallOutcome> {
    const url = `${(base || DEFAULT_BASE).replace(/\/+$/, "")}/bot${token}/${call.method}`;
    const res = await postToPlatform(url, {}, call.body, Answer, token);
    if (!res.reached) return { ok: false, retry: true, description: `Telegram could not be reached (${res.error})` };
    const { answer } = res;
    if (answer?.ok) {
      const sent = Sent.safeParse(answer.result);
      return {
        ok: true,
        result: answer.result,
        sent: sent.success ? { chat: sent.data.chat.id, message: sent.data.message_id } : null,
      };
    }
    const description = scrub(answer?.description ?? `HTTP ${res.status}`, token).slice(0, 300);
    const retryAfter = answer?.parameters?.retry_after;
    // 429 says when; 5xx and odd answers may pass; 4xx (a bad token, a blocked bot, a gone chat) will not.
    if (res.status === 429) return { ok: false, retry: true, retryAfterMs: (retryAfter ?? 5) * 1000, description };
    return { ok: false, retry: res.status >= 500 || answer === null, description };
  },

  send: (chat, text, buttons) => ({ method: "sendMessage", body: { chat_id: chat, text, ...keyboard(buttons) } }),
  edit: (chat, message, text, buttons) => ({
    method: "editMessageText",
    body: { chat_id: chat, message_id: message, text, ...keyboard(buttons) },
  }),
  askNote: (chat, _message, text) => ({
    method: "sendMessage",
    body: { chat_id: chat, text, reply_markup: { force_reply: true, input_field_placeholder: "Your note" } },
  }),
  // The person answers the question itself (a reply to it).
  noteRef: (_message, prompt) => prompt.message,
  answer: (press, text): PlatformCall => ({
    method: "answerCallbackQuery",
    body: { callback_query_id: press.pressId, text },
  }),
  // The pressed button spins until its query is answered, and a query answered late is refused.
  answerWithinMs: 2_000,

  parse({ body }): Inbound {
    const update = readJson(body, Update);
    if (!update) return { kind: "ignored" };
    const { update_id, callback_query: query, message } = update;
    const dedupe = `telegram:${update_id}`;
    if (query?.data && query.message)
      return {
        kind: "press",
        dedupe,
        account: { id: String(query.from.id), handle: handleOf(query.from) },
        data: query.data,
        chat: query.message.chat.id,
        pressId: query.id,
      };
    if (message?.from && !message.from.is_bot)
      return {
        kind: "message",
        dedupe,
        account: { id: String(message.from.id), handle: handleOf(message.from) },
        chat: message.chat.id,
        direct: message.chat.type === "private",
        chatTitle: message.chat.title ?? handleOf(message.from),
        text: (message.text ?? "").trim(),
        replyTo: message.reply_to_message?.message_id ?? null,
      };
    return { kind: "ignored" };
  },
};

/** Checks a token with Telegram and points its webhook here: the bot, or why not. */
async function connectTelegram(
  base: string | undefined,
  token: string,
  webhook: { url: string; secret: string },
): Promise<
  { ok: true; bot: z.infer<typeof BotIdentity> } | { ok: false; code: "bad_request" | "conflict"; message: string }
> {
  if (!TELEGRAM_TOKEN.test(token))
    return {
      ok: false,
      code: "bad_request",
      message: "that is not a Telegram bot token: @BotFather gives one like 123456:ABC-…",
    };
  const bot = await whoIsToken(telegram, base, token, { method: "getMe", body: {} }, BotIdentity);
  if (!bot.ok) return bot;
  const hooked = await telegram.call(base, token, {
    method: "setWebhook",
    body: { url: webhook.url, secret_token: webhook.secret, allowed_updates: ["message", "callback_query"] },
  });
  if (!hooked.ok)
    return {
      ok: false,
      code: "conflict",
      message: `Telegram refused this server's webhook (${hooked.description}): it must be reachable over https at ${new URL(webhook.url).origin}`,
    };
  return bot;
}
