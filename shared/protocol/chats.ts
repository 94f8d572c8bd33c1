import { z } from "zod";
import { EntityId, mutatingParams, Timestamp } from "./common";
import { CHAT_PLATFORM_NAMES } from "./chat-platforms";
import { Actor } from "./principal";

/**
 * Protocol 13: the workspace's chats (docs/chats.md). The Autopilot itself is a bot in a chat
 * platform; people link their chat account to their identity with a one-time code, and every
 * approval they may decide reaches them there with Approve and Deny buttons. A bot's token is
 * sealed in the room and never sent to a client.
 */
/** The platforms, as their entries list them (chat-platforms.ts). */
export const ChatPlatform = z.enum(CHAT_PLATFORM_NAMES);
export type ChatPlatform = z.infer<typeof ChatPlatform>;

/** A platform the workspace is connected to, as the app shows it (no secret). */
export const ChatConnection = z.object({
  platform: ChatPlatform,
  /** The bot's handle people write to (Telegram's username, without the @). */
  botUsername: z.string().max(64),
  botName: z.string().max(128),
  connectedBy: Actor,
  connectedAt: Timestamp,
  /** Messages to the platform waiting for a retry (it failed or refused them), and the last reason. */
  waiting: z.number().int().nonnegative(),
  lastError: z.string().max(300).nullable(),
  /**
   * Where the platform sends its requests: for Slack, the URL to enter as the app's Request
   * URL for Event Subscriptions and Interactivity (Telegram's is set by the room itself).
   */
  requestUrl: z.string().max(300),
});
export type ChatConnection = z.infer<typeof ChatConnection>;

/** The asking principal's own link to a platform's account. */
export const ChatLink = z.object({
  platform: ChatPlatform,
  /** How the account is called on the platform (its @username, or its name). */
  handle: z.string().max(128),
  linkedAt: Timestamp,
});
export type ChatLink = z.infer<typeof ChatLink>;

/**
 * Protocol 19: who in a bound chat is answered. `answer`: everyone; a guest (an account nobody
 * linked) is answered by a run that sees and acts only in the thread. `linked-only`: only
 * linked people; a guest's words are not posted, and the guest is told once to link an account.
 */
export const ChatGuests = z.enum(["answer", "linked-only"]);
export type ChatGuests = z.infer<typeof ChatGuests>;

/**
 * Protocol 14: a thread bound to a chat (a Slack channel, a Telegram group): what is said
 * there arrives in the thread, and the thread's messages (the Autopilot's and the gateway's
 * replies among them) go there. A thread is bound to one chat at most.
 */
export const ChatBinding = z.object({
  threadId: EntityId,
  platform: ChatPlatform,
  /** The chat as the platform names it (a group's title, a channel's id). */
  chatTitle: z.string().max(256),
  boundBy: Actor,
  boundAt: Timestamp,
  /** Protocol 19: who is answered there (absent from a server of 18: `answer`). */
  guests: ChatGuests.optional(),
});
export type ChatBinding = z.infer<typeof ChatBinding>;

/** Most threads one workspace binds to chats. */
export const MAX_CHAT_BINDINGS = 50;

export const ChatsView = z.object({
  connections: z.array(ChatConnection).max(4),
  /** The asker's own links (only people link). */
  links: z.array(ChatLink).max(4),
  /** Protocol 14: the threads bound to chats. */
  bindings: z.array(ChatBinding).max(MAX_CHAT_BINDINGS),
});
export type ChatsView = z.infer<typeof ChatsView>;

export const MAX_BOT_TOKEN_CHARS = 200;

// --- methods ---------------------------------------------------------------

export const ChatsGetParams = z.object({});
export const ChatsGetResult = z.object({ chats: ChatsView });

/**
 * A person who is an owner or admin connects the workspace to a platform with its bot's token
 * (Telegram: from @BotFather; Slack: the app's bot token and its signing secret). The room
 * checks the token with the platform, for Telegram points the bot's webhook at this server (at
 * `origin`, when it is one of the app's origins) with a secret of its own, and seals what it
 * keeps. Connecting again replaces the bot.
 */
export const ChatsConnectParams = mutatingParams({
  platform: ChatPlatform,
  botToken: z.string().trim().min(1).max(MAX_BOT_TOKEN_CHARS),
  /** Slack's signing secret: what Slack signs its requests with. */
  signingSecret: z.string().trim().min(1).max(MAX_BOT_TOKEN_CHARS).optional(),
  /** The app's origin the connecting person uses: the webhook's, when the server knows it as its own. */
  origin: z.string().max(200).optional(),
});
export const ChatsConnectResult = z.object({ chats: ChatsView });

/** Disconnects the platform: its webhook is removed, its token and every person's link to it are forgotten. */
export const ChatsDisconnectParams = mutatingParams({ platform: ChatPlatform });
export const ChatsDisconnectResult = z.object({ chats: ChatsView });

/** A one-time code a person sends to the bot (`/link <code>`) to link their chat account; it runs out after `expiresAt`. */
export const ChatsLinkCodeParams = mutatingParams({ platform: ChatPlatform });
export const ChatsLinkCodeResult = z.object({
  code: z.string().max(32),
  botUsername: z.string().max(64),
  expiresAt: Timestamp,
});
export type ChatLinkCode = z.infer<typeof ChatsLinkCodeResult>;

/** Unlinks the asker's chat account: it decides nothing from then on. */
export const ChatsUnlinkParams = mutatingParams({ platform: ChatPlatform });
export const ChatsUnlinkResult = z.object({ chats: ChatsView });

/**
 * Protocol 14: a one-time code an owner or admin sends in a chat where the bot is (`/bind
 * <code>` in a Telegram group, `bind <code>` in a Slack channel) to bind `threadId` to it.
 */
export const ChatsBindCodeParams = mutatingParams({
  platform: ChatPlatform,
  threadId: EntityId,
});
export const ChatsBindCodeResult = ChatsLinkCodeResult;

/** Protocol 19: an owner or admin (a person) sets who is answered in the thread's bound chat. */
export const ChatsBindingAccessParams = mutatingParams({
  threadId: EntityId,
  guests: ChatGuests,
});
export const ChatsBindingAccessResult = z.object({ chats: ChatsView });

/** Protocol 14: the thread is no longer bound: nothing arrives from its chat, nothing goes there. */
export const ChatsUnbindParams = mutatingParams({ threadId: EntityId });
export const ChatsUnbindResult = z.object({ chats: ChatsView });

// --- events ----------------------------------------------------------------

/** Ephemeral, to each connected principal's own sockets: the chats as they now stand for them. */
export const ChatsChangedPayload = z.object({ chats: ChatsView });
