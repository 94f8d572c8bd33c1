// The public types of AutopilotClient: its options, connection status, request arguments
// and the events a caller can subscribe to.
import type { EventName, EventPayload, WrittenPayload } from "../../shared/protocol/events";
import type { EventFrame } from "../../shared/protocol/frames";
import type { HelloPayload } from "../../shared/protocol/hello";
import type { Inbox } from "../../shared/protocol/inbox";
import type { ChatDeltaWhole } from "../../shared/protocol/gateway";
import type { MethodName, MethodParams } from "../../shared/protocol/methods";
import type { BackoffOptions } from "../../shared/backoff";
import type { AutopilotError } from "./errors";
import type { StreamChange, WorkspaceState } from "./state";

export interface AutopilotClientOptions {
  /** `http(s)://host[:port]`; in a browser page it defaults to the page's origin. */
  url?: string;
  /** Workspace id (the room). */
  workspace: string;
  /**
   * Agent API key. In Node it is sent as the `x-api-key` header; elsewhere (browsers, or a
   * custom `WebSocket`) it is exchanged for a single-use connect ticket before every connect.
   * Without a key, a browser authenticates with its session cookie.
   */
  apiKey?: string;
  /** Supplies a fresh connect ticket before every (re)connect; overrides the key exchange. */
  ticket?: () => Promise<string>;
  /** Label shown in presence, e.g. "laptop" or "ci-runner-3". */
  device?: string;
  /**
   * Protocol 18: the threads to get messages and streams of (at most 20); every other thread
   * that changes comes as a `thread.bump` (its counts, whether a reply streams there). Change
   * it with `client.threads.view({threads})`; it sticks across reconnects. Leave it out to get
   * every thread's messages and streams (an agent that follows the whole workspace).
   */
  view?: readonly string[];
  /** WebSocket constructor; defaults to `ws` in Node and the global one elsewhere. */
  WebSocket?: unknown;
  fetch?: typeof fetch;
  /**
   * Per-request deadline, including time spent waiting for a connection (with `outbox`, for
   * mutations: from when the request last went out on a live connection). Default 30 s.
   */
  requestTimeoutMs?: number;
  /**
   * Keep mutations in an outbox while there is no connection: they wait without a deadline
   * and go out once the room is back, under the idempotency key they got when they were
   * made, so each applies once however often it is re-sent. `client.outbox` lists them and
   * the `outbox` event says when that list changes. A mutation then fails only when the room
   * refuses it, or does not answer within `requestTimeoutMs` once it is on the wire.
   * Queries keep their deadline either way. Default false.
   */
  outbox?: boolean;
  /** How often a request that failed with a retryable error is re-sent. Default 4. */
  maxRequestRetries?: number;
  backoff?: BackoffOptions;
}

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "closed";

export interface StatusDetail {
  /** When the next connection attempt starts. */
  retryInMs?: number;
  /** Why the last connection ended (or, with "closed", why the client gave up). */
  error?: AutopilotError;
}

export interface ClientWarning {
  message: string;
  frame?: unknown;
}

/** Params as callers pass them: the client fills in `idempotencyKey` when it is left out. */
export type RequestParams<M extends MethodName> =
  MethodParams<M> extends infer P
    ? P extends { idempotencyKey: string }
      ? Omit<P, "idempotencyKey"> & { idempotencyKey?: string }
      : P
    : never;

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type RequestArgs<M extends MethodName> =
  undefined extends RequestParams<M>
    ? [params?: RequestParams<M>, options?: RequestOptions]
    : [params: RequestParams<M>, options?: RequestOptions];

/** A mutation the client holds until the room answers it (`outbox` option). */
export interface OutboxEntry {
  /** The request's id on the wire. */
  id: string;
  method: MethodName;
  /** The params as sent, with their idempotency key. */
  params: unknown;
  idempotencyKey: string;
  /** When it was asked for (ms since the epoch). */
  queuedAt: number;
  /** `waiting`: no live connection (or a retry's wait); `sent`: on the wire, waiting for the answer. */
  state: "waiting" | "sent";
}

/** Listener arguments per subscribable name: every protocol event plus the client's own. */
export type ClientEvents = {
  [E in Exclude<EventName, "inbox.updated" | "chat.delta" | "message.created">]: [
    payload: EventPayload<E>,
    frame: EventFrame,
  ];
} & {
  /** A message, whole: a folded tool message (capability steps.folded) gets its author, text and nulls back. */
  "message.created": [payload: WrittenPayload<"message.created">, frame: EventFrame];
  /** A streamed piece, whole: a later piece that names only its run (capability chat.deltas) gets its run's thread and instance. */
  "chat.delta": [payload: ChatDeltaWhole, frame: EventFrame];
  /** The person's whole inbox: a change the room sent (capability inbox.changes) is applied to the one held first. */
  "inbox.updated": [payload: { inbox: Inbox }, frame: EventFrame];
  /** Every event frame, including `hello` and events this client version does not know. */
  event: [frame: EventFrame];
  status: [status: ConnectionStatus, detail: StatusDetail];
  /** The room replaced our state with a snapshot because our `lastSeq` was too old. */
  reset: [hello: HelloPayload];
  /** After any change to `client.state`. */
  state: [state: WorkspaceState];
  /**
   * A gateway reply streaming in a thread started, grew, or ended (its durable message
   * arrived, it was stopped, or a hello no longer lists it). `client.state.streams` holds
   * the current text of every running stream.
   */
  stream: [change: StreamChange];
  /** The outbox (`client.outbox`) changed: a mutation joined it, went out, was answered or is waiting again. */
  outbox: [entries: readonly OutboxEntry[]];
  /** A frame that could not be used (malformed, unattributable error response, …). */
  warning: [warning: ClientWarning];
  /**
   * The server will stop speaking this client's protocol version soon (the hello's `deprecated`):
   * the last day it is spoken and what to do. Once per notice.
   */
  deprecated: [notice: ProtocolDeprecation];
  /**
   * The server speaks less than this client: an older protocol version (this client stepped
   * down to it), or capabilities it asked for and the server lacks. Once per connect that changes it.
   */
  degraded: [lacks: ProtocolLacks];
};

/** The hello's deprecation notice, with the version it is about. */
export interface ProtocolDeprecation {
  protocol: number;
  removedAfter: string;
  upgrade: string;
}

/** What this client can do that the server it talks to cannot. */
export interface ProtocolLacks {
  /** The version the connection speaks (the server's newest, when older than this client's). */
  serverProtocol: number;
  clientProtocol: number;
  /** Methods that came after the server's version: calling one fails at once with `unknown_method`. */
  methods: string[];
  /** Capabilities this client asked for that the server does not offer. */
  capabilities: string[];
}
