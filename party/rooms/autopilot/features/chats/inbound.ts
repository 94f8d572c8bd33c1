import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import type { Principal } from "../../../../../shared/protocol/principal";
import { sha256Hex } from "../../../../auth/tokens";
import { Meter } from "../../../shared/meter";
import { getApproval } from "../approvals";
import { keyboard } from "./approval-messages";
import { ALL_SCOPES, type ChatParts, clip } from "./bot";
import {
  type ApprovalMessage,
  approvalMessages,
  type Connection,
  connections,
  enqueue,
  LINK_CODE_TTL_MS,
  type Link,
  linkCodes,
  linkKey,
  links,
  linksOf,
  type Outgoing,
  SEEN_TTL_MS,
  seenUpdates,
} from "./store";
import { callBot, handleOf, type Update, Update as UpdateSchema, WEBHOOK_SECRET } from "./telegram";

/** What the Worker answers the platform: 200 for anything handled or ignored (so it is not sent again). */
export type WebhookOutcome = { status: 200 | 401 | 404 };

/** A button's data: what it does (approve, deny, deny with a note, approve one's own) and the message's key. */
const PRESS = /^([adno]):([0-9a-f]{16})$/;
const GONE = "You are no longer a member of this workspace: nothing was decided.";

/** Equal hex digests, compared in time that does not depend on where they differ. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * What a platform sends the room, once the Worker passed it on: believed only with the secret
 * the room gave the platform, handled once per update, metered per chat account and per
 * workspace. A button press decides as the person the message was sent to, and only when the
 * account that pressed is theirs (their link) and they still have access (D1, now); a message
 * links an account with a one-time code, unlinks it, or carries a note for a denial.
 */
export class ChatInbound {
  // Per chat account and per workspace: a flood from one account, or all of them, is dropped.
  readonly #meter = new Meter(
    { scopes: ["account", "workspace"], shared: ["workspace"], requester: "account", refusalsBeforeClose: 0 },
    () => ({ account: { perSecond: 0.5, burst: 10 }, workspace: { perSecond: 5, burst: 60 } }),
  );

  constructor(private readonly parts: ChatParts) {}

  async webhook(call: { platform: ChatPlatform; secret: string; body: unknown }): Promise<WebhookOutcome> {
    const { s } = this.parts;
    const connection = connections.get(s.sql, call.platform);
    if (!connection) return { status: 404 };
    if (!WEBHOOK_SECRET.test(call.secret) || !sameHex(await sha256Hex(call.secret), connection.secretHash))
      return { status: 401 };
    const parsed = UpdateSchema.safeParse(call.body);
    if (!parsed.success) return { status: 200 };
    const update = parsed.data;
    const seenKey = `${call.platform}:${update.update_id}`;
    if (seenUpdates.get(s.sql, seenKey)) return { status: 200 };
    s.commit(null, (ctx) => {
      seenUpdates.deleteWrittenBefore(ctx.sql, ctx.now - SEEN_TTL_MS);
      seenUpdates.put(ctx.sql, seenKey, {}, ctx.now);
    });
    const account = update.callback_query?.from.id ?? update.message?.from?.id;
    if (account === undefined) return { status: 200 };
    if (!this.#meter.take({ account: String(account) }, Date.now()).ok) {
      if (update.callback_query)
        this.#answer(connection, update.callback_query.id, "Too many at once: try again in a moment.");
      return { status: 200 };
    }
    if (update.callback_query) await this.#press(connection, update.callback_query);
    else if (update.message) await this.#message(update.update_id, update.message);
    return { status: 200 };
  }

  /** Answers a button press at once (Telegram shows its text); not queued: it is worth nothing later. */
  #answer(connection: Connection, callbackId: string, text: string): void {
    const { s, apiBase, tokenOf } = this.parts;
    void s.keepAliveWhile(async () => {
      await callBot(apiBase(), await tokenOf(connection), {
        method: "answerCallbackQuery",
        body: { callback_query_id: callbackId, text: clip(text, 200) },
      });
    });
  }

  /** Queues calls to the platform in one commit (with whatever else `also` writes), then sends them. */
  #queue(
    calls: Omit<Outgoing, "attempts" | "firstTriedAt" | "nextAt">[],
    also?: Parameters<ChatParts["s"]["commit"]>[1],
  ) {
    this.parts.s.commit(null, (ctx) => {
      also?.(ctx);
      for (const call of calls) enqueue(ctx.sql, call, ctx.now);
    });
    this.parts.outbox.drain();
  }

  #reply(chatId: number, text: string) {
    return {
      platform: "telegram" as const,
      method: "sendMessage" as const,
      body: { chat_id: chatId, text },
      message: null,
    };
  }

  /** The person a link is, with the access D1 gives them now; null when they have none. */
  async #person(link: Link): Promise<Principal | null> {
    const asked = { id: link.principalId, kind: "user" as const, name: link.name, scopes: [...ALL_SCOPES] };
    const verdict = await this.parts.s.currentAccess(asked);
    return verdict.ok ? verdict.principal : null;
  }

  async #press(connection: Connection, query: NonNullable<Update["callback_query"]>): Promise<void> {
    const { sql } = this.parts.s;
    const m = PRESS.exec(query.data ?? "");
    const key = m?.[2] ?? "";
    const message = m ? approvalMessages.get(sql, key) : null;
    if (!m || !message || message.platform !== "telegram")
      return this.#answer(connection, query.id, "This button is not one of this workspace's: nothing was decided.");
    const link = links.get(sql, linkKey("telegram", query.from.id));
    if (!link || link.principalId !== message.principalId)
      return this.#answer(
        connection,
        query.id,
        "Only the person this was sent to can decide it here: nothing was decided.",
      );
    const principal = await this.#person(link);
    const edit = (text: string, reply_markup?: unknown) => ({
      platform: "telegram" as const,
      method: "editMessageText" as const,
      body: { chat_id: message.chatId, text, ...(reply_markup ? { reply_markup } : {}) },
      message: key,
    });
    if (!principal) {
      this.#queue([edit(`${message.text}\n\n${GONE}`)]);
      return this.#answer(connection, query.id, GONE);
    }
    if (m[1] === "n") {
      const approval = getApproval(sql, message.approvalId);
      if (approval?.status !== "pending") return this.#answer(connection, query.id, "It was already decided.");
      this.#queue([
        {
          platform: "telegram",
          method: "sendMessage",
          body: {
            chat_id: message.chatId,
            text: clip(`Why do you deny “${approval.title}”? Reply to this message with your note.`, 500),
            reply_markup: { force_reply: true, input_field_placeholder: "Your note" },
          },
          message: key,
        },
      ]);
      return this.#answer(connection, query.id, "Reply with your note to deny it.");
    }
    const said = await this.#decide(
      principal,
      message,
      m[1] === "d" ? "deny" : "approve",
      m[1] === "o",
      `telegram-press:${query.id}`,
    );
    if (said.needsConfirm) this.#queue([edit(message.text, keyboard(key, true))]);
    this.#answer(connection, query.id, said.text);
  }

  /** A decision as the linked person, through the one entry (approvals.resolve), as the app's. */
  async #decide(
    principal: Principal,
    message: ApprovalMessage,
    decision: "approve" | "deny",
    confirmOwn: boolean,
    idempotencyKey: string,
    note?: string,
  ): Promise<{ text: string; needsConfirm: boolean }> {
    const { response } = await this.parts.s.call({ principal, via: "telegram" }, "approvals.resolve", {
      approvalId: message.approvalId,
      decision,
      ...(note ? { note } : {}),
      ...(confirmOwn ? { confirmOwn: true } : {}),
      idempotencyKey,
    });
    if (response.ok) return { text: decision === "approve" ? "Approved." : "Denied.", needsConfirm: false };
    if (response.error.details?.needs === "confirmOwn")
      return { text: "You asked for this: press “Approve my own request” to confirm it.", needsConfirm: true };
    if (response.error.code === "already_resolved") return { text: "It was already decided.", needsConfirm: false };
    return { text: `Not decided: ${clip(response.error.message, 150)}`, needsConfirm: false };
  }

  async #message(updateId: number, message: NonNullable<Update["message"]>): Promise<void> {
    const { s } = this.parts;
    const from = message.from;
    // Only a person's private chat with the bot: the bot answers nobody in a group.
    if (!from || from.is_bot || message.chat.type !== "private") return;
    const chatId = message.chat.id;
    const words = (message.text ?? "").trim();
    const repliedTo = message.reply_to_message?.message_id;
    const prompt =
      repliedTo === undefined
        ? undefined
        : approvalMessages
            .entries(s.sql)
            .find(({ value }) => value.notePrompt === repliedTo && value.chatId === chatId);
    if (prompt && words) {
      const link = links.get(s.sql, linkKey("telegram", from.id));
      const principal = link?.principalId === prompt.value.principalId ? await this.#person(link) : null;
      const said = principal
        ? await this.#decide(principal, prompt.value, "deny", false, `telegram-note:${updateId}`, clip(words, 2000))
        : { text: GONE };
      return this.#queue([this.#reply(chatId, said.text)]);
    }
    const command = /^\/(start|link|unlink)(?:@\w+)?(?:\s+(\S+))?$/.exec(words);
    if (command?.[1] === "unlink") {
      const had = links.get(s.sql, linkKey("telegram", from.id));
      this.#queue(
        [this.#reply(chatId, had ? "Unlinked: you decide nothing here from now on." : "This account is not linked.")],
        (ctx) => {
          links.delete(ctx.sql, linkKey("telegram", from.id));
          if (had) ctx.audit("chats.unlinked", had.principalId, { platform: "telegram" });
        },
      );
      return this.parts.changed();
    }
    const code = command?.[2]?.toUpperCase() ?? "";
    if (!command || !/^[A-Z0-9]{8}$/.test(code)) {
      const help =
        "I bring a workspace's approvals here. To link your account, make a code in the app (Settings › Chats) and send /link <code>.";
      return this.#queue([this.#reply(chatId, help)]);
    }
    const codeHash = await sha256Hex(`telegram:${code}`);
    const found = linkCodes.get(s.sql, codeHash);
    if (!found || found.expiresAt <= Date.now())
      return this.#queue([this.#reply(chatId, "That code is not one, or it ran out: make a new one in the app.")]);
    const handle = handleOf(from);
    const linked = `Linked: approvals ${found.name} may decide come here, and your presses decide as ${found.name}. Send /unlink to stop.`;
    this.#queue([this.#reply(chatId, linked)], (ctx) => {
      linkCodes.delete(ctx.sql, codeHash);
      linkCodes.deleteWrittenBefore(ctx.sql, ctx.now - LINK_CODE_TTL_MS);
      // One account per person on a platform: a new link replaces their old one.
      for (const { userId, link } of linksOf(ctx.sql, "telegram"))
        if (link.principalId === found.principalId) links.delete(ctx.sql, linkKey("telegram", userId));
      const link = { principalId: found.principalId, name: found.name, chatId, handle, linkedAt: ctx.now };
      links.put(ctx.sql, linkKey("telegram", from.id), link, ctx.now);
      ctx.audit("chats.linked", found.principalId, { platform: "telegram", handle });
    });
    this.parts.changed();
  }
}
