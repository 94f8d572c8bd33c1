// A scripted stand-in for Telegram's Bot API (an external service) on loopback: it answers
// the calls the room makes (getMe, setWebhook, deleteWebhook, sendMessage, editMessageText,
// answerCallbackQuery) in the Bot API's own shapes, `https://api.telegram.org/bot<token>/<method>`
// with a JSON body, and keeps every call for the test to read. It plays Telegram's side of the
// webhook too: `update` posts an Update to the URL and with the secret the room set. For a bot
// that long-polls instead (an OpenClaw gateway's Telegram channel), `queueMessage` holds a
// person's message until the bot's next `getUpdates` takes it, as Telegram does.
import { type StandinServer, serveStandin } from "./standin-server";
import { expect } from "vitest";
import type { AutopilotClient } from "../src/client";
import { until } from "./e2e-helpers";

export interface BotCall {
  token: string;
  method: string;
  body: Record<string, unknown> & { chat_id?: number; text?: string; reply_markup?: unknown };
  /** The id the stand-in gave the message it sent (sendMessage). */
  messageId?: number;
  /** Refused as Telegram does when it is down: it never reached anyone. */
  refused?: boolean;
}

interface Bot {
  id: number;
  username: string;
  name: string;
}

export interface TelegramUser {
  id: number;
  is_bot: false;
  first_name: string;
  username: string;
}

export const telegramUser = (id: number, name: string): TelegramUser => ({
  id,
  is_bot: false,
  first_name: name,
  username: `${name.toLowerCase()}_tg`,
});

export class TelegramStandIn {
  readonly calls: BotCall[] = [];
  /** While set, every call fails as Telegram does when it is down (502). */
  down = false;
  #server: StandinServer | undefined;
  #bots = new Map<string, Bot>();
  #messageId = 1000;
  #updateId = 5000;
  #callbackId = 9000;
  /** Updates a long-polling bot has not taken yet, by its token. */
  #queued = new Map<string, Record<string, unknown>[]>();
  /** `getUpdates` calls held open until an update arrives (or their timeout). */
  #polls = new Set<{ token: string; answer: () => void; timer: ReturnType<typeof setTimeout> }>();
  url = "";

  /** A bot this stand-in knows, by its token. */
  addBot(token: string, bot: Bot): void {
    this.#bots.set(token, bot);
  }

  async start(): Promise<void> {
    this.#server = await serveStandin((req, text, reply) => {
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? "");
      if (!match) return reply(404, { ok: false, error_code: 404, description: "Not Found" });
      const [, token, method] = match as unknown as [string, string, string];
      let body: BotCall["body"] = {};
      try {
        body = JSON.parse(text || "{}");
      } catch {
        return reply(400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" });
      }
      const call: BotCall = { token, method, body };
      this.calls.push(call);
      call.refused = this.down;
      if (this.down) return reply(502, { ok: false, error_code: 502, description: "Bad Gateway" });
      const bot = this.#bots.get(token);
      if (!bot) return reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
      const chat = { id: body.chat_id, type: "private" };
      switch (method) {
        case "getMe":
          return reply(200, {
            ok: true,
            result: { id: bot.id, is_bot: true, first_name: bot.name, username: bot.username },
          });
        case "setWebhook":
          return reply(200, { ok: true, result: true, description: "Webhook was set" });
        case "deleteWebhook":
          return reply(200, { ok: true, result: true, description: "Webhook was deleted" });
        case "sendMessage":
          this.#messageId += 1;
          call.messageId = this.#messageId;
          return reply(200, {
            ok: true,
            result: { message_id: this.#messageId, chat, date: Math.floor(Date.now() / 1000), text: body.text },
          });
        case "editMessageText":
          return reply(200, {
            ok: true,
            result: { message_id: body.message_id, chat, date: Math.floor(Date.now() / 1000), text: body.text },
          });
        case "answerCallbackQuery":
        // A long-polling bot's housekeeping and typing indicator: accepted, nothing to keep.
        case "sendChatAction":
        case "setMyCommands":
        case "deleteMyCommands":
        case "setMessageReaction":
          return reply(200, { ok: true, result: true });
        case "getUpdates":
          return this.#poll(token, body, reply);
        default:
          return reply(404, { ok: false, error_code: 404, description: "Not Found: method not found" });
      }
    });
    this.url = this.#server.url;
  }

  stop(): Promise<void> {
    for (const poll of this.#polls) poll.answer();
    return this.#server?.stop() ?? Promise.resolve();
  }

  /**
   * `getUpdates` as Telegram answers it: the queued updates from `offset` on (the ones before it
   * are confirmed, so dropped), at once if there are any, else when one arrives or the poll's
   * `timeout` (seconds) runs out, with none.
   */
  #poll(token: string, body: BotCall["body"], reply: (status: number, body: unknown) => void): void {
    const offset = typeof body.offset === "number" ? body.offset : 0;
    const queue = (this.#queued.get(token) ?? []).filter((u) => Number(u.update_id) >= offset);
    this.#queued.set(token, queue);
    if (queue.length > 0) return reply(200, { ok: true, result: queue });
    const seconds = typeof body.timeout === "number" ? Math.min(Math.max(body.timeout, 0), 50) : 0;
    const poll = {
      token,
      answer: () => {
        clearTimeout(poll.timer);
        this.#polls.delete(poll);
        reply(200, { ok: true, result: this.#queued.get(token) ?? [] });
      },
      timer: setTimeout(() => poll.answer(), seconds * 1000),
    };
    this.#polls.add(poll);
  }

  /** A person writes to a long-polling bot in their private chat: the update waits for its next getUpdates. */
  queueMessage(token: string, from: TelegramUser, text: string): number {
    this.#messageId += 1;
    const updateId = ++this.#updateId;
    const chat = { id: from.id, type: "private", first_name: from.first_name, username: from.username };
    const message = { message_id: this.#messageId, from, chat, date: Math.floor(Date.now() / 1000), text };
    this.#queued.set(token, [...(this.#queued.get(token) ?? []), { update_id: updateId, message }]);
    for (const poll of this.#polls) if (poll.token === token) poll.answer();
    return updateId;
  }

  /** The webhook the room set for a bot: where Telegram posts updates, and the secret it sends with them. */
  webhookOf(token: string): { url: string; secret: string } {
    const set = this.calls.findLast((c) => c.token === token && c.method === "setWebhook");
    if (!set) throw new Error("no webhook was set for this bot");
    return { url: String(set.body.url), secret: String(set.body.secret_token) };
  }

  /** Posts an update as Telegram does; `secret` is the header's value (the room's, unless a test forges one). */
  async update(
    token: string,
    update: Record<string, unknown>,
    options: { secret?: string; updateId?: number; url?: string } = {},
  ): Promise<{ status: number; updateId: number; body: Record<string, unknown> }> {
    const hook = this.webhookOf(token);
    const updateId = options.updateId ?? ++this.#updateId;
    const body = { update_id: updateId, ...update };
    const res = await fetch(options.url ?? hook.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": options.secret ?? hook.secret },
      body: JSON.stringify(body),
    });
    await res.body?.cancel();
    return { status: res.status, updateId, body };
  }

  /** A person writes to the bot in their private chat. */
  say(token: string, from: TelegramUser, text: string, replyTo?: number) {
    const chat = { id: from.id, type: "private", first_name: from.first_name };
    return this.#message(token, from, chat, text, replyTo);
  }

  /** A person writes in a group the bot is in (the bot sees it with its privacy mode off). */
  sayIn(token: string, from: TelegramUser, group: { id: number; title: string }, text: string) {
    return this.#message(token, from, { id: group.id, type: "supergroup", title: group.title }, text);
  }

  #message(
    token: string,
    from: TelegramUser,
    chat: { id: number; type: string } & Record<string, unknown>,
    text: string,
    replyTo?: number,
  ) {
    this.#messageId += 1;
    return this.update(token, {
      message: {
        message_id: this.#messageId,
        from,
        chat,
        date: Math.floor(Date.now() / 1000),
        text,
        ...(replyTo !== undefined
          ? { reply_to_message: { message_id: replyTo, chat: { id: chat.id, type: chat.type } } }
          : {}),
      },
    });
  }

  /** A person presses a button under a message; returns the callback query's id with the post's outcome. */
  async press(
    token: string,
    from: TelegramUser,
    data: string,
    messageId = 1,
    options: { secret?: string; url?: string } = {},
  ) {
    const id = String(++this.#callbackId);
    const sent = await this.update(
      token,
      {
        callback_query: {
          id,
          from,
          message: { message_id: messageId, chat: { id: from.id, type: "private" }, date: 0 },
          chat_instance: "standin",
          data,
        },
      },
      options,
    );
    return { ...sent, callbackId: id };
  }

  /** Messages sent to a chat, oldest first (its id as a number or, as the gateway sends it, a string). */
  sentTo(chatId: number): BotCall[] {
    return this.calls.filter(
      (c) => c.method === "sendMessage" && String(c.body.chat_id) === String(chatId) && !c.refused,
    );
  }

  edits(chatId: number): BotCall[] {
    return this.calls.filter((c) => c.method === "editMessageText" && c.body.chat_id === chatId && !c.refused);
  }

  answers(callbackId: string): BotCall[] {
    return this.calls.filter((c) => c.method === "answerCallbackQuery" && c.body.callback_query_id === callbackId);
  }

  /** Links `who`'s Telegram account to their identity: a code from the app, sent to the bot. */
  async link(live: AutopilotClient, token: string, who: TelegramUser): Promise<string> {
    const { code, botUsername } = await live.chats.linkCode({ platform: "telegram" });
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    const before = this.sentTo(who.id).length;
    expect((await this.say(token, who, `/link ${code}`)).status).toBe(200);
    const reply = await until(() => this.sentTo(who.id)[before], `the bot's answer to ${who.first_name}`, 15_000);
    expect(reply.body.text).toContain("Linked");
    return botUsername;
  }

  /** The approval message the bot sent `chatId` about `title`, once it has. */
  approvalMessage(chatId: number, title: string): Promise<BotCall> {
    return until(
      () => this.sentTo(chatId).find((c) => String(c.body.text).includes(title) && buttonsOf(c).size > 0),
      `the approval "${title}" in chat ${chatId}`,
      20_000,
    );
  }

  /**
   * Waits until the room has handled every update sent before and made every call it queued
   * before: its answer to a new message comes after them.
   */
  async handledSoFar(token: string, who: TelegramUser): Promise<void> {
    const before = this.sentTo(who.id).length;
    await this.say(token, who, "hello");
    await until(() => this.sentTo(who.id)[before], "the bot's answer to hello", 15_000);
  }
}

/** The buttons under a sent message, by their text. */
export function buttonsOf(call: BotCall): Map<string, string> {
  const rows = (call.body.reply_markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined)
    ?.inline_keyboard;
  return new Map((rows ?? []).flat().map((b) => [b.text, b.callback_data]));
}
