import { cutText } from "../../../../../shared/clip";
import { AUTOPILOT_ID } from "../../../../../shared/people";
import type { ChatBinding, ChatGuests, ChatPlatform } from "../../../../../shared/protocol/chats";
import { MAX_CHAT_BINDINGS } from "../../../../../shared/protocol/chats";
import { MAX_MESSAGE_TEXT } from "../../../../../shared/protocol/common";
import type { Actor, Principal } from "../../../../../shared/protocol/principal";
import type { Message, Thread } from "../../../../../shared/protocol/threads";
import { hasScope } from "../../../../../shared/scopes";
import { sha256Hex } from "../../../../auth/tokens";
import { RoomError } from "../../../../domain/errors";
import type { OpContext } from "../../kernel/commit";
import { getThread } from "../threads";
import { ALL_SCOPES, type ChatParts } from "./bot";
import { clip, type Inbound } from "./platform";
import {
  type Binding,
  bindCodes,
  bindingKey,
  bindings,
  type Connection,
  enqueue,
  guestsTurnedAway,
  linkKey,
  links,
  outbox,
  sendTo,
  STREAM_TTL_MS,
  streamMessages,
  WAIT_NOTICE_TTL_MS,
  waitNotices,
} from "./store";

type Said = Extract<Inbound, { kind: "message" }>;

/** `/bind CODE` in Telegram (`/bind@bot CODE` in a group), `bind CODE` in Slack. */
const BIND = /^\/?bind(?:@\w+)?\s+([A-Za-z0-9]{8})$/i;
const BIND_CODE_TTL_MS = 10 * 60 * 1000;

/** What a chat is told when its words queue behind a run that waits on a person's approval. */
const WAITS_FOR_A_PERSON =
  "The Autopilot waits for a person of the workspace to decide something it asked for, in the app; it answers this once that is decided.";

/** How often a streaming reply's message in a chat is edited, at most (the platforms limit edits). */
const STREAM_EDIT_MS = 1500;

/**
 * Threads bound to chats (docs/chats.md, "Conversations"). An owner or admin makes a code in
 * the app and sends it in the chat (the bot must be in it); from then on what is said there
 * arrives in the thread, as the linked person who said it (their access read from D1 at that
 * moment) or as a guest, who decides nothing and whose words the Autopilot answers for the
 * person who bound the thread. Every other message of the thread (the Autopilot's replies, a
 * gateway's, people's in the app) goes to the chat through the outbox, once, after its
 * commit, so a restart or the platform's outage delays it and never doubles or loses it.
 */
export class ChatConversations {
  /** The bindings by thread: read on each message of the room, so kept in memory, written through. */
  #byThread: Map<string, Binding> | null = null;
  /** Replies streaming into bound threads, by run: their text so far and when the chat was last told. */
  readonly #streams = new Map<string, { text: string; toldAt: number }>();

  constructor(private readonly parts: ChatParts) {}

  /** Says `text` in `chat`, through the outbox. */
  reply(platform: ChatPlatform, chat: string | number, text: string): void {
    this.parts.s.commit(null, (ctx) => enqueue(ctx.sql, sendTo(platform, chat, text), ctx.now));
    this.parts.outbox.drain();
  }

  #all(): Map<string, Binding> {
    this.#byThread ??= new Map(bindings.entries(this.parts.s.sql).map(({ value }) => [value.threadId, value]));
    return this.#byThread;
  }

  /** The bindings as the app shows them. */
  list(): ChatBinding[] {
    return [...this.#all().values()]
      .sort((a, b) => a.boundAt - b.boundAt)
      .map(({ threadId, platform, chatTitle, boundBy, boundAt, guests }) => ({
        threadId,
        platform,
        chatTitle,
        boundBy,
        boundAt,
        guests,
      }));
  }

  /**
   * Who is answered in `threadId`'s chat (`chats.bindingAccess`); the chat is told in words.
   * Set back to everyone, the guests turned away meanwhile would be told again next time.
   */
  setGuests(ctx: OpContext, threadId: string, guests: ChatGuests): void {
    const binding = this.#all().get(threadId);
    if (!binding) throw new RoomError("not_found", "this thread is not bound to a chat", { threadId });
    if (binding.guests === guests) return;
    const key = bindingKey(binding.platform, binding.chatId);
    bindings.put(ctx.sql, key, { ...binding, guests }, ctx.now);
    this.#byThread = null;
    forgetTurnedAway(ctx, key);
    ctx.audit("chats.binding_access", threadId, { platform: binding.platform, chat: binding.chatTitle, guests });
    const text = `${clip(ctx.actor.name, 100)} changed who is answered here. ${whoIsAnswered(this.parts.platform(binding.platform).label, guests)}`;
    enqueue(ctx.sql, sendTo(binding.platform, binding.chatId, text), ctx.now);
  }

  /** A code for `threadId`, kept as its hash for ten minutes. */
  async code(principal: Principal, platform: ChatPlatform, threadId: string, code: string): Promise<number> {
    const thread = getThread(this.parts.s.sql, threadId);
    if (!thread) throw new RoomError("not_found", `no thread ${threadId}`, { threadId });
    if (thread.archived) throw new RoomError("conflict", "the thread is archived: restore it first", { threadId });
    const codeHash = await sha256Hex(`bind:${platform}:${code}`);
    const expiresAt = Date.now() + BIND_CODE_TTL_MS;
    const by: Actor = { id: principal.id, kind: principal.kind, name: principal.name };
    this.parts.s.commit(principal, (ctx) => {
      bindCodes.deleteWrittenBefore(ctx.sql, ctx.now - BIND_CODE_TTL_MS);
      bindCodes.put(ctx.sql, codeHash, { platform, threadId, by, expiresAt }, ctx.now);
    });
    return expiresAt;
  }

  /** Unbinds `threadId` in `ctx` (the app's unbind, a disconnect); the chat is told. */
  unbind(ctx: OpContext, threadId: string, why: string): boolean {
    const binding = this.#all().get(threadId);
    if (!binding) return false;
    bindings.delete(ctx.sql, bindingKey(binding.platform, binding.chatId));
    forgetTurnedAway(ctx, bindingKey(binding.platform, binding.chatId));
    this.#byThread = null;
    const thread = getThread(ctx.sql, threadId);
    const text = `This chat is no longer bound to the thread “${clip(thread?.title ?? threadId, 100)}”: ${why}`;
    enqueue(ctx.sql, sendTo(binding.platform, binding.chatId, text), ctx.now);
    ctx.audit("chats.unbound", threadId, { platform: binding.platform, chat: binding.chatTitle });
    return true;
  }

  /** Forgets the bindings of a disconnected platform (nothing can be sent there any more). */
  forget(ctx: OpContext, platform: ChatPlatform): void {
    for (const { key, value } of bindings.entries(ctx.sql, `${platform}:`)) {
      bindings.delete(ctx.sql, key);
      forgetTurnedAway(ctx, key);
      ctx.audit("chats.unbound", value.threadId, { platform, chat: value.chatTitle });
    }
    this.#byThread = null;
  }

  /**
   * A message in a chat that is not about links or notes: a bind code, or words in a bound
   * chat. False when it is neither (the chat is not bound).
   */
  async said(connection: Connection, said: Said): Promise<boolean> {
    const bind = BIND.exec(said.text);
    if (bind) {
      await this.#bind(connection, said, bind[1]!.toUpperCase());
      return true;
    }
    const binding = bindings.get(this.parts.s.sql, bindingKey(connection.platform, said.chat));
    if (!binding) return false;
    if (said.text) await this.#post(connection, binding, said);
    return true;
  }

  async #bind(connection: Connection, said: Said, code: string): Promise<void> {
    const { s } = this.parts;
    const { platform } = connection;
    const codeHash = await sha256Hex(`bind:${platform}:${code}`);
    const found = bindCodes.get(s.sql, codeHash);
    const thread = found ? getThread(s.sql, found.threadId) : null;
    if (!found || !thread || found.platform !== platform || found.expiresAt <= Date.now())
      return this.reply(platform, said.chat, "That code is not one, or it ran out: make a new one in the app.");
    const key = bindingKey(platform, said.chat);
    const current = bindings.get(s.sql, key);
    if (current && current.threadId !== found.threadId)
      return this.reply(
        platform,
        said.chat,
        "This chat is bound to another thread already: unbind it in the app first.",
      );
    if (!current && this.#all().size >= MAX_CHAT_BINDINGS)
      return this.reply(
        platform,
        said.chat,
        `A workspace binds ${MAX_CHAT_BINDINGS} threads at most: unbind one first.`,
      );
    s.commit(null, (ctx) => {
      bindCodes.delete(ctx.sql, codeHash);
      // A thread talks with one chat: binding it here unbinds it from where it was.
      const before = this.#all().get(found.threadId);
      if (before && bindingKey(before.platform, before.chatId) !== key)
        this.unbind(ctx, found.threadId, "it was bound to another chat.");
      const binding: Binding = {
        platform,
        chatId: said.chat,
        threadId: found.threadId,
        chatTitle: clip(said.chatTitle, 256),
        boundBy: found.by,
        boundAt: ctx.now,
        guests: current?.guests ?? "answer",
      };
      bindings.put(ctx.sql, key, binding, ctx.now);
      this.#byThread = null;
      ctx.audit("chats.bound", found.threadId, { platform, chat: binding.chatTitle });
      const text = `Bound to the thread “${clip(thread.title, 100)}”: what is said here goes there, and its replies come here. ${whoIsAnswered(this.parts.platform(platform).label, binding.guests)}`;
      enqueue(ctx.sql, sendTo(platform, said.chat, text), ctx.now);
    });
    this.parts.outbox.drain();
    this.parts.changed();
  }

  /**
   * Words said in a bound chat, into its thread through `chat.send` (its checks, its hooks:
   * the Autopilot's answer, a gateway's delivery): as the linked person when the account is
   * linked and may write, else as a guest acting for the person who bound the thread.
   */
  async #post(connection: Connection, binding: Binding, said: Said): Promise<void> {
    const { s } = this.parts;
    const { platform } = connection;
    const link = links.get(s.sql, linkKey(platform, said.account.id));
    let principal: Principal;
    let onBehalfOf: Actor | undefined;
    if (link) {
      const verdict = await s.currentAccess({
        id: link.principalId,
        kind: "user",
        name: link.name,
        scopes: [...ALL_SCOPES],
      });
      if (verdict.ok && !hasScope(verdict.principal.scopes, "write"))
        return this.reply(platform, said.chat, `${link.name} may read this workspace, not write in it: not posted.`);
      principal = verdict.ok ? verdict.principal : guest(platform, this.parts.platform(platform).label, said);
      if (!verdict.ok) onBehalfOf = binding.boundBy;
    } else {
      principal = guest(platform, this.parts.platform(platform).label, said);
      onBehalfOf = binding.boundBy;
    }
    if (onBehalfOf && binding.guests === "linked-only") return this.#turnAway(binding, said);
    const { response } = await s.call(
      { principal, via: platform, ...(onBehalfOf ? { onBehalfOf } : {}) },
      "chat.send",
      {
        threadId: binding.threadId,
        text: clip(said.text, MAX_MESSAGE_TEXT),
        idempotencyKey: `${platform}-said:${said.dedupe}`.slice(0, 128),
      },
    );
    if (!response.ok) this.reply(platform, said.chat, `Not posted in the thread: ${clip(response.error.message, 200)}`);
  }

  /**
   * A bound thread changed (`thread.updated`): when its run waits on a person and words queue
   * behind it (decision 17; its `waiting`), the chat, which sees no approvals, is told once per
   * waiting run that they are answered after.
   */
  waited(thread: Thread): void {
    const binding = this.#all().get(thread.id);
    const waiting = thread.waiting;
    if (!binding || !waiting || waiting.queuedThroughN === null) return;
    const { sql } = this.parts.s;
    if (waitNotices.get(sql, waiting.runId)) return;
    this.parts.s.commit(null, (ctx) => {
      waitNotices.deleteWrittenBefore(ctx.sql, ctx.now - WAIT_NOTICE_TTL_MS);
      waitNotices.put(ctx.sql, waiting.runId, {}, ctx.now);
      enqueue(ctx.sql, sendTo(binding.platform, binding.chatId, WAITS_FOR_A_PERSON), ctx.now);
    });
    this.parts.outbox.drain();
  }

  /** A guest's words in a chat for linked people only: not posted; the guest is told once how to be answered. */
  #turnAway(binding: Binding, said: Said): void {
    const key = `${bindingKey(binding.platform, binding.chatId)}:${said.account.id}`;
    if (guestsTurnedAway.get(this.parts.s.sql, key)) return;
    const { label, command } = this.parts.platform(binding.platform);
    const link = command("link");
    const text = `${clip(said.account.handle, 60)}, only people who linked their ${label} account to the workspace are answered here, and what you said was not passed on. A member links theirs in the app (Settings › Chats), then sends me ${link} <code> in a private chat.`;
    this.parts.s.commit(null, (ctx) => {
      guestsTurnedAway.put(ctx.sql, key, {}, ctx.now);
      enqueue(ctx.sql, sendTo(binding.platform, binding.chatId, text), ctx.now);
    });
    this.parts.outbox.drain();
  }

  /**
   * A reply streaming into a bound thread (`chat.delta`): the chat gets a message with what
   * has come so far, edited at most every STREAM_EDIT_MS (and never while an edit of it still
   * waits), until the reply's message replaces it (relay).
   */
  streamed(delta: { threadId: string; runId: string; offset: number; text: string }): void {
    const binding = this.#all().get(delta.threadId);
    if (!binding || delta.runId.length > 60) return;
    const key = `s:${delta.runId}`;
    const live = this.#streams.get(key) ?? { text: "", toldAt: 0 };
    live.text = live.text.slice(0, delta.offset) + delta.text;
    this.#streams.set(key, live);
    const now = Date.now();
    if (!live.text.trim() || now - live.toldAt < STREAM_EDIT_MS) return;
    const { sql } = this.parts.s;
    const started = streamMessages.get(sql, key) !== null;
    if (started && outbox.entries(sql).some(({ value }) => value.message === key)) return;
    live.toldAt = now;
    const text = `${cutText(live.text, this.parts.platform(binding.platform).maxText - 2)} …`;
    this.parts.s.commit(null, (ctx) => {
      if (!started) {
        streamMessages.deleteWrittenBefore(ctx.sql, ctx.now - STREAM_TTL_MS);
        streamMessages.put(
          ctx.sql,
          key,
          { platform: binding.platform, chatId: binding.chatId, messageId: null },
          ctx.now,
        );
      }
      enqueue(
        ctx.sql,
        { ...sendTo(binding.platform, binding.chatId, text), ...(started ? edit(key) : { message: key }) },
        ctx.now,
      );
    });
    this.parts.outbox.drain();
  }

  /**
   * A message of a bound thread goes to its chat, unless it came from there; the Autopilot's
   * tool lines stay in the app. A reply that streamed there replaces its message. Queued in
   * its own commit right after the message's.
   */
  relay(message: Message): void {
    const binding = this.#all().get(message.threadId);
    const streamKey = message.runId ? `s:${message.runId}` : null;
    if (streamKey) this.#streams.delete(streamKey);
    if (!binding || message.fromChat === binding.platform || message.kind === "tool") return;
    const ownVoice = message.author.id === AUTOPILOT_ID || message.author.id.startsWith("instance:");
    const files = message.attachments?.length ? `\n(${message.attachments.length} file(s) in the app)` : "";
    const body = `${message.kind === "error" ? "⚠️ " : ""}${message.text}${files}`.trim();
    if (!body) return;
    const text = ownVoice ? body : `${message.author.name}: ${body}`;
    const max = this.parts.platform(binding.platform).maxText;
    this.parts.s.commit(null, (ctx) => {
      let replaces = streamKey !== null && streamMessages.get(ctx.sql, streamKey) !== null;
      for (let rest = text; rest; ) {
        const part = cutText(rest, max);
        const call = sendTo(binding.platform, binding.chatId, part);
        enqueue(ctx.sql, replaces && streamKey ? { ...call, ...edit(streamKey) } : call, ctx.now);
        replaces = false;
        rest = rest.slice(part.length);
      }
    });
    this.parts.outbox.drain();
  }
}

/** A chat account nobody linked: it talks in the thread under its handle there, and decides nothing. */
function guest(platform: ChatPlatform, label: string, said: Said): Principal {
  return {
    id: `chat-guest:${platform}:${said.account.id}`,
    kind: "user",
    name: clip(`${said.account.handle} (${label})`, 120),
    scopes: ["read", "write"],
  };
}

/** What a bound chat is told of who is answered there (docs/chats.md, "Conversations"). */
function whoIsAnswered(label: string, guests: ChatGuests): string {
  return guests === "linked-only"
    ? `Only people who linked their ${label} account to the workspace are answered here; what anyone else says is not passed on.`
    : `People who linked their ${label} account speak as themselves. Anyone else is a guest: the Autopilot answers them using only this thread, and anything beyond it waits for a person of the workspace to approve.`;
}

/** Forgets which guests a chat turned away (it was unbound, or who is answered there changed). */
function forgetTurnedAway(ctx: OpContext, bindingKey: string): void {
  for (const { key } of guestsTurnedAway.entries(ctx.sql, `${bindingKey}:`)) guestsTurnedAway.delete(ctx.sql, key);
}

/** What makes a queued send an edit of the message `key` names. */
const edit = (key: string) => ({ op: "edit" as const, chat: null, message: key });
