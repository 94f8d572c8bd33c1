import { z } from "zod";
import { EntityId, MAX_MESSAGE_TEXT, mutatingParams, Timestamp } from "./common";
import { InstanceId } from "./instances";

/**
 * Gateway chat and sessions (protocol 4): what the Autopilot's bridge to an OpenClaw
 * instance adds. Streaming text is ephemeral (never in the event log): the finished reply
 * lands as a durable `message.created` carrying the same `runId`, which ends the stream.
 */

/** A session key as the gateway names it, e.g. `agent:main:autopilot-thr_x`. */
export const SessionKey = z.string().min(1).max(256);

/** Which instance and gateway session a thread talks to. */
export const ThreadGateway = z.object({ instanceId: InstanceId, sessionKey: SessionKey });
export type ThreadGateway = z.infer<typeof ThreadGateway>;

/**
 * Protocol 7: a thread waiting for the OpenClaw instance one approval starts for it
 * (`instances.startChat`). `waiting`: for a person's decision; `starting`: approved, the
 * gateway is starting (the instance's job has the progress); `ready`: the thread is
 * attached and its first message queued for the gateway; `failed`: denied, expired or the
 * start failed (`error` says which) and the first message was not sent.
 */
export const ThreadChatStart = z.object({
  instanceId: InstanceId,
  approvalId: EntityId,
  /** The first message, posted at once and sent to the gateway when it is ready. */
  messageId: EntityId,
  state: z.enum(["waiting", "starting", "ready", "failed"]),
  error: z.string().nullable(),
});
export type ThreadChatStart = z.infer<typeof ThreadChatStart>;

/** A reply being streamed right now; `text` is everything received so far. */
export const ChatStream = z.object({
  threadId: EntityId,
  /** null: the Autopilot's own model is replying (protocol 5). */
  instanceId: InstanceId.nullable(),
  runId: z.string(),
  text: z.string(),
  startedAt: Timestamp,
});
export type ChatStream = z.infer<typeof ChatStream>;

/** One gateway session, as listed live for an instance. */
export const GatewaySession = z.object({
  key: SessionKey,
  label: z.string(),
  preview: z.string().nullable(),
  status: z.string().nullable(),
  running: z.boolean(),
  updatedAt: Timestamp.nullable(),
  /** The room thread this session is open as, if any. */
  threadId: EntityId.nullable(),
});
export type GatewaySession = z.infer<typeof GatewaySession>;

export const InstanceSessions = z.object({ instanceId: InstanceId, sessions: z.array(GatewaySession) });
export type InstanceSessions = z.infer<typeof InstanceSessions>;

/** Live (non-durable) gateway state a client needs on every (re)connect. */
export const LiveState = z.object({
  streams: z.array(ChatStream),
  sessions: z.array(InstanceSessions),
});
export type LiveState = z.infer<typeof LiveState>;

// --- methods ---------------------------------------------------------------

export const ChatAbortParams = mutatingParams({ threadId: EntityId });
export const ChatAbortResult = z.object({ aborted: z.boolean(), runIds: z.array(z.string()) });

export const SessionsListParams = z.object({ instanceId: InstanceId });
export const SessionsListResult = InstanceSessions;

export const SessionsOpenParams = mutatingParams({
  instanceId: InstanceId,
  sessionKey: SessionKey,
});

/** A gateway session's transcript, read from the gateway without opening it as a thread. */
export const SessionsHistoryParams = z.object({
  instanceId: InstanceId,
  sessionKey: SessionKey,
  limit: z.number().int().min(1).max(200).default(50),
});
export const SessionMessage = z.object({
  role: z.enum(["user", "assistant", "tool"]),
  text: z.string(),
  at: Timestamp.nullable(),
  runId: z.string().nullable(),
});
export type SessionMessage = z.infer<typeof SessionMessage>;
export const SessionsHistoryResult = z.object({
  messages: z.array(SessionMessage),
  /** The thread the session is open as, if any (its messages are in `messages.list` too). */
  threadId: EntityId.nullable(),
});

/** Sends into a gateway session: opens it as a thread if needed, then posts there. */
export const SessionsSendParams = mutatingParams({
  instanceId: InstanceId,
  sessionKey: SessionKey,
  text: z.string().min(1).max(MAX_MESSAGE_TEXT),
});

// --- events ----------------------------------------------------------------

/**
 * `text` goes at `offset` of the stream's text (offset 0 with empty text: a run started).
 * A client whose text is shorter than `offset` missed nothing it can repair by itself;
 * it keeps what it has until the durable message replaces it.
 */
export const ChatDeltaPayload = z.object({
  threadId: EntityId,
  /** null: the Autopilot's own model (protocol 5). */
  instanceId: InstanceId.nullable(),
  runId: z.string(),
  offset: z.number().int().nonnegative(),
  text: z.string(),
});
/**
 * Capability `chat.deltas` (decision 86): a streamed piece after a run's first names only its
 * run. The first (offset 0) is whole, and so is every stream a hello or `threads.view` hands
 * over, so a client holds the thread and instance of each run whose later pieces it gets.
 */
export const ChatDeltaMore = ChatDeltaPayload.pick({ runId: true, offset: true, text: true });
export type ChatDeltaMore = z.infer<typeof ChatDeltaMore>;
export const ChatDeltaEventPayload = z.union([ChatDeltaPayload, ChatDeltaMore]);
export type ChatDeltaWhole = z.infer<typeof ChatDeltaPayload>;

export const isWholeDelta = (delta: ChatDeltaWhole | ChatDeltaMore): delta is ChatDeltaWhole => "threadId" in delta;

export function chatDeltasCapability() {
  return {
    name: "chat.deltas",
    since: 19,
    summary: "a chat.delta after a run's first names only its run (runId, offset, text), not its thread and instance",
    adds: ["events.chat.delta|object1"],
    // The room writes the whole delta (the delivery tier and converted sockets get it); a
    // socket that asked is sent the lesser one live.
    events: {},
    results: {},
    written: {
      "chat.delta": (payload: ChatDeltaWhole | ChatDeltaMore) =>
        payload.offset > 0 && isWholeDelta(payload)
          ? { runId: payload.runId, offset: payload.offset, text: payload.text }
          : payload,
    },
  };
}

/** The run finished: its reply is the durable message `messageId` (null if it left no text). */
export const ChatFinalPayload = z.object({
  threadId: EntityId,
  runId: z.string(),
  messageId: EntityId.nullable(),
  aborted: z.boolean(),
});
/** The run failed (gateway error, no model, connection lost); the thread also keeps it as an `error` message. */
export const ChatErrorPayload = z.object({
  threadId: EntityId,
  runId: z.string(),
  error: z.string(),
  messageId: EntityId.nullable(),
  /**
   * Protocol 10: what kind of failure it is, when the room knows: `payment_required` when the
   * workspace is out of credits and the runtime refused the gateway's model call. Absent otherwise.
   */
  code: z.enum(["payment_required"]).optional(),
});
/** An instance's session list changed (the gateway's own event name); replaces the list. */
export const SessionsChangedPayload = InstanceSessions;
