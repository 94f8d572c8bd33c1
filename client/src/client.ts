// AutopilotClient: one connection to a workspace's Autopilot room — connect and resume,
// hello and state, requests with idempotency keys, retries and pacing.
// long-file: one state machine; the socket lifecycle, the hello and the request queue
// read and write the same private state, and splitting them would only pass it around.
import { PartySocket } from "partysocket";
import { MAX_CLIENT_FRAME_BYTES, type EventFrame, type ResponseFrame } from "../../shared/protocol/frames";
import { HelloPayload } from "../../shared/protocol/hello";
import { isMethodName, Methods, type MethodName, type MethodResult } from "../../shared/protocol/methods";
import type { Principal } from "../../shared/protocol/principal";
import { CloseCode } from "../../shared/protocol/errors";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import { CAPABILITIES } from "../../shared/protocol/capabilities";
import { methodSpokenIn, methodsAfter } from "../../shared/protocol/cuts/index";
import { Backoff, DEFAULT_BACKOFF, fullJitterDelay, VISIBLE_CAP_MS, type BackoffOptions } from "../../shared/backoff";
import type {
  AutopilotClientOptions,
  ClientEvents,
  ConnectionStatus,
  OutboxEntry,
  ProtocolLacks,
  RequestArgs,
  RequestOptions,
  StatusDetail,
} from "./client-types";
import { Emitter } from "./emitter";
import {
  AutopilotError,
  errorFromClose,
  isTerminalCloseCode,
  isTerminalError,
  olderProtocolToTry,
  protocolMismatch,
} from "./errors";
import { decodeServerFrame, inCurrentShapes, typeEvent, type KnownEvent, type ReceivedEvent } from "./frames";
import { type Inbox, isInboxChange, withInboxChange } from "../../shared/protocol/inbox";
import { type ChatDeltaMore, type ChatDeltaWhole, isWholeDelta } from "../../shared/protocol/gateway";
import { isStreamedText } from "../../shared/protocol/streamed";
import { withToolMessage } from "../../shared/protocol/steps-folded";
import { derivedJobReport } from "./derived-jobs";
import type { EventPayload, WrittenPayload } from "../../shared/protocol/events";
import { methodNamespaces, type MethodNamespaces } from "./method-namespaces";
import { bucketForLimits, type TokenBucket } from "./ratelimit";
import { randomId, utf8Length, withIdempotencyKey } from "./request-ids";
import {
  applyEvent,
  withViewed,
  applyHello,
  applyPage,
  diffStreams,
  emptyState,
  type PagedKind,
  type WorkspaceState,
} from "./state";
import {
  fetchConnectTicket,
  refusedUpgradeStatus,
  resolveEndpoint,
  resolveWebSocket,
  type Endpoint,
} from "./transport";

export type {
  AutopilotClientOptions,
  ClientEvents,
  ClientWarning,
  ProtocolDeprecation,
  ProtocolLacks,
  ConnectionStatus,
  OutboxEntry,
  RequestArgs,
  RequestOptions,
  RequestParams,
  StatusDetail,
} from "./client-types";
export type { MethodNamespaces } from "./method-namespaces";

interface PendingRequest {
  id: string;
  method: MethodName;
  text: string;
  resolve: (value: unknown) => void;
  reject: (error: AutopilotError) => void;
  /** Connection generation the frame was last sent on; a new hello means "not sent yet". */
  sentOn: number;
  retries: number;
  retryTimer: ReturnType<typeof setTimeout> | null;
  dispose: () => void;
  /** Set for a mutation held in the outbox: its deadline runs only while it is on the wire. */
  outbox: {
    entry: Omit<OutboxEntry, "state">;
    /** Starts (or restarts) the deadline: the request just went out. */
    sent(): void;
    /** Stops the deadline: the connection it went out on is gone, or a retry waits. */
    waiting(): void;
  } | null;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REQUEST_RETRIES = 4;
/** A socket that opens but never says hello is as good as dead. */
const HELLO_TIMEOUT_MS = 10_000;
/** The capabilities of this client's version it asks for on every connect (all it was built with). */
const OWN_CAPABILITIES: readonly string[] = CAPABILITIES.filter((capability) => capability.since === PROTOCOL_VERSION)
  .map((capability) => capability.name)
  .sort();
const OPEN_TIMEOUT_MS = 10_000;
const SOCKET_OPEN = 1;

export class AutopilotClient {
  readonly workspace: string;

  /**
   * One namespace per method family (`client.threads.create(…)`, `client.jobs.list()`, …),
   * derived from the method registry: a method added there is callable here, typed.
   */
  declare readonly threads: MethodNamespaces["threads"];
  declare readonly messages: MethodNamespaces["messages"];
  declare readonly chat: MethodNamespaces["chat"];
  declare readonly sessions: MethodNamespaces["sessions"];
  declare readonly instances: MethodNamespaces["instances"];
  declare readonly approvals: MethodNamespaces["approvals"];
  declare readonly jobs: MethodNamespaces["jobs"];
  declare readonly audit: MethodNamespaces["audit"];
  declare readonly graph: MethodNamespaces["graph"];
  declare readonly presence: MethodNamespaces["presence"];
  declare readonly memory: MethodNamespaces["memory"];
  declare readonly usage: MethodNamespaces["usage"];
  declare readonly settings: MethodNamespaces["settings"];
  declare readonly inbox: MethodNamespaces["inbox"];
  declare readonly search: MethodNamespaces["search"];
  declare readonly projects: MethodNamespaces["projects"];
  declare readonly agent: MethodNamespaces["agent"];
  declare readonly schedules: MethodNamespaces["schedules"];
  declare readonly tasks: MethodNamespaces["tasks"];
  declare readonly runlog: MethodNamespaces["runlog"];
  declare readonly billing: MethodNamespaces["billing"];
  declare readonly community: MethodNamespaces["community"];
  declare readonly chats: MethodNamespaces["chats"];
  declare readonly traces: MethodNamespaces["traces"];
  declare readonly runs: MethodNamespaces["runs"];

  readonly #options: AutopilotClientOptions;
  readonly #endpoint: Endpoint;
  readonly #emitter = new Emitter<ClientEvents>();
  readonly #backoffOptions: BackoffOptions;
  readonly #backoff: Backoff;
  readonly #pending = new Map<string, PendingRequest>();
  #socket: PartySocket | null = null;
  #useTicket = false;
  #status: ConnectionStatus = "connecting";
  #state: WorkspaceState = emptyState;
  #hello: HelloPayload | null = null;
  /** The current socket has delivered its hello; requests may go out. */
  #live = false;
  /** Incremented on every hello, so requests know whether this socket has seen them. */
  #generation = 0;
  #attempted = false;
  #closingOnPurpose = false;
  /** The version asked for on the next connect: the current one, or an older server's (cuts). */
  #protocol = PROTOCOL_VERSION;
  #lacks: ProtocolLacks | null = null;
  #toldLacks: string | null = null;
  #toldDeprecation: string | null = null;
  #steppingDown = false;
  #retryOverrideMs: number | null = null;
  #lastError: AutopilotError | null = null;
  /** Set once the client is closed; every later request rejects with it. */
  #terminalError: AutopilotError | null = null;
  #closeError: AutopilotError | null = null;
  #presenceStatus: string | null = null;
  /** The threads this client views (protocol 18), sent on every connect; null: every thread. */
  #view: readonly string[] | null = null;
  /** This person's inbox as last handed on (`inbox.updated`), to apply the room's changes to. */
  #inbox: Inbox | null = null;
  /** The room offers steps.derived: a task step's report on its job is made here from the step's change. */
  #derivesJobs = false;
  /** The seq of the `task.changed` applied last when no event came since: the next seq may be its job's report, not sent. */
  #afterTask: number | null = null;
  /** Tasks read with tasks.get since a change came for one not held (steps.derived makes its job's reports from it). */
  #readTasks = new Set<string>();
  #helloTimer: ReturnType<typeof setTimeout> | null = null;
  /** Paces requests to the current connection's budget; replaced on every hello. */
  #bucket: TokenBucket | null = null;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The wait before the next attempt; `fromServer` when the room or the ticket exchange named it (a rate limit). */
  #sleeping: { timer: ReturnType<typeof setTimeout>; wake: () => void; fromServer: boolean } | null = null;
  /** Stops listening to the page (a browser's `online` and `visibilitychange`). */
  #unwatchPage: (() => void) | null = null;
  readonly #ready: Promise<HelloPayload>;
  #settleReady!: { resolve: (hello: HelloPayload) => void; reject: (error: AutopilotError) => void };

  constructor(options: AutopilotClientOptions) {
    Object.assign(
      this,
      methodNamespaces((method, args) => this.request(method, ...(args as RequestArgs<typeof method>))),
    );
    // The presence status sticks: it is set again on every reconnect.
    const updatePresence = this.presence.update;
    this.presence.update = async (...args) => {
      const result = await updatePresence(...args);
      this.#presenceStatus = result.entry.status;
      return result;
    };
    // What it views sticks too: each reconnect asks for it, and the replay skips the rest.
    this.#view = options.view ? [...options.view] : null;
    const viewThreads = this.threads.view;
    this.threads.view = async (...args) => {
      const [params] = args;
      if (this.#view !== null) this.#view = [...params.threads];
      const result = await viewThreads(...args);
      const next = withViewed(this.#state, result.threads, result.streams);
      if (next !== this.#state) {
        this.#state = next;
        this.#emitter.emit("state", next);
      }
      return result;
    };
    this.#options = options;
    this.workspace = options.workspace;
    this.#endpoint = resolveEndpoint(options.url, options.workspace);
    this.#backoffOptions = options.backoff ?? DEFAULT_BACKOFF;
    this.#backoff = new Backoff(this.#backoffOptions);
    this.#ready = new Promise<HelloPayload>((resolve, reject) => {
      this.#settleReady = { resolve, reject };
    });
    // Nobody may be awaiting ready(); a close before the first hello must not surface as
    // an unhandled rejection.
    this.#ready.catch(() => {});
    this.#unwatchPage = watchPage(() => this.#retryNow());
    void this.#start();
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  get state(): WorkspaceState {
    return this.#state;
  }

  /** The threads this client views (protocol 18), as asked last; null: every thread. */
  get viewing(): readonly string[] | null {
    return this.#view;
  }

  get lastSeq(): number | null {
    return this.#state.lastSeq;
  }

  get epoch(): string | null {
    return this.#state.epoch;
  }

  get principal(): Principal | null {
    return this.#hello?.principal ?? null;
  }

  get connectionId(): string | null {
    return this.#live ? (this.#hello?.connectionId ?? null) : null;
  }

  /** The latest hello (null before the first). */
  get hello(): HelloPayload | null {
    return this.#hello;
  }

  /** What this client can do that the server it is connected to cannot (null: nothing; see the `degraded` event). */
  get lacks(): ProtocolLacks | null {
    return this.#lacks;
  }

  /** Why the client closed for good, if it did on its own (null after `close()`). */
  get closeError(): AutopilotError | null {
    return this.#closeError;
  }

  /**
   * Mutations held until the room answers them, oldest first (with the `outbox` option;
   * empty without it): waiting for a connection, or sent and waiting for the answer.
   */
  get outbox(): OutboxEntry[] {
    const entries: OutboxEntry[] = [];
    for (const pending of this.#pending.values()) {
      if (!pending.outbox) continue;
      const sent = this.#live && pending.sentOn === this.#generation && !pending.retryTimer;
      entries.push({ ...pending.outbox.entry, state: sent ? "sent" : "waiting" });
    }
    return entries;
  }

  on<K extends keyof ClientEvents>(name: K, listener: (...args: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(name, listener);
  }

  /**
   * Loads the next page of what the hello left out (protocol 7: threads, pending approvals
   * or unfinished jobs; protocol 9: projects) into `state`; resolves with how many are still left.
   */
  async loadMore(kind: PagedKind, limit = 100): Promise<number> {
    const before = this.#state.more[kind].next;
    if (!before) return 0;
    let items: Parameters<typeof applyPage>[2];
    let next: Parameters<typeof applyPage>[3];
    if (kind === "threads")
      ({ threads: items, next } = await this.request("threads.list", { includeArchived: true, limit, before }));
    else if (kind === "approvals")
      ({ approvals: items, next } = await this.request("approvals.list", { status: "pending", limit, before }));
    else if (kind === "projects")
      ({ projects: items, next } = await this.request("projects.list", { limit: Math.min(limit, 200), before }));
    else ({ jobs: items, next } = await this.request("jobs.list", { active: true, limit, before }));
    // A hello in between (a reset) replaced what this page continued.
    if (this.#state.more[kind].next !== before) return this.#state.more[kind].left;
    this.#state = applyPage(this.#state, kind, items, next);
    this.#emitter.emit("state", this.#state);
    return this.#state.more[kind].left;
  }

  /** Resolves on the first hello; rejects if the client closes first or the deadline passes. */
  ready(options: { timeoutMs?: number } = {}): Promise<HelloPayload> {
    if (options.timeoutMs === undefined) return this.#ready;
    const timeoutMs = options.timeoutMs;
    return new Promise<HelloPayload>((resolve, reject) => {
      const timer = setTimeout(() => {
        const cause = this.#lastError ? `: ${this.#lastError.message}` : "";
        reject(
          new AutopilotError(
            "timeout",
            `no connection to the workspace within ${Math.round(timeoutMs / 1000)} s${cause}`,
          ),
        );
      }, timeoutMs);
      this.#ready.then(
        (hello) => {
          clearTimeout(timer);
          resolve(hello);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * Sends a request and resolves with its validated result. Requests wait for a
   * connection, survive reconnects (re-sent with the same idempotency key, so a mutation
   * applies once), and are retried on retryable errors.
   */
  request<M extends MethodName>(method: M, ...args: RequestArgs<M>): Promise<MethodResult<M>> {
    const [params, options = {}] = args as [unknown, RequestOptions | undefined];
    if (this.#terminalError) return Promise.reject(this.#terminalError);
    if (!isMethodName(method))
      return Promise.reject(new AutopilotError("unknown_method", `unknown method ${String(method)}`));
    if (!methodSpokenIn(method, this.#protocol))
      return Promise.reject(
        new AutopilotError(
          "unknown_method",
          `${method} is not on this server: it speaks protocol ${this.#protocol}, and ${method} came after it`,
          { details: { serverProtocol: this.#protocol, clientProtocol: PROTOCOL_VERSION } },
        ),
      );
    const spec = Methods[method];
    const withKey = spec.mutating ? withIdempotencyKey(params) : params;
    const check = spec.params.safeParse(withKey);
    if (!check.success) {
      const issues = check.error.issues
        .map((issue) => `${issue.path.join(".") || "params"}: ${issue.message}`)
        .join("; ");
      return Promise.reject(
        new AutopilotError("bad_request", `invalid params for ${method}: ${issues}`, {
          details: { issues: check.error.issues },
        }),
      );
    }

    const id = randomId();
    const text = JSON.stringify({ type: "req", id, method, params: withKey });
    const maxBytes = this.#hello?.limits.maxFrameBytes ?? MAX_CLIENT_FRAME_BYTES;
    if (utf8Length(text) > maxBytes) {
      return Promise.reject(new AutopilotError("payload_too_large", `${method} request exceeds ${maxBytes} bytes`));
    }

    return new Promise<MethodResult<M>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      const idempotencyKey = spec.mutating ? String((withKey as { idempotencyKey: unknown }).idempotencyKey) : null;
      const keyDetail = idempotencyKey === null ? undefined : { idempotencyKey };
      const onTimeout = () =>
        // The mutation may still have been applied: the key lets the caller retry safely.
        settle(
          new AutopilotError(
            "timeout",
            `${method} got no response within ${timeoutMs} ms`,
            keyDetail && { details: keyDetail },
          ),
        );
      const outboxed = idempotencyKey !== null && this.#options.outbox === true;
      let timer: ReturnType<typeof setTimeout> | null = outboxed ? null : setTimeout(onTimeout, timeoutMs);
      const stopTimer = () => {
        if (timer) clearTimeout(timer);
        timer = null;
      };
      const onAbort = () =>
        settle(new AutopilotError("aborted", `${method} was aborted`, keyDetail && { details: keyDetail }));
      options.signal?.addEventListener("abort", onAbort, { once: true });

      const pending: PendingRequest = {
        id,
        method,
        text,
        sentOn: 0,
        retries: 0,
        retryTimer: null,
        resolve: (value) => {
          pending.dispose();
          resolve(value as MethodResult<M>);
        },
        reject: (error) => settle(error),
        dispose: () => {
          stopTimer();
          if (pending.retryTimer) clearTimeout(pending.retryTimer);
          options.signal?.removeEventListener("abort", onAbort);
          this.#pending.delete(id);
          if (pending.outbox) this.#outboxChanged();
        },
        outbox: outboxed
          ? {
              entry: { id, method, params: withKey, idempotencyKey: idempotencyKey!, queuedAt: Date.now() },
              sent: () => {
                stopTimer();
                timer = setTimeout(onTimeout, timeoutMs);
              },
              waiting: stopTimer,
            }
          : null,
      };
      const settle = (error: AutopilotError) => {
        pending.dispose();
        reject(error);
      };
      if (options.signal?.aborted) return onAbort();
      this.#pending.set(id, pending);
      if (pending.outbox) this.#outboxChanged();
      this.#flush();
    });
  }

  /** Closes for good: pending requests reject with code "closed"; no reconnects. */
  close(): void {
    this.#shutdown(new AutopilotError("closed", "the client was closed"), false);
  }

  async #start(): Promise<void> {
    try {
      const implementation = await resolveWebSocket(this.#options.WebSocket, this.#options.apiKey);
      if (this.#terminalError) return;
      this.#useTicket = Boolean(this.#options.ticket) || (Boolean(this.#options.apiKey) && !implementation.sendsApiKey);
      const socket = new PartySocket({
        host: this.#endpoint.host,
        protocol: this.#endpoint.protocol,
        basePath: this.#endpoint.basePath,
        query: () => this.#nextQuery(),
        WebSocket: implementation.WebSocket,
        // PartySocket's own backoff has no jitter: it is switched off and #nextQuery waits instead.
        minReconnectionDelay: 0,
        maxReconnectionDelay: 0,
        reconnectionDelayGrowFactor: 1,
        connectionTimeout: OPEN_TIMEOUT_MS,
        maxRetries: Number.POSITIVE_INFINITY,
        shouldReconnectOnClose: (event) =>
          this.#steppedDown(event.code, event.reason) || (!isTerminalCloseCode(event.code) && !this.#terminalError),
      });
      this.#socket = socket;
      socket.addEventListener("open", () => this.#onOpen());
      socket.addEventListener("message", (event) => this.#onMessage(event.data));
      // In Node, PartySocket fills an empty close reason with the text "unknown reason".
      socket.addEventListener("close", (event) =>
        this.#onClose(event.code, event.reason === "unknown reason" ? "" : event.reason),
      );
      socket.addEventListener("error", (event) => this.#onError((event as { message?: string }).message));
    } catch (error) {
      this.#shutdown(
        error instanceof AutopilotError
          ? error
          : new AutopilotError("closed", error instanceof Error ? error.message : String(error)),
        true,
      );
    }
  }

  /** Runs before every connection attempt: waits out the backoff, then builds the query. */
  async #nextQuery(): Promise<Record<string, string>> {
    if (this.#attempted) {
      // A server-given wait gets a little jitter too, or everyone it throttled returns at once.
      const fromServer = this.#retryOverrideMs !== null;
      const delay =
        this.#retryOverrideMs === null
          ? this.#backoff.next(pageVisible() ? VISIBLE_CAP_MS : undefined)
          : this.#retryOverrideMs + fullJitterDelay(1, this.#backoffOptions);
      this.#retryOverrideMs = null;
      this.#setStatus(this.#hello ? "reconnecting" : "connecting", {
        retryInMs: delay,
        ...(this.#lastError && { error: this.#lastError }),
      });
      await this.#sleep(delay, fromServer);
    }
    this.#attempted = true;
    if (this.#terminalError) throw this.#terminalError;

    const query: Record<string, string> = { protocol: String(this.#protocol) };
    // Every capability this client was built with; on an older version (stepped down) it has none to ask for.
    if (this.#protocol === PROTOCOL_VERSION && OWN_CAPABILITIES.length > 0) query.caps = OWN_CAPABILITIES.join(",");
    if (this.#options.device) query.device = this.#options.device;
    if (this.#view !== null) query.view = this.#view.join(",");
    if (this.#state.lastSeq !== null && this.#state.epoch !== null) {
      query.lastSeq = String(this.#state.lastSeq);
      query.epoch = this.#state.epoch;
    }
    if (this.#useTicket) {
      try {
        query.ticket = await this.#obtainTicket();
      } catch (error) {
        const failure =
          error instanceof AutopilotError
            ? error
            : new AutopilotError("unavailable", `connect ticket: ${String(error)}`, { retryable: true });
        if (isTerminalError(failure)) this.#shutdown(failure, true);
        else if (failure.retryAfterMs !== undefined) this.#retryOverrideMs = failure.retryAfterMs;
        this.#lastError = failure;
        // PartySocket treats a failed URL provider like a failed connect and calls us again.
        throw failure;
      }
    }
    return query;
  }

  #obtainTicket(): Promise<string> {
    if (this.#options.ticket) return this.#options.ticket();
    const fetchImpl = this.#options.fetch ?? globalThis.fetch.bind(globalThis);
    return fetchConnectTicket(fetchImpl, this.#endpoint, this.workspace, this.#options.apiKey!);
  }

  #sleep(ms: number, fromServer: boolean): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleeping = null;
        resolve();
      };
      this.#sleeping = { timer: setTimeout(wake, ms), wake, fromServer };
    });
  }

  /**
   * The network came back, or the person returned to the tab: a wait that grew while nobody
   * looked (or while offline) starts over, and an attempt waiting out its backoff goes now.
   * A wait the server named (a rate limit) is not ours to cut: the room would refuse again.
   */
  #retryNow(): void {
    if (this.#terminalError || this.#live) return;
    this.#backoff.reset();
    if (this.#sleeping && !this.#sleeping.fromServer) {
      clearTimeout(this.#sleeping.timer);
      this.#sleeping.wake();
    }
  }

  #onOpen(): void {
    this.#clearHelloTimer();
    this.#helloTimer = setTimeout(() => {
      this.#lastError = new AutopilotError("unavailable", "the room accepted the connection but sent no hello", {
        retryable: true,
      });
      this.#reconnect();
    }, HELLO_TIMEOUT_MS);
  }

  /**
   * An older server refused this version with 4008 but speaks one the cuts can read: ask
   * for that one on the next connect (once per version, from the close PartySocket is about
   * to act on).
   */
  #steppedDown(code: number, reason: string): boolean {
    if (code !== CloseCode.protocolUnsupported || this.#terminalError) return false;
    const older = olderProtocolToTry(this.#protocol, reason);
    if (older === null) return false;
    this.#protocol = older;
    this.#steppingDown = true;
    return true;
  }

  #onMessage(data: unknown): void {
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) return this.#warn(decoded.message, data);
    const frame =
      this.#protocol === PROTOCOL_VERSION
        ? decoded.value
        : inCurrentShapes(this.#protocol, decoded.value, (id) => this.#pending.get(id)?.method);
    if (frame.type === "res") return this.#onResponse(frame);
    if (frame.event === "hello") return this.#onHello(frame);
    // The room's first frame is always hello; anything before it belongs to no known seq.
    if (!this.#live) return this.#warn(`event ${frame.event} before hello ignored`, frame);
    this.#onEvent(frame);
  }

  #onHello(frame: EventFrame): void {
    this.#clearHelloTimer();
    const parsed = HelloPayload.safeParse(frame.payload);
    if (!parsed.success) {
      return this.#shutdown(
        new AutopilotError("protocol_unsupported", `the server's hello does not match protocol ${PROTOCOL_VERSION}`),
        true,
      );
    }
    const hello = parsed.data;
    if (hello.protocol !== PROTOCOL_VERSION) {
      return this.#shutdown(protocolMismatch({ oldest: hello.protocol, newest: hello.protocol }), true);
    }
    const previous = this.#state;
    const { state, outcome } = applyHello(previous, hello);
    this.#state = state;
    if (outcome === "resync") {
      this.#lastError = new AutopilotError(
        "unavailable",
        "the room's event log changed; reconnecting for a fresh snapshot",
        { retryable: true },
      );
      return this.#reconnect();
    }

    this.#hello = hello;
    this.#bucket = bucketForLimits(hello.limits);
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    this.#live = true;
    this.#generation += 1;
    this.#backoff.reset();
    this.#lastError = null;
    this.#setStatus("connected", {});
    this.#emitter.emit("hello", hello, frame);
    this.#emitter.emit("event", frame);
    if (hello.reset) this.#emitter.emit("reset", hello);
    if (state !== previous) {
      for (const change of diffStreams(previous, state)) this.#emitter.emit("stream", change);
      this.#emitter.emit("state", state);
    }
    this.#settleReady.resolve(hello);
    this.#noteProtocol(hello);

    if (this.#presenceStatus !== null)
      void this.request("presence.update", { status: this.#presenceStatus }).catch(() => {});
    this.#flush();
  }

  /** Tells the owner, once per change, that the server retires this version soon or speaks less than this client. */
  #noteProtocol(hello: HelloPayload): void {
    if (hello.deprecated) {
      const notice = { protocol: this.#protocol, ...hello.deprecated };
      const key = JSON.stringify(notice);
      if (key !== this.#toldDeprecation) {
        this.#toldDeprecation = key;
        this.#emitter.emit("deprecated", notice);
      }
    }
    const offered = new Set(this.#protocol === PROTOCOL_VERSION ? (hello.capabilities ?? []) : []);
    this.#derivesJobs = offered.has("steps.derived");
    this.#afterTask = null;
    this.#readTasks.clear();
    const lacks: ProtocolLacks = {
      serverProtocol: this.#protocol,
      clientProtocol: PROTOCOL_VERSION,
      methods: methodsAfter(this.#protocol),
      capabilities: OWN_CAPABILITIES.filter((name) => !offered.has(name)),
    };
    const none = lacks.methods.length === 0 && lacks.capabilities.length === 0;
    this.#lacks = none ? null : lacks;
    const key = none ? null : JSON.stringify(lacks);
    if (key !== null && key !== this.#toldLacks) this.#emitter.emit("degraded", lacks);
    this.#toldLacks = key;
  }

  #onEvent(frame: EventFrame): void {
    const typed = typeEvent(frame);
    if (typed.invalid) this.#warn(typed.invalid, frame);
    const event = this.#whole(typed.event);
    if (event === null) return;
    // steps.derived: the seq right after a task's change is its step's report on its job when the
    // room left it out (it was made here with the change): one not sent is no gap.
    const after = this.#afterTask;
    if (event.seq !== undefined) this.#afterTask = null;
    if (after !== null && event.seq === after + 2 && this.#state.lastSeq === after)
      this.#state = { ...this.#state, lastSeq: after + 1 };
    const outcome = applyEvent(this.#state, event, this.#view);
    if (outcome.kind === "duplicate") return;
    if (outcome.kind === "gap") {
      this.#lastError = new AutopilotError(
        "unavailable",
        `missed events ${outcome.expected}..${outcome.received - 1}; resuming`,
        { retryable: true },
      );
      return this.#reconnect();
    }
    const previous = this.#state;
    this.#state = outcome.state;
    // The room re-scoped this connection (a role or key changed): requests are checked against the new scopes.
    if (event.known && event.event === "principal.updated" && this.#hello)
      this.#hello = { ...this.#hello, principal: event.payload.principal };
    // A reply's message made whole (reply.streamed): `event` listeners get it as the typed ones do.
    const whole = event !== typed.event && event.known && event.event === "message.created";
    if (event.known) this.#emitTyped(event, frame);
    this.#emitter.emit("event", whole ? { ...frame, payload: event.payload } : frame);
    if (event.known && event.event === "task.changed") this.#afterTaskChange(previous, event);
    if (this.#state !== previous) {
      const ending =
        event.known && event.event === "message.created"
          ? (event.payload.message as WrittenPayload<"message.created">["message"])
          : undefined;
      for (const change of diffStreams(previous, this.#state, ending)) this.#emitter.emit("stream", change);
      this.#emitter.emit("state", this.#state);
    }
  }

  /**
   * After a `task.changed` (capability steps.derived): the report the room makes on the task's
   * job at a step's end is not sent, so it is made here and handed on as the room's would be;
   * a task not held is read, to make the reports of its next steps.
   */
  #afterTaskChange(previous: WorkspaceState, event: Extract<KnownEvent, { event: "task.changed" }>): void {
    if (!this.#derivesJobs) return;
    if (event.seq !== undefined) this.#afterTask = event.seq;
    const { task } = event.payload;
    const report = derivedJobReport(previous, this.#state, event);
    if (report) {
      const applied = applyEvent(this.#state, report, this.#view);
      if (applied.kind === "applied") this.#state = applied.state;
      this.#emitTyped(report, { type: "event", event: report.event, payload: report.payload });
      this.#emitter.emit("event", { type: "event", event: report.event, payload: report.payload });
    }
    if (this.#state.tasks.has(task.id) || this.#readTasks.has(task.id)) return;
    this.#readTasks.add(task.id);
    void this.request("tasks.get", { taskId: task.id }).then(
      ({ task: read }) => {
        const held = this.#state.tasks.get(read.id);
        if (held && held.updatedAt > read.updatedAt) return;
        this.#onEvent({ type: "event", event: "task.changed", payload: { task: read } });
      },
      () => this.#readTasks.delete(task.id),
    );
  }

  /**
   * An event as listeners and the state always get it, whole where the room sent less (`chat.delta` below), or
   * `inbox.updated` with the whole inbox: a change (capability
   * inbox.changes) applied to the inbox this client holds. The room sends a change only to a
   * socket it sent the inbox before, so one with none held means a frame was lost: the inbox is
   * read again and handed on as its own update (null: nothing to hand on now).
   */
  #whole(event: ReceivedEvent): ReceivedEvent | null {
    if (event.known && event.event === "chat.delta") return this.#wholeDelta(event.payload, event);
    if (event.known && event.event === "message.created")
      return this.#wholeReply(withToolMessage(event.payload.message), event);
    if (!event.known || event.event !== "inbox.updated") return event;
    const { inbox } = event.payload;
    if (!isInboxChange(inbox)) {
      this.#inbox = inbox;
      return event;
    }
    if (this.#inbox === null) {
      void this.request("inbox.get", {}).then(
        ({ inbox: read }) => {
          this.#inbox = read;
          const payload = { inbox: read };
          this.#emitTyped(
            { known: true, event: "inbox.updated", payload },
            { type: "event", event: "inbox.updated", payload },
          );
        },
        () => undefined,
      );
      return null;
    }
    this.#inbox = withInboxChange(this.#inbox, inbox);
    return { ...event, payload: { inbox: this.#inbox } };
  }

  /**
   * A streamed piece with its thread and instance, as listeners always get it: a later piece
   * (capability chat.deltas) names only its run, which this client holds from the run's first
   * piece or from the streams a hello or `threads.view` handed over. One of a run it does not
   * hold is dropped, as a piece after a gap is: the reply's message brings the whole text.
   */
  #wholeDelta(delta: ChatDeltaWhole | ChatDeltaMore, event: ReceivedEvent): ReceivedEvent | null {
    if (isWholeDelta(delta)) return event;
    const stream = this.#state.streams.get(delta.runId);
    if (!stream) return null;
    return {
      ...event,
      payload: { ...delta, threadId: stream.threadId, instanceId: stream.instanceId },
    } as ReceivedEvent;
  }

  /**
   * A reply's message with its text (capability reply.streamed): the room sends the Autopilot's
   * streamed reply with its text's length and hash, and the text is that of the stream it ends.
   * When the stream held differs (a piece missed) or none is held, the message is not applied:
   * the client resumes from the event before it, and the room's replay brings it whole.
   */
  #wholeReply(message: WrittenPayload<"message.created">["message"], event: ReceivedEvent): ReceivedEvent | null {
    const { streamed, ...rest } = message;
    // A folded tool message (steps.folded) made whole by withToolMessage: the state and listeners get that.
    if (!streamed)
      return message === (event.payload as { message: unknown }).message ? event : withMessage(event, message);
    const stream = message.runId === undefined ? undefined : this.#state.streams.get(message.runId);
    if (stream && stream.threadId === message.threadId && isStreamedText(stream.text, streamed))
      return { ...event, payload: { message: { ...rest, text: stream.text } } } as ReceivedEvent;
    this.#lastError = new AutopilotError("unavailable", `reply ${message.id} differs from its stream; resuming`, {
      retryable: true,
    });
    this.#reconnect();
    return null;
  }

  #emitTyped(event: KnownEvent, frame: EventFrame): void {
    // TS cannot correlate `event.event` with `event.payload` across the union; KnownEvent does.
    (this.#emitter as unknown as Emitter<Record<string, [unknown, EventFrame]>>).emit(
      event.event,
      event.payload,
      frame,
    );
  }

  #onResponse(frame: ResponseFrame): void {
    if (frame.id === "") {
      return this.#warn(
        frame.ok ? "response without id" : `server error about an unattributable frame: ${frame.error.message}`,
        frame,
      );
    }
    const pending = this.#pending.get(frame.id);
    // A late answer to a request that timed out or was aborted.
    if (!pending) return;
    if (frame.ok) {
      const result = Methods[pending.method].result.safeParse(frame.payload);
      if (result.success) return pending.resolve(result.data);
      return pending.reject(
        new AutopilotError(
          "invalid_response",
          `${pending.method} returned an unexpected result: ${result.error.message}`,
        ),
      );
    }
    const error = AutopilotError.fromShape(frame.error);
    const maxRetries = this.#options.maxRequestRetries ?? DEFAULT_MAX_REQUEST_RETRIES;
    if (!error.retryable || pending.retries >= maxRetries) return pending.reject(error);
    pending.retries += 1;
    const delay = error.retryAfterMs ?? fullJitterDelay(pending.retries, this.#backoffOptions);
    pending.sentOn = 0;
    pending.outbox?.waiting();
    pending.retryTimer = setTimeout(() => {
      pending.retryTimer = null;
      this.#flush();
    }, delay);
    if (pending.outbox) this.#outboxChanged();
  }

  #onClose(code: number, reason: string): void {
    const wasLive = this.#live;
    this.#live = false;
    this.#clearHelloTimer();
    if (wasLive) this.#outboxOffline();
    // A close we caused (gap, missing hello) has its reason recorded already.
    if (this.#terminalError || this.#closingOnPurpose) return;
    if (this.#steppingDown) {
      // Refused for its version by an older server: the next connect asks for an older one.
      this.#steppingDown = false;
      return;
    }
    const error = errorFromClose(code, reason);
    if (isTerminalCloseCode(code)) return this.#shutdown(error, true);
    if (error.code === "rate_limited") this.#retryOverrideMs = error.retryAfterMs ?? null;
    this.#lastError = error;
    if (wasLive) this.#setStatus("reconnecting", { error });
  }

  #onError(message: string | undefined): void {
    if (this.#terminalError) return;
    const status = refusedUpgradeStatus(message);
    if (status === 401)
      return this.#shutdown(
        new AutopilotError("unauthenticated", "authentication failed: the server refused the API key (HTTP 401)"),
        true,
      );
    if (status === 403)
      return this.#shutdown(new AutopilotError("forbidden", "access to the workspace was refused (HTTP 403)"), true);
    const reason =
      message === "TIMEOUT" ? `no connection within ${OPEN_TIMEOUT_MS / 1000} s` : message || "could not connect";
    this.#lastError = new AutopilotError("unavailable", reason, { retryable: true });
  }

  /** Drops the current socket and resumes on a new one (after the backoff). */
  #reconnect(): void {
    const wasLive = this.#live;
    this.#live = false;
    if (wasLive) this.#outboxOffline();
    // PartySocket dispatches the close of the old socket synchronously inside reconnect().
    this.#closingOnPurpose = true;
    try {
      this.#socket?.reconnect();
    } finally {
      this.#closingOnPurpose = false;
    }
    if (wasLive) this.#setStatus("reconnecting", this.#lastError ? { error: this.#lastError } : {});
  }

  #flush(): void {
    const socket = this.#socket;
    if (!this.#live || !socket || socket.readyState !== SOCKET_OPEN || this.#flushTimer) return;
    let outboxSent = false;
    for (const pending of this.#pending.values()) {
      if (pending.sentOn === this.#generation || pending.retryTimer) continue;
      if (this.#bucket && !this.#bucket.take()) {
        this.#flushTimer = setTimeout(() => {
          this.#flushTimer = null;
          this.#flush();
        }, this.#bucket.msUntilNext());
        break;
      }
      pending.sentOn = this.#generation;
      socket.send(pending.text);
      if (pending.outbox) {
        pending.outbox.sent();
        outboxSent = true;
      }
    }
    if (outboxSent) this.#outboxChanged();
  }

  /** The connection is gone: what the outbox sent on it waits again, with no deadline running. */
  #outboxOffline(): void {
    let any = false;
    for (const pending of this.#pending.values()) {
      if (!pending.outbox) continue;
      pending.outbox.waiting();
      any = true;
    }
    if (any) this.#outboxChanged();
  }

  #outboxChanged(): void {
    this.#emitter.emit("outbox", this.outbox);
  }

  /** Ends the client. `reportError` marks closes the client did not ask for. */
  #shutdown(error: AutopilotError, reportError: boolean): void {
    if (this.#terminalError) return;
    this.#terminalError = error;
    if (reportError) this.#closeError = error;
    this.#live = false;
    this.#clearHelloTimer();
    this.#unwatchPage?.();
    this.#unwatchPage = null;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    if (this.#sleeping) {
      clearTimeout(this.#sleeping.timer);
      this.#sleeping.wake();
    }
    this.#socket?.close(1000, "client closed");
    for (const pending of [...this.#pending.values()]) pending.reject(error);
    this.#settleReady.reject(error);
    this.#setStatus("closed", reportError ? { error } : {});
  }

  #clearHelloTimer(): void {
    if (this.#helloTimer) clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
  }

  #setStatus(status: ConnectionStatus, detail: StatusDetail): void {
    this.#status = status;
    this.#emitter.emit("status", status, detail);
  }

  #warn(message: string, frame?: unknown): void {
    this.#emitter.emit("warning", frame === undefined ? { message } : { message, frame });
  }
}

/** In a browser, whether the page is in front of the person (in Node: never, so the full backoff holds). */
function pageVisible(): boolean {
  return (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === "visible";
}

/** Calls `wake` when a browser goes online or its page becomes visible; nothing elsewhere. */
function watchPage(wake: () => void): () => void {
  const page = globalThis as {
    document?: EventTarget & { visibilityState?: string };
    addEventListener?: EventTarget["addEventListener"];
    removeEventListener?: EventTarget["removeEventListener"];
  };
  const onVisible = () => {
    if (pageVisible()) wake();
  };
  page.addEventListener?.("online", wake);
  page.document?.addEventListener?.("visibilitychange", onVisible);
  return () => {
    page.removeEventListener?.("online", wake);
    page.document?.removeEventListener?.("visibilitychange", onVisible);
  };
}

/** `event` (a `message.created`) carrying `message` in place of the one it came with. */
const withMessage = (event: ReceivedEvent, message: WrittenPayload<"message.created">["message"]): ReceivedEvent =>
  ({ ...event, payload: { ...(event.payload as object), message } }) as ReceivedEvent;
