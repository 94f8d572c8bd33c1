import { z } from "zod";
import { ChatGuests, ChatPlatform } from "../../../../../shared/protocol/chats";
import { Actor } from "../../../../../shared/protocol/principal";
import type { Sql } from "../../../../domain/sql";
import { defineRecord } from "../../../../records/codec";
import { featureStore } from "../../kernel/feature-store";

// What the chats feature keeps in the room (kernel/feature-store.ts): the connected bot, who
// linked which chat account, the approval messages it sent, the calls it still has to make.

const Ref = z.union([z.number().int(), z.string().max(64)]);

/**
 * A connected platform: the bot's token sealed (auth/seal.ts); what its requests are checked
 * with: Telegram's webhook secret as its SHA-256, Slack's signing secret sealed, and the Slack
 * workspace (`teamId`) whose requests alone count.
 */
const Connection = z.object({
  platform: ChatPlatform,
  botId: z.string().max(64),
  botUsername: z.string().max(256),
  botName: z.string().max(256),
  sealedToken: z.string().max(1000),
  secretHash: z.string().length(64).nullable(),
  sealedSigningSecret: z.string().max(1000).nullable(),
  teamId: z.string().max(64).nullable(),
  /** Where the platform sends its requests (Slack's Request URL, Telegram's webhook). */
  requestUrl: z.string().max(300),
  connectedBy: Actor,
  connectedAt: z.number(),
  lastError: z.string().max(300).nullable(),
});
export type Connection = z.infer<typeof Connection>;
export const connections = featureStore(defineRecord("chat connection", Connection));

/** A one-time code a person sends the bot to link their account (kept by its SHA-256). */
const LinkCode = z.object({
  platform: ChatPlatform,
  principalId: z.string().max(200),
  name: z.string().max(200),
  expiresAt: z.number(),
});
export const linkCodes = featureStore(defineRecord("chat link code", LinkCode));
export const LINK_CODE_TTL_MS = 10 * 60 * 1000;

/** A person's chat account, keyed `<platform>:<user id>`; `chatId` is their private chat with the bot. */
const Link = z.object({
  principalId: z.string().max(200),
  name: z.string().max(200),
  chatId: Ref,
  handle: z.string().max(128),
  linkedAt: z.number(),
});
export type Link = z.infer<typeof Link>;
export const links = featureStore(defineRecord("chat link", Link));

export const linkKey = (platform: ChatPlatform, userId: string): string => `${platform}:${userId}`;

/** The links of one platform, with the chat user each is. */
export const linksOf = (sql: Sql, platform: ChatPlatform): { userId: string; link: Link }[] =>
  links.entries(sql, `${platform}:`).map(({ key, value }) => ({ userId: key.slice(platform.length + 1), link: value }));

/**
 * An approval's message to one person, keyed by the random key its buttons carry: the only
 * thing a press names, so a press for another workspace's message (or a made-up one) finds
 * nothing here. `messageId` once the platform took it; `notePrompt` while a note is asked for.
 */
const ApprovalMessage = z.object({
  platform: ChatPlatform,
  approvalId: z.string().max(200),
  principalId: z.string().max(200),
  chatId: Ref,
  messageId: Ref.nullable(),
  notePrompt: Ref.nullable(),
  text: z.string().max(4096),
});
export type ApprovalMessage = z.infer<typeof ApprovalMessage>;
export const approvalMessages = featureStore(defineRecord("chat approval message", ApprovalMessage));
/** How long an approval's messages are kept (a late press still finds it decided). */
export const MESSAGE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * A thread bound to a chat, keyed `<platform>:<chat id>` (store.ts `bindingKey`): what is said
 * there arrives in `threadId`, the thread's messages go there.
 */
const Binding = z.object({
  platform: ChatPlatform,
  chatId: Ref,
  threadId: z.string().max(200),
  chatTitle: z.string().max(256),
  boundBy: Actor,
  boundAt: z.number(),
  /** Who is answered there (bindings made before protocol 19 have none: everyone, guests in the thread only). */
  guests: ChatGuests.default("answer"),
});
export type Binding = z.infer<typeof Binding>;
export const bindings = featureStore(defineRecord("chat binding", Binding));
export const bindingKey = (platform: ChatPlatform, chat: string | number): string => `${platform}:${chat}`;

/**
 * Guests told, in a chat set to linked people only, that their words are not posted there,
 * keyed `<binding key>:<account id>`: each is told once while the chat stays bound so.
 */
export const guestsTurnedAway = featureStore(defineRecord("chat guest turned away", z.object({})));

/**
 * Runs waiting on a person whose bound chat was told that what is said there waits behind
 * them, keyed by run id (conversations.ts `waited`): told once per run.
 */
export const waitNotices = featureStore(defineRecord("chat wait notice", z.object({})));
/** How long a wait notice is remembered (a run waits a day by default, thirty at most). */
export const WAIT_NOTICE_TTL_MS = 31 * 24 * 60 * 60 * 1000;

/**
 * A reply shown in a bound chat while it streams, keyed `s:<run id>` (the outbox's `message`):
 * sent with what had streamed, edited as more comes and with the reply once it is complete.
 */
const StreamMessage = z.object({
  platform: ChatPlatform,
  chatId: Ref,
  messageId: Ref.nullable(),
});
export const streamMessages = featureStore(defineRecord("chat stream message", StreamMessage));
/** How long a streamed reply's message is kept (a run cut by a restart leaves one without its reply). */
export const STREAM_TTL_MS = 24 * 60 * 60 * 1000;

/** A one-time code that binds a thread to the chat it is sent in (kept by its SHA-256 of `bind:<platform>:<code>`). */
const BindCode = z.object({
  platform: ChatPlatform,
  threadId: z.string().max(200),
  by: Actor,
  expiresAt: z.number(),
});
export const bindCodes = featureStore(defineRecord("chat bind code", BindCode));

/** Updates already handled, by `<platform>:<update id>`: a replayed one changes nothing (Telegram retries for a day). */
const Seen = z.object({});
export const seenUpdates = featureStore(defineRecord("chat update seen", Seen));
export const SEEN_TTL_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * A press waiting to be decided, keyed by its `dedupe` (`<platform>:<interaction id>`): written
 * in the commit that marks it seen, before the platform is answered, and deleted once its
 * decision was made (inbound.ts). A room that restarts meanwhile decides it on its start; the
 * decision's idempotency key is the press's, so deciding it again decides nothing more.
 */
const QueuedPress = z.object({
  platform: ChatPlatform,
  account: z.object({ id: z.string().max(64), handle: z.string().max(128) }),
  data: z.string().max(64),
  chat: Ref,
  pressId: z.string().max(200),
});
export const pressQueue = featureStore(defineRecord("chat press queued", QueuedPress));

/**
 * A message a platform sent, queued in the commit that marks it seen and read after the platform
 * was answered, in the order it came (the key: a zero-padded sequence); it leaves the queue once
 * read. What it says is clipped as the platforms' parses clip it.
 */
const QueuedMessage = z.object({
  platform: ChatPlatform,
  dedupe: z.string().max(200),
  account: z.object({ id: z.string().max(64), handle: z.string().max(128) }),
  chat: Ref,
  direct: z.boolean(),
  chatTitle: z.string().max(256),
  text: z.string().max(4096),
  replyTo: Ref.nullable(),
});
export type QueuedMessage = z.infer<typeof QueuedMessage>;
export const messageQueue = featureStore(defineRecord("chat message queued", QueuedMessage));

/** Queues a message after every message queued before it. */
export function enqueueMessage(sql: Sql, message: QueuedMessage, now: number): void {
  const n = counters.get(sql, "messages")?.next ?? 0;
  counters.put(sql, "messages", { next: n + 1 }, now);
  messageQueue.put(sql, String(n).padStart(12, "0"), message, now);
}

/**
 * A call to a platform the room still has to make, in order (the key is a zero-padded
 * sequence): a message to send (with buttons: an approval's, whose key is `message`), an
 * approval message to edit, a note to ask for about one. The platform's call is made from it
 * when it is due (platform.ts), with the message's id as the platform gave it by then.
 */
const Outgoing = z.object({
  platform: ChatPlatform,
  op: z.enum(["send", "edit", "askNote"]),
  chat: Ref.nullable(),
  text: z.string().max(4096),
  buttons: z
    .array(
      z
        .array(
          z.object({
            text: z.string().max(64),
            data: z.string().max(64),
            style: z.enum(["primary", "danger"]).optional(),
          }),
        )
        .max(5),
    )
    .max(5)
    .nullable(),
  message: z.string().max(64).nullable(),
  attempts: z.number().int(),
  firstTriedAt: z.number().nullable(),
  nextAt: z.number(),
});
export type Outgoing = z.infer<typeof Outgoing>;
export const outbox = featureStore(defineRecord("chat outbox", Outgoing));
const Counter = z.object({ next: z.number().int() });
const counters = featureStore(defineRecord("chat outbox counter", Counter));

/** A call as it is queued (its attempts are the outbox's). */
export type Queued = Omit<Outgoing, "attempts" | "firstTriedAt" | "nextAt">;

/** A plain message to `chat`: no buttons, nothing to edit later. */
export const sendTo = (platform: ChatPlatform, chat: string | number, text: string): Queued => ({
  platform,
  op: "send",
  chat,
  text,
  buttons: null,
  message: null,
});

/** Queues a call, after every call queued before it. */
export function enqueue(sql: Sql, call: Queued, now: number): void {
  const n = counters.get(sql, "outbox")?.next ?? 0;
  counters.put(sql, "outbox", { next: n + 1 }, now);
  outbox.put(sql, String(n).padStart(12, "0"), { ...call, attempts: 0, firstTriedAt: null, nextAt: now }, now);
}
