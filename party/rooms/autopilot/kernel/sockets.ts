import type { ConnectionContext, WSMessage } from "agents/lifecycle";
import { CloseCode, type ErrorShape } from "../../../../shared/protocol/errors";
import type { EventName, EventPayload } from "../../../../shared/protocol/events";
import { MAX_CLIENT_FRAME_BYTES } from "../../../../shared/protocol/frames";
import type { Principal, Scope } from "../../../../shared/protocol/principal";
import { currentSeq, type OpEffects, planResume, type ResumePlan, roomEpoch } from "./commit";
import type { Sql } from "../../../domain/sql";
import { principalTag, refuseOverCap } from "../../shared/connection-cap";
import {
  type AdmittedSocket,
  type ClientSocket,
  type ConnState,
  connState,
  presenceEntry,
  presenceOf,
} from "../../shared/connection-state";
import type { RoomLimits } from "../../shared/limits";
import { RequestMeter, rateLimitedResponse } from "../../shared/rate-limit";
import { admitConnection } from "../../shared/admission";
import { buildHello, type HelloInput } from "./connections/hello";
import type { HelloPayload } from "../../../../shared/protocol/hello";
import { offeredCapabilities } from "../../../../shared/protocol/capabilities";
import type { ProtocolWindow } from "../../../../shared/protocol/version";
import { PRESENCE_DIFF_MS, PresenceBroadcast } from "./connections/presence-broadcast";
import { PresenceTold } from "./connections/presence-told";
import { PresenceIndex } from "./connections/presence-index";
import type { PresenceDiffPayload, PresenceSummary } from "../../../../shared/protocol/presence";
import type { z } from "zod";
import { methodSpokenIn } from "../../../../shared/protocol/cuts/index";
import { ThreadBumps, ThreadInterest } from "./connections/interest";
import { VIEW_TAG, viewed } from "../../shared/view-tags";
import { MAX_BUMPED_THREADS, type ThreadBump, viewedThreadOf } from "../../../../shared/protocol/interest";
import type { ChatStream } from "../../../../shared/protocol/gateway";
import { RoomError } from "../../../domain/errors";
import { type Audience, mayBeTold, mayReadWorkspace } from "../../shared/reading";
import type { DeliveryTier } from "./tier";
import { broadcast, broadcastToThread, type BumpAudience, ReplayPump, sendBumps } from "./fanout";
import {
  askedFor,
  connectionOf,
  eventFrame,
  inOwnProtocol,
  lazyFrame,
  responseTextFor,
  sendQuietly,
  sendToAll,
  writtenText,
  socketShape,
} from "../../shared/socket-fanout";
import {
  type DispatchOutcome,
  type Executor,
  parseFrame,
  sniffRequestId,
  unknownMethod,
  type ViewAnswer,
} from "./dispatch";

export interface SocketsDeps {
  ctx: DurableObjectState;
  sql: Sql;
  workspaceId(): string;
  limits(): RoomLimits;
  /** The protocol versions spoken at `now` (party/rooms/shared/protocol-window.ts). */
  protocolWindow(now: number): ProtocolWindow;
  /** The room's open sockets (the lifecycle's hibernating ones and its delivery objects'), or those with a tag. */
  connections(tag?: string): Iterable<ClientSocket>;
  /** Only the room's own. */
  ownConnections(tag?: string): Iterable<ClientSocket>;
  /**
   * What a hello to `principal` carries besides the room's state: live streams and sessions,
   * the Autopilot, the stream budget, the principal's read markers.
   */
  hello(principal: Principal): Pick<HelloInput, "live" | "agent" | "streamBytes" | "reads">;
  /** The features' collections of a hello's snapshot. */
  snapshot: HelloInput["snapshot"];
  /** A socket was admitted and greeted (its person's inbox goes to it). */
  joined(conn: ClientSocket, principal: Principal, request: Request): void;
  /** The replies streaming now, in every thread. */
  streams(): ChatStream[];
  /** How a thread stands, for a bump (null: there is no such thread). */
  bump(threadId: string): ThreadBump | null;
}

/**
 * The room's client sockets: admission and the per-principal cap, the hello and the replay
 * of what a socket missed, metering and parsing every frame before the request goes to the
 * one entry (dispatch.ts Executor), presence, and the fan-out of events in each socket's protocol.
 */
export class RoomSockets {
  readonly meter: RequestMeter;
  readonly #replay: ReplayPump;
  readonly #presence: PresenceBroadcast;
  readonly #who: PresenceIndex;
  readonly #interest: ThreadInterest;
  readonly #bumps: ThreadBumps<ThreadBump>;
  #entry: Executor | null = null;
  /** The sockets the workspace's delivery objects hold (kernel/tier.ts), while they hold any. */
  #remote: DeliveryTier | null = null;
  /** What presence the sockets were last told: a window that changes nothing tells nothing. */
  readonly #told = new PresenceTold();

  constructor(private readonly d: SocketsDeps) {
    this.meter = new RequestMeter(() => d.limits());
    this.#replay = new ReplayPump({
      sql: d.sql,
      reset: (socket) => {
        const conn = connectionOf(socket as ClientSocket);
        return this.#greet(conn, { kind: "snapshot", reset: true }, mayReadWorkspace(connState(conn)!.principal));
      },
      overflow: (socket) =>
        connectionOf(socket as ClientSocket).close(CloseCode.rateLimited, JSON.stringify({ retryAfterMs: 1000 })),
    });
    // Given how many sockets a window goes to, a storm gathers into a few windows (presence-broadcast.ts).
    this.#presence = new PresenceBroadcast(
      (diffs) => this.#tellPresence(diffs),
      PRESENCE_DIFF_MS,
      Date.now,
      () => this.#who.size,
    );
    this.#who = new PresenceIndex(() => presenceOf(d.connections()));
    this.#interest = new ThreadInterest(() => d.connections(VIEW_TAG));
    // One frame per window to every socket that chose its threads, the same text for all of them.
    this.#bumps = new ThreadBumps(d.bump, (bumps) =>
      sendBumps(this.d.ctx, this.#replay, this.#remote, bumps, bumpFrames, this.#bumpAudience),
    );
  }

  /** The delivery objects hold sockets for the room (or none any more: null). */
  remote(tier: DeliveryTier | null): void {
    this.#remote = tier;
  }

  /** The room's one entry for requests: built on the features, which are built after the sockets. */
  serve(entry: Executor): void {
    this.#entry = entry;
  }

  #executor(): Executor {
    if (!this.#entry) throw new Error("a request came before the room's entry was built");
    return this.#entry;
  }

  /** A commit's durable events to every socket (the bus's first stop). */
  readonly deliver = (effects: OpEffects): void => {
    for (const e of effects.events) this.broadcast(e.event, e.payload, e.seq);
  };

  /** Who is connected now. */
  presence() {
    return this.#who.entries();
  }

  /** From memory (no socket is read): whether a socket is connected, and how many a principal has. */
  readonly connected = (connectionId: string): boolean => this.#who.has(connectionId);
  readonly connectedOf = (principalId: string): number => this.#who.own(principalId);

  /**
   * What a window of joins, changes and leaves tells: everyone the summary (bounded whatever
   * the crowd, presence-index.ts), and each principal that changed its own count.
   */
  #tellPresence(diffs: z.infer<typeof PresenceDiffPayload>[]): void {
    const who = this.#who;
    const shown = who.shown();
    const counts = { people: who.people, connections: who.size };
    const touched = diffs.flatMap((d) => [...d.upserted, ...d.left].map((e) => e.principalId));
    // Only what some socket now holds differently from the room goes out (connections/presence-told.ts).
    const tell = this.#told.window(counts, shown.json, touched, (principalId) => who.own(principalId));
    if (tell.summary) this.broadcast("presence.summary", { ...counts, ...(tell.shown ? { shown: shown.people } : {}) });
    for (const principalId of tell.own) this.toPrincipal(principalId, "presence.own", { own: who.own(principalId) });
  }

  /** A hello's presence; noted as told to this socket, for the next window (connections/presence-told.ts). */
  #summaryFor(principalId: string): PresenceSummary {
    const who = this.#who;
    const shown = who.shown();
    const summary = { people: who.people, connections: who.size, shown: shown.people, own: who.own(principalId) };
    this.#told.helloed(summary, shown.json, principalId, summary.own);
    return summary;
  }

  /** To one socket (quietly: it may have closed) in its protocol version; held while it is still replaying (kernel/fanout.ts ReplayPump). */
  send(conn: ClientSocket, text: string): void {
    this.#replay.send(inOwnProtocol(conn), text);
  }

  /**
   * An event to every socket, in each one's protocol; a durable one with its seq. A thread's
   * message or stream goes to the sockets that view it (or chose none), and the others that
   * chose get a bump (connections/interest.ts).
   */
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>, seq?: number): void {
    // The whole frame is serialized only when some socket, a replay or the tier takes it: a
    // streamed piece goes to the app's sockets as its lesser frame alone.
    const text = lazyFrame(() => eventFrame(event, payload, seq));
    const written = writtenText(event, payload, text, seq);
    const threadId = viewedThreadOf(event, payload);
    if (threadId === null || !this.#interest.any())
      return broadcast(this.d.ctx, this.#replay, text, seq, this.#remote, threadId, written);
    const interest = this.#interest;
    broadcastToThread(
      this.d.ctx,
      this.#replay,
      text,
      seq,
      interest.viewers(threadId),
      (id) => interest.wants(id, threadId),
      this.#remote,
      threadId,
      written,
    );
    this.#bumps.touched(threadId);
  }

  /** The threads a socket that chose its threads views from now on, and their replies streaming now. */
  #view(conn: ClientSocket, threads: readonly string[]): ViewAnswer {
    const state = connState(conn);
    if (!state?.view)
      throw new RoomError("bad_request", "this socket gets every thread: connect with view= to choose threads");
    const view = viewed(threads);
    conn.setState({ ...state, view });
    this.#interest.set(conn.id, view);
    return { threads: view, streams: this.d.streams().filter((stream) => view.includes(stream.threadId)) };
  }

  /** An event to the sockets whose principal holds `scope` (or is in `audience`): the room's own one by one, its delivery objects' at once. */
  toScope<E extends EventName>(scope: Scope | Audience, event: E, payload: EventPayload<E>): void {
    const text = eventFrame(event, payload);
    const holds = (socket: ClientSocket) => {
      const state = connState(socket);
      return state !== null && mayBeTold(state.principal, scope);
    };
    for (const conn of this.d.ownConnections()) if (holds(conn)) this.send(conn, text);
    const tier = this.#remote;
    if (!tier) return;
    // A replaying remote socket gets it from the room once caught up (ReplayPump), the others from their delivery object.
    const skip =
      this.#replay.size > 0
        ? this.#replay.holdBroadcast(text, undefined, (id) => {
            const socket = tier.get(id);
            return socket !== undefined && holds(socket);
          })
        : [];
    tier.toScope(scope, text, skip);
  }

  /** An event to one principal's own sockets (found by their tag), nobody else's. */
  toPrincipal<E extends EventName>(principalId: string, event: E, payload: EventPayload<E>): void {
    this.#toTag(principalTag(principalId), eventFrame(event, payload));
  }

  /** A frame to the sockets with `tag`, each in its protocol; one that is replaying gets it once caught up. */
  #toTag(tag: string, text: string): void {
    const tier = this.#remote;
    const skip =
      this.#replay.size > 0 ? this.#replay.holdBroadcast(text, undefined, (id) => this.#tagged(id, tag)) : undefined;
    sendToAll(this.d.ctx, text, skip, tag);
    tier?.toTag(tag, text, undefined, skip);
  }

  readonly #bumpAudience: BumpAudience = {
    viewers: (threadId) => this.#interest.viewers(threadId),
    tagged: (id, tag) => this.#tagged(id, tag),
    others: (id) => askedFor(this.#tagsOf(id), "bumps.others"),
  };

  #tagsOf(id: string): readonly string[] {
    for (const ws of this.d.ctx.getWebSockets(id)) return this.d.ctx.getTags(ws);
    return this.#remote?.get(id)?.tags ?? [];
  }

  /** Whether the socket `id` (the room's own or a remote one) carries `tag`. */
  #tagged(id: string, tag: string): boolean {
    return this.#tagsOf(id).includes(tag);
  }

  /** A socket connects: the room's own, or one a delivery object holds and `admitted` already (kernel/tier.ts). */
  onConnect(conn: ClientSocket, ctx: Pick<ConnectionContext, "request">, admitted?: AdmittedSocket): void {
    const admission = admitted
      ? { ok: true as const, ...admitted }
      : admitConnection(ctx.request, Date.now(), this.d.protocolWindow(Date.now()));
    if (!admission.ok) {
      conn.close(admission.code, admission.reason);
      return;
    }
    const { state } = admission;
    const cap = this.d.limits().connectionsPerPrincipal;
    // Under the cap by the room's own count (in memory, never below the sockets open): no list
    // of sockets to read, which in one principal's reconnect storm was O(N) per connect. At it,
    // the open sockets themselves decide.
    if (
      this.#who.own(state.principal.id) >= cap &&
      refuseOverCap(conn, this.#principalSockets(state.principal.id), cap)
    )
      return;
    conn.setState(state);
    if (state.view) this.#interest.set(conn.id, state.view);
    const entry = presenceEntry(conn.id, state);
    this.#who.set(entry);
    // A principal that may not read resumes nothing: it is greeted with an empty snapshot, and
    // one that comes back drops whatever it held (party/rooms/shared/reading.ts).
    const reads = mayReadWorkspace(state.principal);
    const plan: ResumePlan = reads
      ? planResume(this.d.sql, roomEpoch(this.d.sql), admission.lastSeq, admission.epoch)
      : { kind: "snapshot", reset: admission.lastSeq !== null };
    // What the socket missed, if anything, up to the log's end; a delivery object that kept all of
    // it replays it there (kernel/tier.ts), told just before the hello.
    const from = plan.kind === "replay" ? plan.from : null;
    const end = currentSeq(this.d.sql);
    const replayHere = from !== null && from < end && !this.#remote?.replays(conn.id, from, end);
    this.#greet(conn, plan, reads);
    // Greeted and caught up: a delivery object's socket (kernel/tier.ts) is settled once its link delivered this far.
    const settled = () => this.#remote?.settled(conn.id);
    // The replay goes out in pages; frames for this socket wait until it has caught up.
    if (replayHere) {
      const view = state.view && {
        threads: new Set(state.view),
        skipped: (threads: ReadonlySet<string>) => this.bumpTo(conn, threads),
      };
      void this.#replay.start(inOwnProtocol(conn), from, view).then(settled, (error: unknown) => {
        console.error(
          JSON.stringify({
            msg: "replay failed",
            workspace: this.d.workspaceId(),
            connection: conn.id,
            error: String(error),
          }),
        );
      });
    } else settled();
    if (reads) this.d.joined(conn, state.principal, ctx.request);
    this.#presence.joined(entry);
  }

  /** A principal's sockets, raw (connection-cap.ts): the room's own and its delivery objects'. */
  #principalSockets(principalId: string): Parameters<typeof refuseOverCap>[1] {
    const own = this.d.ctx.getWebSockets(principalTag(principalId));
    return this.#remote ? [...own, ...this.#remote.connections(principalTag(principalId))] : own;
  }

  /** These threads' bumps, to one socket (what its replay left out, here or at its delivery object). */
  bumpTo(conn: ClientSocket, threads: Iterable<string>): void {
    const state = connState(conn);
    if (!state || !mayReadWorkspace(state.principal)) return;
    const bumps = [...threads].flatMap((threadId) => this.d.bump(threadId) ?? []);
    for (const text of bumpFrames(bumps)) this.send(conn, text);
  }

  /** Sends the hello (bounded snapshot, or where the replay starts); returns the seq it covers. */
  #greet(conn: ClientSocket, plan: ResumePlan, readable: boolean): number {
    const state = connState(conn)!;
    const { perSecond, burst } = this.d.limits().connection;
    const hello = buildHello({
      sql: this.d.sql,
      connectionId: conn.id,
      workspaceId: this.d.workspaceId(),
      epoch: roomEpoch(this.d.sql),
      principal: state.principal,
      plan,
      readable,
      presence: readable ? this.#summaryFor(state.principal.id) : this.#ownOnly(state.principal.id),
      snapshot: this.d.snapshot,
      ...(readable ? this.#helloFor(state) : { live: undefined, agent: undefined, reads: {} }),
      limits: { maxFrameBytes: MAX_CLIENT_FRAME_BYTES, requestsPerSecond: perSecond, burst },
      ...this.#protocolNotes(conn),
    });
    sendQuietly(inOwnProtocol(conn), eventFrame("hello", hello));
    return hello.seq;
  }

  /** What a hello tells a socket of its version: the capabilities offered to it, and whether the version leaves soon. */
  #protocolNotes(conn: ClientSocket): Pick<HelloPayload, "capabilities" | "deprecated"> {
    const { version } = socketShape(conn);
    const deprecated = this.d.protocolWindow(Date.now()).deprecation(version);
    return { capabilities: offeredCapabilities(version), ...(deprecated ? { deprecated } : {}) };
  }

  /** A hello's presence for a principal that may not read: its own sockets, nobody else. */
  #ownOnly(principalId: string): PresenceSummary {
    const own = this.#who.own(principalId);
    return { people: 1, connections: own, shown: [], own };
  }

  /**
   * What a hello carries besides the room's state. A socket that chose its threads gets the
   * text of their streams only: of the others, that a reply runs there (as a bump says it).
   */
  #helloFor(state: ConnState): ReturnType<SocketsDeps["hello"]> {
    const hello = this.d.hello(state.principal);
    const view = state.view;
    if (!view || !hello.live) return hello;
    const streams = hello.live.streams.map((s) => (view.includes(s.threadId) ? s : { ...s, text: "" }));
    return { ...hello, live: { ...hello.live, streams } };
  }

  onMessage(conn: ClientSocket, frame: WSMessage): void {
    this.#presence.flushIfDue();
    // A hibernating socket delivers a string or an ArrayBuffer; a view is copied out.
    const message =
      typeof frame === "string" || frame instanceof ArrayBuffer
        ? frame
        : new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength).slice().buffer;
    const state = connState(conn);
    if (!state) {
      // A socket refused in onConnect (no state) may still have frames on their way.
      if (conn.readyState === WebSocket.OPEN) conn.close(CloseCode.unauthenticated, "unauthenticated");
      return;
    }
    const now = Date.now();
    // Every frame costs a token, garbage included: the limiter runs before any parsing.
    const token = this.meter.take(conn.id, state.principal.id, now);
    if (!token.ok) {
      if (token.close)
        conn.close(CloseCode.rateLimited, JSON.stringify({ retryAfterMs: Math.max(token.retryAfterMs, 1000) }));
      else this.send(conn, rateLimitedResponse(token, sniffRequestId(message)));
      return;
    }
    const parsed = parseFrame(message);
    if (!parsed.ok) {
      logRequest(this.d.workspaceId(), conn.id, state.principal.id, "bad frame", parsed.outcome.error?.error);
      this.send(conn, JSON.stringify(parsed.outcome.response));
      return;
    }
    const setStatus = (status: string | null) => {
      const next = { ...state, status };
      conn.setState(next);
      const entry = presenceEntry(conn.id, next);
      this.#who.set(entry);
      this.#presence.updated(entry);
      return entry;
    };
    const method = parsed.frame.method;
    // A client of an older protocol does not know the methods added since: answered as its own server would.
    if (!methodSpokenIn(method, socketShape(conn).version)) {
      this.#answer(conn, state, method, unknownMethod(parsed.frame.id, method));
      return;
    }
    const view = (threads: readonly string[]) => this.#view(conn, threads);
    const as = { principal: state.principal, via: "socket" as const, now, setStatus, view };
    void this.#executor().execute(as, parsed.frame, (outcome) => this.#answer(conn, state, method, outcome));
  }

  #answer(conn: ClientSocket, state: ConnState, method: string, outcome: DispatchOutcome): void {
    if (outcome.error) {
      const { error } = outcome;
      logRequest(
        this.d.workspaceId(),
        conn.id,
        state.principal.id,
        `request failed: ${error.method}`,
        error.error,
        error.cause,
      );
    }
    this.send(conn, responseTextFor(socketShape(conn), method, outcome.response));
  }

  onClose(conn: ClientSocket): void {
    this.meter.forget(conn.id, Date.now());
    this.#replay.forget(conn.id);
    this.#who.left(conn.id);
    this.#interest.left(conn.id);
    const state = connState(conn);
    if (state) this.#presence.left(conn.id, state.principal.id);
  }
}

/** Bumps as `thread.bump` frames, at most MAX_BUMPED_THREADS each. */
function bumpFrames(bumps: readonly ThreadBump[]): string[] {
  const texts: string[] = [];
  for (let i = 0; i < bumps.length; i += MAX_BUMPED_THREADS)
    texts.push(eventFrame("thread.bump", { threads: bumps.slice(i, i + MAX_BUMPED_THREADS) }));
  return texts;
}

/** One log line for a refused or failed request; internal errors carry their cause (never sent to the client). */
export function logRequest(
  workspace: string,
  connectionId: string,
  principalId: string,
  msg: string,
  error?: ErrorShape,
  cause?: unknown,
): void {
  const entry = {
    msg,
    workspace,
    connection: connectionId,
    principal: principalId,
    code: error?.code,
    detail: error?.message,
    ...(error?.code === "internal"
      ? { cause: cause instanceof Error ? (cause.stack ?? cause.message) : String(cause) }
      : {}),
  };
  if (error?.code === "internal") console.error(JSON.stringify(entry));
  else console.warn(JSON.stringify(entry));
}
