import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import type { Principal } from "../../../../../shared/protocol/principal";
import { sha256Hex } from "../../../../auth/tokens";
import { Meter } from "../../../shared/meter";
import type { OpContext } from "../../kernel/commit";
import { isOwnApproval } from "../../../../../shared/approval-policy";
import { getApproval } from "../approvals";
import { decisionButtons } from "./approval-messages";
import { ALL_SCOPES, type ChatParts } from "./bot";
import type { ChatConversations } from "./conversations";
import { clip, type Inbound, type WebhookRequest } from "./platform";
import {
  type ApprovalMessage,
  approvalMessages,
  type Connection,
  connections,
  enqueue,
  enqueueMessage,
  LINK_CODE_TTL_MS,
  type Link,
  linkCodes,
  linkKey,
  links,
  linksOf,
  messageQueue,
  pressQueue,
  type Queued,
  SEEN_TTL_MS,
  seenUpdates,
  sendTo,
} from "./store";

/** What the Worker answers the platform: 200 for anything handled or ignored (so it is not sent again). */
export type WebhookOutcome = { status: 200 | 401 | 404; json?: Record<string, unknown> };

/** A button's data: what it does (approve, deny, deny with a note, approve one's own) and the message's key. */
const PRESS = /^([adno]):([0-9a-f]{16})$/;
/** `/link CODE` in Telegram (or `/start CODE` from the bot's link), `link CODE` in Slack (whose `/` is its own). */
const COMMAND = /^\/?(start|link|unlink)(?:@\w+)?(?:\s+(\S+))?$/i;
const GONE = "You are no longer a member of this workspace: nothing was decided.";
/** How long a decision the approval's owner cannot take yet is asked again. */
const RETRY_FOR_MS = 60_000;
/** A press's answer while its decision is still on its way. */
const DECIDING = "Deciding… the message will show the outcome.";

type Press = Extract<Inbound, { kind: "press" }>;
type Said = Extract<Inbound, { kind: "message" }>;

/**
 * What a platform sends the room, once the Worker passed it on: believed only when it proves
 * itself (Telegram's secret the room gave it, Slack's signature with its timestamp), handled
 * once (its update or event id, its press), metered per chat account and per workspace. A
 * press decides as the person its message was sent to, and only when the account that pressed
 * is theirs (their link) and they still have access (D1, now); a message links an account with
 * a one-time code, unlinks it, or carries a note for a denial.
 */
export class ChatInbound {
  // Per chat account and per workspace: a flood from one account, or all of them, is dropped.
  readonly #meter = new Meter(
    { scopes: ["account", "workspace"], shared: ["workspace"], requester: "account", refusalsBeforeClose: 0 },
    () => ({ account: { perSecond: 0.5, burst: 10 }, workspace: { perSecond: 5, burst: 60 } }),
  );

  /** The queued presses being decided now, by their key. */
  readonly #deciding = new Set<string>();
  /** Whether the queued messages are being read now (one reader: they are read in order). */
  #reading = false;

  constructor(
    private readonly parts: ChatParts,
    private readonly conversations: ChatConversations,
  ) {}

  #proven(connection: Connection, request: WebhookRequest): Promise<boolean> {
    return this.parts.platform(connection.platform).proven(request, {
      secretHash: connection.secretHash,
      signingSecret: () => this.parts.signingSecretOf(connection),
    });
  }

  async webhook(call: { platform: ChatPlatform; request: WebhookRequest }): Promise<WebhookOutcome> {
    const { s } = this.parts;
    const connection = connections.get(s.sql, call.platform);
    if (!connection) return { status: 404 };
    if (!(await this.#proven(connection, call.request))) return { status: 401 };
    const api = this.parts.platform(call.platform);
    const news = api.parse(call.request, connection.teamId);
    if (news.kind === "answer") return { status: 200, json: news.json };
    if (news.kind === "ignored") return { status: 200 };
    const ack = api.acknowledge?.(news);
    const handled: WebhookOutcome = ack ? { status: 200, json: ack } : { status: 200 };
    if (seenUpdates.get(s.sql, news.dedupe)) return handled;
    const metered = this.#meter.take({ account: `${call.platform}:${news.account.id}` }, Date.now()).ok;
    // A press or a message is queued in the commit that marks it seen, and the platform is
    // answered at once: Slack gives up on a request not acknowledged within 3 s, and what it
    // sets off (a decision, a note's denial) may wait on the gateway it decides for far longer.
    s.commit(null, (ctx) => {
      seenUpdates.deleteWrittenBefore(ctx.sql, ctx.now - SEEN_TTL_MS);
      seenUpdates.put(ctx.sql, news.dedupe, {}, ctx.now);
      if (!metered) return;
      if (news.kind === "press") {
        const { account, data, chat, pressId } = news;
        pressQueue.put(ctx.sql, news.dedupe, { platform: call.platform, account, data, chat, pressId }, ctx.now);
      } else {
        const { dedupe, account, chat, direct, chatTitle, text, replyTo } = news;
        const said = {
          dedupe,
          account,
          chat,
          direct,
          chatTitle: clip(chatTitle, 256),
          text: clip(text, 4096),
          replyTo,
        };
        enqueueMessage(ctx.sql, { platform: call.platform, ...said }, ctx.now);
      }
    });
    if (!metered) {
      if (news.kind === "press") this.#answer(connection, news, "Too many at once: try again in a moment.");
      return handled;
    }
    if (news.kind === "press") this.decideQueued();
    else this.readQueued();
    return handled;
  }

  /**
   * Reads the queued messages one after another, in the order they came (a chat's words reach
   * its thread in order), with the room held awake; each leaves the queue once read. Called
   * after a message was queued, and on the room's start for what a restart cut.
   */
  readQueued(): void {
    if (this.#reading) return;
    this.#reading = true;
    const { s } = this.parts;
    void s
      .keepAliveWhile(async () => {
        for (let next = messageQueue.entries(s.sql)[0]; next; next = messageQueue.entries(s.sql)[0]) {
          const { key, value } = next;
          try {
            const connection = connections.get(s.sql, value.platform);
            const { platform: _platform, ...said } = value;
            if (connection) await this.#message(connection, { kind: "message", ...said });
          } finally {
            s.commit(null, (ctx) => messageQueue.delete(ctx.sql, key));
          }
        }
      })
      .finally(() => {
        this.#reading = false;
      });
  }

  /**
   * Decides the queued presses not already being decided, each on its own (one waiting on a
   * slow gateway holds up no other), with the room held awake; each leaves the queue once
   * decided. Called after a press was queued, and on the room's start for what a restart cut.
   */
  decideQueued(): void {
    const { s } = this.parts;
    for (const { key, value } of pressQueue.entries(s.sql)) {
      if (this.#deciding.has(key)) continue;
      this.#deciding.add(key);
      void s
        .keepAliveWhile(async () => {
          try {
            const connection = connections.get(s.sql, value.platform);
            if (connection) await this.#press(connection, { kind: "press", dedupe: key, ...value });
          } finally {
            s.commit(null, (ctx) => pressQueue.delete(ctx.sql, key));
          }
        })
        .finally(() => this.#deciding.delete(key));
    }
  }

  /** Answers a press at once, to the presser only; not queued: it is worth nothing later. */
  #answer(connection: Connection, press: Press, text: string): void {
    const { s, apiBase, tokenOf } = this.parts;
    const api = this.parts.platform(connection.platform);
    void s.keepAliveWhile(async () => {
      await api.call(apiBase(connection.platform), await tokenOf(connection), api.answer(press, clip(text, 200)));
    });
  }

  /** Queues calls to the platform in one commit (with whatever else `also` writes), then makes them. */
  #queue(calls: Queued[], also?: (ctx: OpContext) => void): void {
    this.parts.s.commit(null, (ctx) => {
      also?.(ctx);
      for (const call of calls) enqueue(ctx.sql, call, ctx.now);
    });
    this.parts.outbox.drain();
  }

  /** The person a link is, with the access D1 gives them now; null when they have none. */
  async #person(link: Link): Promise<Principal | null> {
    const asked = { id: link.principalId, kind: "user" as const, name: link.name, scopes: [...ALL_SCOPES] };
    const verdict = await this.parts.s.currentAccess(asked);
    return verdict.ok ? verdict.principal : null;
  }

  async #press(connection: Connection, press: Press): Promise<void> {
    const { sql } = this.parts.s;
    const { platform } = connection;
    const m = PRESS.exec(press.data);
    const key = m?.[2] ?? "";
    const message = m ? approvalMessages.get(sql, key) : null;
    if (!m || !message || message.platform !== platform)
      return this.#answer(connection, press, "This button is not one of this workspace's: nothing was decided.");
    const link = links.get(sql, linkKey(platform, press.account.id));
    if (!link || link.principalId !== message.principalId)
      return this.#answer(
        connection,
        press,
        "Only the person this was sent to can decide it here: nothing was decided.",
      );
    // Where the press cannot wait for its answer as long as its decision may take, it is told
    // it is being decided; its message then shows the outcome, as every message of the approval does.
    const { answerWithinMs } = this.parts.platform(platform);
    let answered = false;
    const deciding =
      answerWithinMs === null
        ? undefined
        : setTimeout(() => {
            answered = true;
            this.#answer(connection, press, DECIDING);
          }, answerWithinMs);
    const reply = (text: string) => {
      clearTimeout(deciding);
      if (!answered) this.#answer(connection, press, text);
      answered = true;
    };
    const principal = await this.#person(link);
    /** The message edited to `text`, with no buttons or with the decision's (`own`: the confirm of one's own request). */
    const edit = (text: string, own?: boolean): Queued => ({
      platform,
      op: "edit",
      chat: null,
      text,
      buttons: own === undefined ? null : decisionButtons(key, own),
      message: key,
    });
    if (!principal) {
      this.#queue([edit(`${message.text}\n\n${GONE}`)]);
      return reply(GONE);
    }
    if (m[1] === "n") {
      const approval = getApproval(sql, message.approvalId);
      if (approval?.status !== "pending") return reply("It was already decided.");
      const ask = clip(`Why do you deny “${approval.title}”? Reply to this message with your note.`, 500);
      this.#queue([{ platform, op: "askNote", chat: null, text: ask, buttons: null, message: key }]);
      return reply("Reply with your note to deny it.");
    }
    const decision = m[1] === "d" ? "deny" : "approve";
    const late = () => answered;
    const said = await this.#decide(principal, message, decision, m[1] === "o", `${platform}-press:${press.pressId}`, {
      patient: true,
    });
    if (said.needsConfirm) this.#queue([edit(late() ? `${message.text}\n\n${said.text}` : message.text, true)]);
    else if (said.failed) {
      // Nothing was decided: the message says why and keeps its buttons, to press again.
      const approval = getApproval(sql, message.approvalId);
      if (approval?.status === "pending")
        this.#queue([edit(`${message.text}\n\n${said.text}`, isOwnApproval(approval, principal.id))]);
    }
    reply(said.text);
  }

  /** A decision as the linked person, through the one entry (approvals.resolve), as the app's. */
  async #decide(
    principal: Principal,
    message: ApprovalMessage,
    decision: "approve" | "deny",
    confirmOwn: boolean,
    idempotencyKey: string,
    { note, patient = false }: { note?: string; patient?: boolean } = {},
  ): Promise<{ text: string; needsConfirm: boolean; failed?: true }> {
    const ask = () =>
      this.parts.s.call({ principal, via: message.platform }, "approvals.resolve", {
        approvalId: message.approvalId,
        decision,
        ...(note ? { note } : {}),
        ...(confirmOwn ? { confirmOwn: true } : {}),
        idempotencyKey: idempotencyKey.slice(0, 128),
      });
    let { response } = await ask();
    // What it decides for cannot take it yet (a gateway reconnecting after a restart, another
    // decision of the same request on its way): asked again shortly, for a while.
    // Only a press is patient: it was answered already; a note is answered as it is decided.
    for (let waited = 0; patient && !response.ok && response.error.code === "unavailable" && waited < RETRY_FOR_MS; ) {
      const wait = Math.min(Math.max(response.error.retryAfterMs ?? 2_000, 300), 5_000);
      await new Promise((resolve) => setTimeout(resolve, wait));
      waited += wait;
      ({ response } = await ask());
    }
    if (response.ok) return { text: decision === "approve" ? "Approved." : "Denied.", needsConfirm: false };
    if (response.error.details?.needs === "confirmOwn")
      return { text: "You asked for this: press “Approve my own request” to confirm it.", needsConfirm: true };
    if (response.error.code === "already_resolved") return { text: "It was already decided.", needsConfirm: false };
    return { text: `Not decided: ${clip(response.error.message, 150)}`, needsConfirm: false, failed: true };
  }

  /**
   * A message: in a person's own chat with the bot, a link, an unlink or a note first; then a
   * bind code or words in a bound chat (conversations.ts); else, in their own chat, help. The
   * bot answers nobody else in a group or channel.
   */
  async #message(connection: Connection, said: Said): Promise<void> {
    if (said.direct && (await this.#direct(connection, said))) return;
    if (await this.conversations.said(connection, said)) return;
    if (!said.direct) return;
    const how = `${this.parts.platform(connection.platform).command("link")} <code>`;
    const help = `I bring a workspace's approvals here. To link your account, make a code in the app (Settings › Chats) and send ${how}.`;
    this.#queue([sendTo(connection.platform, said.chat, help)]);
  }

  /** A note, a link or an unlink in a person's own chat with the bot; false when it is none of these. */
  async #direct(connection: Connection, said: Said): Promise<boolean> {
    const { s } = this.parts;
    const { platform } = connection;
    const { account, chat, text: words } = said;
    const prompt =
      said.replyTo === null
        ? undefined
        : approvalMessages
            .entries(s.sql)
            .find(
              ({ value }) =>
                value.platform === platform &&
                value.notePrompt === said.replyTo &&
                String(value.chatId) === String(chat),
            );
    if (prompt && words) {
      const link = links.get(s.sql, linkKey(platform, account.id));
      const principal = link?.principalId === prompt.value.principalId ? await this.#person(link) : null;
      const answer = principal
        ? await this.#decide(principal, prompt.value, "deny", false, `${platform}-note:${said.dedupe}`, {
            note: clip(words, 2000),
          })
        : { text: GONE };
      this.#queue([sendTo(platform, chat, answer.text)]);
      return true;
    }
    const command = COMMAND.exec(words);
    if (!command) return false;
    if (command?.[1]?.toLowerCase() === "unlink") {
      const had = links.get(s.sql, linkKey(platform, account.id));
      const answer = had ? "Unlinked: you decide nothing here from now on." : "This account is not linked.";
      this.#queue([sendTo(platform, chat, answer)], (ctx) => {
        links.delete(ctx.sql, linkKey(platform, account.id));
        if (had) ctx.audit("chats.unlinked", had.principalId, { platform });
      });
      this.parts.changed();
      return true;
    }
    const code = command[2]?.toUpperCase() ?? "";
    if (!/^[A-Z0-9]{8}$/.test(code)) return false;
    const codeHash = await sha256Hex(`${platform}:${code}`);
    const found = linkCodes.get(s.sql, codeHash);
    if (!found || found.platform !== platform || found.expiresAt <= Date.now()) {
      this.#queue([sendTo(platform, chat, "That code is not one, or it ran out: make a new one in the app.")]);
      return true;
    }
    const linked = `Linked: approvals ${found.name} may decide come here, and your presses decide as ${found.name}. Send ${this.parts.platform(platform).command("unlink")} to stop.`;
    this.#queue([sendTo(platform, chat, linked)], (ctx) => {
      linkCodes.delete(ctx.sql, codeHash);
      linkCodes.deleteWrittenBefore(ctx.sql, ctx.now - LINK_CODE_TTL_MS);
      // One account per person on a platform: a new link replaces their old one.
      for (const { userId, link } of linksOf(ctx.sql, platform))
        if (link.principalId === found.principalId) links.delete(ctx.sql, linkKey(platform, userId));
      const link = {
        principalId: found.principalId,
        name: found.name,
        chatId: chat,
        handle: account.handle,
        linkedAt: ctx.now,
      };
      links.put(ctx.sql, linkKey(platform, account.id), link, ctx.now);
      ctx.audit("chats.linked", found.principalId, { platform, handle: account.handle });
    });
    this.parts.changed();
    return true;
  }
}
