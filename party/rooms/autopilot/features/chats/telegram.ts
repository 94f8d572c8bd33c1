import { z } from "zod";

// Telegram's Bot API (https://core.telegram.org/bots/api), spoken with plain `fetch`: the few
// calls the room makes (decision 059). What Telegram sends (an Update) is parsed here with
// bounds before anything in it is believed; fields the room does not use are dropped.

const DEFAULT_BASE = "https://api.telegram.org";
const CALL_TIMEOUT_MS = 10_000;

export const TELEGRAM_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;
/** The secret Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`: 1–256 of A–Z, a–z, 0–9, _ and -. */
export const WEBHOOK_SECRET = /^[A-Za-z0-9_-]{1,256}$/;
export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

const User = z.object({
  id: z.number().int().safe(),
  is_bot: z.boolean().optional(),
  first_name: z.string().max(256).optional(),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
});
export type TelegramUser = z.infer<typeof User>;
const Chat = z.object({ id: z.number().int().safe(), type: z.string().max(32) });
const Message = z.object({
  message_id: z.number().int().safe(),
  from: User.optional(),
  chat: Chat,
  text: z.string().max(4096).optional(),
  reply_to_message: z.object({ message_id: z.number().int().safe() }).optional(),
});
export const Update = z.object({
  update_id: z.number().int().safe(),
  message: Message.optional(),
  callback_query: z
    .object({
      id: z.string().max(64),
      from: User,
      message: z.object({ message_id: z.number().int().safe(), chat: Chat }).optional(),
      data: z.string().max(64).optional(),
    })
    .optional(),
});
export type Update = z.infer<typeof Update>;

/** How a user is called in the app: their @username, else their name. */
export const handleOf = (user: TelegramUser): string =>
  (user.username
    ? `@${user.username}`
    : [user.first_name, user.last_name].filter(Boolean).join(" ") || `user ${user.id}`
  ).slice(0, 128);

/** One button under a message; `data` is what Telegram sends back when it is pressed (≤ 64 bytes). */
export interface Button {
  text: string;
  callback_data: string;
}

/** A Bot API call the room makes, with its parameters. */
export type BotCall =
  | { method: "sendMessage"; body: { chat_id: number; text: string; reply_markup?: unknown } }
  | { method: "editMessageText"; body: { chat_id: number; message_id: number; text: string; reply_markup?: unknown } }
  | { method: "answerCallbackQuery"; body: { callback_query_id: string; text?: string } }
  | { method: "setWebhook"; body: { url: string; secret_token: string; allowed_updates: string[] } }
  | { method: "deleteWebhook"; body: Record<string, never> }
  | { method: "getMe"; body: Record<string, never> };

/** What a call came to: its result, or why it failed and whether trying again later may help. */
export type CallOutcome =
  | { ok: true; result: unknown }
  | { ok: false; retry: boolean; retryAfterMs?: number; description: string };

const Answer = z.object({
  ok: z.boolean(),
  result: z.unknown().optional(),
  description: z.string().max(500).optional(),
  error_code: z.number().int().optional(),
  parameters: z.object({ retry_after: z.number().int().min(0).max(86_400).optional() }).optional(),
});

/** Makes one Bot API call; never throws, and no error it returns carries the token. */
export async function callBot(base: string | undefined, token: string, call: BotCall): Promise<CallOutcome> {
  let res: Response;
  try {
    res = await fetch(`${(base || DEFAULT_BASE).replace(/\/+$/, "")}/bot${token}/${call.method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(call.body),
      redirect: "manual",
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: false, retry: true, description: `Telegram could not be reached (${scrub(String(error), token)})` };
  }
  const text = await res.text().catch(() => "");
  let answer: z.infer<typeof Answer> | null = null;
  try {
    answer = Answer.parse(JSON.parse(text.slice(0, 64 * 1024)));
  } catch {
    answer = null;
  }
  if (answer?.ok) return { ok: true, result: answer.result };
  const description = scrub(answer?.description ?? `HTTP ${res.status}`, token).slice(0, 300);
  const retryAfter = answer?.parameters?.retry_after;
  // 429 says when; 5xx and odd answers may pass; 4xx (a bad token, a blocked bot, a gone chat) will not.
  if (res.status === 429) return { ok: false, retry: true, retryAfterMs: (retryAfter ?? 5) * 1000, description };
  return { ok: false, retry: res.status >= 500 || answer === null, description };
}

const scrub = (text: string, token: string): string => (token ? text.split(token).join("<token>") : text);

/** The bot's own account, as `getMe` answers. */
export const BotIdentity = z.object({
  id: z.number().int().safe(),
  is_bot: z.literal(true),
  first_name: z.string().max(256),
  username: z.string().max(64),
});

/** The result of a `sendMessage`: the message's id, to edit it later. */
export const SentMessage = z.object({ message_id: z.number().int().safe() });
