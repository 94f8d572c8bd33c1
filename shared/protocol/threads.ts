import { z } from "zod";
import { ChatPlatform } from "./chats";
import { EntityId, MAX_MESSAGE_TEXT, mutatingParams, Timestamp, Title } from "./common";
import { MessageTool, MessageToolLive, Responder, ThreadWaiting } from "./agent";
import { StreamedText } from "./streamed";
import { ThreadChatStart, ThreadGateway } from "./gateway";
import { PageCursor, pageParams } from "./paging";
import { Actor } from "./principal";

export const Thread = z.object({
  id: EntityId,
  title: z.string(),
  archived: z.boolean(),
  createdBy: Actor,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastMessageAt: Timestamp.nullable(),
  messageCount: z.number().int().nonnegative(),
  /** Set when the thread talks to an OpenClaw instance (protocol 4). */
  gateway: ThreadGateway.nullable().optional(),
  /** Who answers here (protocol 5); `threads.configure` changes it. */
  responder: Responder,
  /** Created without a title: the Autopilot names it after its first reply (protocol 5). */
  untitled: z.boolean().optional(),
  /** Protocol 7: the OpenClaw instance being started for this thread, and how far it got. */
  chatStart: ThreadChatStart.optional(),
  /** Protocol 8: the Autopilot's run here waits for approvals, and what is queued behind it. */
  waiting: ThreadWaiting.optional(),
});
export type Thread = z.infer<typeof Thread>;

/** Longest file name a file keeps (the upload's name is cut to it). */
export const MAX_FILE_NAME = 200;
/** Most files one message carries. */
export const MAX_ATTACHMENTS = 4;

/** Protocol 8: a file a message carries; its bytes are at `GET /files/<workspaceId>/<id>`. */
export const MessageAttachment = z.object({
  id: EntityId,
  name: z.string().min(1).max(MAX_FILE_NAME),
  /** The media type it was stored with (one of the upload allowlist's). */
  type: z.string().min(1).max(100),
  /** Bytes. */
  size: z.number().int().nonnegative(),
});
export type MessageAttachment = z.infer<typeof MessageAttachment>;

export const Message = z.object({
  id: EntityId,
  /** Room-wide ordinal; `messages.list` pages with it. */
  n: z.number().int().positive(),
  threadId: EntityId,
  author: Actor,
  text: z.string(),
  createdAt: Timestamp,
  /**
   * Protocol 4, gateway threads: `tool` is a command the agent ran (with its output),
   * `error` is the gateway's error for a turn (e.g. no model configured). Absent = text.
   */
  kind: z.enum(["text", "tool", "error"]).optional(),
  /** The gateway run this reply finishes; ends the matching chat stream. */
  runId: z.string().optional(),
  /** The run was stopped (chat.abort); `text` is what had streamed by then. */
  aborted: z.boolean().optional(),
  /** Protocol 5: the Autopilot's tool call behind a `tool` message (gateway tool messages have none). */
  tool: MessageTool.optional(),
  /** Protocol 8: the files posted with it (`chat.send {attachments}`); absent when none. */
  attachments: z.array(MessageAttachment).max(MAX_ATTACHMENTS).optional(),
  /** Protocol 12: the schedule that posted it (as its creator); absent for everything else. */
  scheduleId: EntityId.optional(),
  /** Protocol 14: said in the chat the thread is bound to (its author a linked person, or a guest there). */
  fromChat: ChatPlatform.optional(),
});
export type Message = z.infer<typeof Message>;

// --- methods ---------------------------------------------------------------

/**
 * Without a title the thread is "New thread" until the Autopilot names it (protocol 5).
 * Protocol 8: who answers it may be asked for at once; what is left out takes the
 * creator's defaults (docs/architecture.md, "The Autopilot's agent").
 */
export const ThreadsCreateParams = mutatingParams({
  title: Title.optional(),
  responder: Responder.shape.kind.optional(),
  reply: Responder.shape.reply.optional(),
  agents: Responder.shape.agents.optional(),
});
export const ThreadsRenameParams = mutatingParams({
  threadId: EntityId,
  title: Title,
});
export const ThreadsArchiveParams = mutatingParams({
  threadId: EntityId,
  /** false restores an archived thread. */
  archived: z.boolean().default(true),
});
export const ThreadResult = z.object({ thread: Thread });

/** Most recently updated first; `before` continues after a page's `next` (protocol 7). */
export const ThreadsListParams = pageParams({ includeArchived: z.boolean().default(false) }, { max: 1000, size: 1000 });
/** `next` is null on the last page. */
export const ThreadsListResult = z.object({ threads: z.array(Thread), next: PageCursor.nullable() });

export const MessagesListParams = z.object({
  threadId: EntityId,
  /** Return messages older than this ordinal (exclusive); omit for the newest page. */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export const MessagesListResult = z.object({
  /** Oldest first. */
  messages: z.array(Message),
  hasMore: z.boolean(),
});

/**
 * Protocol 8: `attachments` are ids of files the sender uploaded (`POST /files/<ws>`) and
 * no message carries yet; with at least one, the text may be empty (the room refuses a
 * message with neither as `bad_request`: a refinement here would not survive the schema's
 * derivations, e.g. the Autopilot's tools).
 */
export const ChatSendParams = mutatingParams({
  threadId: EntityId,
  text: z.string().max(MAX_MESSAGE_TEXT),
  attachments: z.array(EntityId).min(1).max(MAX_ATTACHMENTS).optional(),
});
export const ChatSendResult = z.object({ message: Message });
export const SessionsSendResult = z.object({ thread: Thread, message: Message });

// --- events ----------------------------------------------------------------

export const ThreadEventPayload = z.object({ thread: Thread });
/**
 * A tool's result may come as its opening (capability `tool.steps`, `MessageToolLive`); the
 * Autopilot's streamed reply as its text's length and hash (capability `reply.streamed`, `text` empty).
 */
/** A message as `message.created` carries it live (a tool's result's opening, a streamed reply's length and hash). */
export const MessageLive = Message.extend({ tool: MessageToolLive.optional(), streamed: StreamedText.optional() });
export type MessageLive = z.infer<typeof MessageLive>;
/**
 * Capability `steps.folded` (protocol 19, decision 94): the Autopilot's tool message as sent live
 * to a socket that asked, without what the client reads from the rest: no `author` (the
 * Autopilot's), no null `durationMs` or `approvalId`. `withToolMessage` (steps-folded.ts) makes it whole.
 */
export const ToolMessageFolded = MessageLive.omit({ author: true, tool: true }).extend({
  kind: z.literal("tool"),
  author: Actor.optional(),
  tool: MessageToolLive.extend({
    durationMs: MessageToolLive.shape.durationMs.optional(),
    approvalId: MessageToolLive.shape.approvalId.optional(),
  }),
});
export type ToolMessageFolded = z.infer<typeof ToolMessageFolded>;
export const MessageCreatedPayload = z.object({ message: z.union([MessageLive, ToolMessageFolded]) });
