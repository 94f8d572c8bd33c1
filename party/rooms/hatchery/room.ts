import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { YServer } from "y-partyserver";
import { removeAwarenessStates } from "y-protocols/awareness";
import type * as Y from "yjs";
import { reviewAwarenessUpdate } from "../../../shared/hatchery/awareness";
import { takeClientUpdate } from "../../../shared/hatchery/client-write";
import { type DomainKind, isDomainKind } from "../../../shared/hatchery/graph";
import { HatcheryCloseCode, type HatcheryRefusal, refusalFrame } from "../../../shared/hatchery/refusal";
import { type DomainRecord, typeCanvasRoots } from "../../../shared/hatchery/review";
import { CloseCode, type ErrorShape } from "../../../shared/protocol/errors";
import type { GraphCommand } from "../../../shared/protocol/graph";
import type { Principal } from "../../../shared/protocol/principal";
import { hasScope } from "../../../shared/scopes";
import { AccessChange } from "../../access/access-change";
import { getDomainNode, recallGraphApply, rememberGraphApply } from "../../domain/canvas-records";
import { newId } from "../../domain/keys";
import { migrateHatchery } from "../../domain/db/migrate";
import { INTERNAL_ERROR, RoomError } from "../../domain/errors";
import { applyGraphCommands } from "../../domain/graph-commands";
import { sweepGraphIdempotency } from "../../domain/canvas-records";
import { type Sql, sqlFromStorage } from "../../domain/sql";
import {
  appendUpdate,
  COMPACT_AFTER_UPDATES,
  compact,
  loadDoc,
  type Pending,
  pendingOf,
  shouldCompact,
} from "../../domain/ydoc-store";
import type { Env } from "../../env";
import { type GuardedSocket, revalidateSockets } from "../shared/connection-access";
import { principalTag, principalTags, refuseOverCap } from "../shared/connection-cap";
import { readRoomLimits } from "../shared/limits";
import { Meter } from "../shared/meter";
import { parsePrincipalHeader, PRINCIPAL_HEADER } from "../shared/principal-header";
import { mayReadWorkspace } from "../shared/reading";
import { type ClientFrame, presenceFrame, readClientFrame, sendFrame, updateFrame } from "./client-frames";
import { pullOnce } from "./domain-pull";
import { foldOldActivity } from "./fold-activity";
import { HATCHERY_METER, type HatcheryLimits, hatcheryLimits, type HatcheryRates } from "./limits";
import { type Refusal, refusalFor, takeBackOversize, tooLarge } from "./refusals";
import { leaving, queryAwarenessFrame, type SocketPresence } from "./presence";
import { tellWatched } from "./watched";

/** Transaction origin of an agent's graph commands (domain-pull.ts has the domain's); any other came from a client. */
export const AGENT_ORIGIN = "autopilot-graph-apply";

interface ConnState extends SocketPresence {
  principal: Principal;
  readonly: boolean;
  /** Refusals as y-partyserver custom messages (asked for), else as y-protocols auth messages. */
  custom: boolean;
}

/** How far over the frame cap an update is still read, to be taken back rather than hung up on. */
const OVERSIZE_READ_FACTOR = 16;

/**
 * `write` edits the document, a person's or an agent's (each update reviewed alike);
 * viewers and read-only keys read.
 */
function canvasState(principal: Principal, custom: boolean): ConnState {
  return { principal, readonly: !hasScope(principal.scopes, "write"), custom };
}

/** Why a socket whose principal may not read is closed. */
const NO_READ_REASON = "the canvas needs the read scope";

/** Where the Autopilot pokes its Hatchery (a fetch to the room itself). */
export const POKE_PATH = "/poke";

/** The poke's answer: how many sockets watch the canvas (none: the Autopilot stops poking until told again). */
export const CANVAS_VIEWERS_HEADER = "x-canvas-viewers";

type GraphApplied = { applied: number; created: string[] };
export type GraphApplyOutcome = { ok: true; result: GraphApplied } | { ok: false; error: ErrorShape };

/** One log line of the room's, as JSON. */
function log(level: "warn" | "error", msg: string, workspace: string, fields: Record<string, unknown> = {}): void {
  console[level](JSON.stringify({ msg, workspace, ...fields }));
}

/**
 * One Hatchery per workspace: the shared canvas as a Y.Doc (see shared/hatchery/graph.ts).
 *
 * - Domain nodes come from the Autopilot's event log. The Hatchery *pulls* them by `seq`
 *   (`sync`), poked by the Autopilot after each commit while someone watches the canvas, and
 *   again on every wake and at the first socket after nobody watched (decision 102), so a lost
 *   poke only delays the canvas; it can never leave it behind for good.
 * - Whoever holds `write` edits the document (positions, notes, groups, edges), each update
 *   reviewed; agents that do not speak Yjs use `graph.apply`.
 * - Hibernating: the document is rebuilt from SQLite on wake (onLoad).
 * - y-partyserver speaks the Yjs sync and awareness protocols: it answers sync step 1,
 *   applies and relays presence, sends the document's updates to every socket, greets and
 *   says goodbye (onConnect, onClose), and carries custom messages. The room adds what it
 *   has no hook for, in onMessage: a gate on every frame, and the review of people's
 *   updates and presence before either is applied.
 */
export class Hatchery extends YServer {
  static override options = { hibernate: true };
  // The debounced save compacts when enough piled up (ydoc-store.ts shouldCompact); every update is already durable on its own row.
  static override callbackOptions = { debounceWait: 5000, debounceMaxWait: 30_000 };

  readonly #sql: Sql;
  #syncing: Promise<void> | null = null;
  #syncAgain = false;
  readonly #limits: HatcheryLimits;
  readonly #meter: Meter<keyof HatcheryRates>;
  /** Sockets we closed: frames they had already sent are dropped unread. */
  readonly #hungUp = new Set<string>();
  /** Sockets whose presence left when the room closed them, before their close handler ran. */
  readonly #left = new Set<string>();
  /** What is stored of the document (read once per wake, then counted): its snapshot and the updates since. */
  #pending: Pending | null = null;
  /**
   * Whether the Autopilot was told, since this wake, that the canvas is watched (it pokes only a
   * watched canvas, decision 102): false after a poke answered that nobody watches.
   */
  #toldWatched = false;
  /** The pull that follows telling it (graph.apply waits for it: the nodes made meanwhile come with it). */
  #catchingUp: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = sqlFromStorage(ctx.storage);
    migrateHatchery(this.#sql);
    this.#limits = hatcheryLimits(env);
    this.#meter = new Meter(HATCHERY_METER, () => this.#limits);
  }

  get #env(): Env {
    return this.env as unknown as Env;
  }

  override async onLoad(): Promise<Y.Doc> {
    return foldOldActivity(loadDoc(this.#sql), this.#sql, this.name);
  }

  override async onSave(): Promise<void> {
    if (shouldCompact(this.#stored())) this.#compact();
  }

  #stored(): Pending {
    this.#pending ??= pendingOf(this.#sql);
    return this.#pending;
  }

  #compact(): void {
    this.#pending = { updates: 0, updateBytes: 0, snapshotBytes: compact(this.#sql, this.document).bytes };
  }

  /** Upper bound of the document's encoded size (stored bytes); exact after a compaction. */
  get #docBytes(): number {
    const stored = this.#stored();
    return stored.snapshotBytes + stored.updateBytes;
  }

  override async onStart(): Promise<void> {
    await super.onStart();
    typeCanvasRoots(this.document);
    this.document.on("update", (update: Uint8Array) => {
      const stored = this.#stored();
      appendUpdate(this.#sql, update);
      stored.updates++;
      stored.updateBytes += update.byteLength;
      if (stored.updates >= COMPACT_AFTER_UPDATES) this.#compact();
    });
    // Catch up with anything the Autopilot committed while we slept; sockets that slept with us
    // watch: the Autopilot is told so first (a word it may have missed).
    if (this.ctx.getWebSockets().length > 0) this.#watchedAgain();
    else void this.sync().catch((error) => log("error", "hatchery sync failed", this.name, { error: String(error) }));
    // Presence lived in memory only: ask every socket that had one for it again (presence.ts).
    const query = queryAwarenessFrame();
    for (const conn of this.getConnections())
      if ((conn.state as ConnState | null)?.awarenessId !== undefined) sendFrame(conn, query);
  }

  override getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    return principalTags(ctx.request);
  }

  /** Whether a socket's updates may change the document: the room's review asks (#takeUpdate). */
  override isReadOnly(connection: Connection): boolean {
    return (connection.state as ConnState | null)?.readonly ?? true;
  }

  override onConnect(conn: Connection, ctx: ConnectionContext): void {
    const principal = parsePrincipalHeader(ctx.request.headers.get(PRINCIPAL_HEADER));
    if (!principal) {
      conn.close(CloseCode.unauthenticated, "unauthenticated");
      return;
    }
    // The canvas is the workspace's threads, approvals and jobs, sent whole to every socket: a
    // principal that may not read is refused before any of it goes (party/rooms/shared/reading.ts).
    if (!mayReadWorkspace(principal)) {
      conn.close(CloseCode.forbidden, NO_READ_REASON);
      return;
    }
    const sockets = this.ctx.getWebSockets(principalTag(principal.id));
    if (refuseOverCap(conn, sockets, readRoomLimits(this.#env).connectionsPerPrincipal)) return;
    // A client that reads y-partyserver's custom messages asks for its refusals as such.
    const custom = new URL(ctx.request.url).searchParams.get("refusals") === "custom";
    conn.setState(canvasState(principal, custom));
    super.onConnect(conn, ctx);
    if (!this.#toldWatched) this.#watchedAgain();
  }

  /**
   * Someone watches a canvas the Autopilot may have stopped poking: it is told first, then the
   * canvas pulls, so that every commit is either in this pull or poked after it.
   */
  #watchedAgain(): void {
    this.#toldWatched = true;
    const catchingUp = (async () => {
      const told = await tellWatched(
        this.#env,
        this.name,
        () => this.ctx.getWebSockets().length,
        (error, attempt) =>
          log("error", "hatchery could not tell it is watched", this.name, { error: String(error), attempt }),
      );
      if (!told) this.#toldWatched = false;
      await this.sync();
    })()
      .catch((error) => log("error", "hatchery sync failed", this.name, { error: String(error) }))
      .finally(() => {
        if (this.#catchingUp === catchingUp) this.#catchingUp = null;
      });
    this.#catchingUp = catchingUp;
  }

  /**
   * RPC from the Worker (party/access/revalidate.ts): access in this workspace changed.
   * A re-scoped socket keeps its connection (and its presence id); onMessage reads
   * `readonly` from its state on every frame. One that lost `read` is closed, as it would be
   * refused at connect.
   */
  async accessChanged(message: AccessChange): Promise<void> {
    const { reason } = AccessChange.parse(message);
    const sockets = [...this.getConnections()].flatMap((conn): GuardedSocket[] => {
      const state = conn.state as ConnState | null;
      if (!state?.principal) return [];
      // Its presence goes with the close at once, not when (or if) its side of the close arrives.
      const close = (code: number, why: string) => {
        conn.close(code, why);
        this.#leave(conn);
      };
      // Onto the state as it is by then: y-partyserver keeps the socket's presence ids in it too.
      const rescope = (principal: Principal) => {
        if (!mayReadWorkspace(principal)) return close(CloseCode.forbidden, NO_READ_REASON);
        const scoped = canvasState(principal, state.custom);
        conn.setState((prev: ConnState | null) => ({ ...(prev ?? state), ...scoped }));
      };
      return [{ principal: state.principal, close, rescope }];
    });
    await revalidateSockets(this.#env.DB, this.name, sockets, reason);
  }

  /**
   * Every frame passes here first: the frame cap and the rate limits (per connection and per
   * principal). Then y-partyserver's own handling (handleMessage) takes it, but for what it
   * has no hook for (client-frames.ts routes): a document update is taken by the room itself
   * (#takeUpdate), presence is reviewed and handed on rewritten (#takePresence), and a frame
   * y-partyserver cannot read or does not speak gets a typed refusal, where it would only log.
   */
  override onMessage(conn: Connection, message: WSMessage): void {
    const state = conn.state as ConnState | null;
    if (!state || this.#hungUp.has(conn.id) || !this.#admit(conn, state, message)) return;
    // Text is y-partyserver's custom messages (onCustomMessage).
    if (typeof message === "string") return this.handleMessage(conn, message);
    const bytes = message instanceof Uint8Array ? message : new Uint8Array(message as ArrayBuffer);
    try {
      const frame = readClientFrame(bytes);
      if (bytes.byteLength > this.#limits.maxFrameBytes) this.#refuseOversize(conn, frame, bytes.byteLength);
      else if (frame.kind === "update") this.#takeUpdate(conn, state, frame.update);
      else if (frame.kind === "presence") this.#takePresence(conn, state, frame.update);
      else if (frame.kind === "syncStep1") this.handleMessage(conn, bytes);
      else this.#refuse(conn, { code: "bad_frame", message: `unknown message type ${frame.type}` });
    } catch (error) {
      log("error", "hatchery bad frame", this.name, { error: String(error) });
      this.#refuse(conn, { code: "bad_frame", message: "unreadable frame" });
    }
  }

  /** The canvas's clients send no custom messages; one that comes anyway is dropped. */
  override onCustomMessage(_conn: Connection, _message: string): void {}

  /** The frame cap and the rate limits. An update somewhat over the cap passes, to be taken back. */
  #admit(conn: Connection, state: ConnState, message: WSMessage): boolean {
    const size = typeof message === "string" ? message.length : message.byteLength;
    const cap = this.#limits.maxFrameBytes;
    if (size > cap * OVERSIZE_READ_FACTOR || (size > cap && typeof message === "string")) {
      this.#refuse(conn, tooLarge(size, cap), HatcheryCloseCode.tooLarge);
      return false;
    }
    const metered = this.#meter.take({ perConnection: conn.id, perPrincipal: state.principal.id }, Date.now());
    if (metered.ok) return true;
    const { retryAfterMs } = metered;
    const refusal = { code: "rate_limited", message: "too many frames", retryAfterMs } as const;
    this.#refuse(conn, refusal, HatcheryCloseCode.rateLimited, JSON.stringify({ retryAfterMs }));
    return false;
  }

  /** An update over the frame cap is refused whole and taken back (refusals.ts); any other such frame is hung up on. */
  #refuseOversize(conn: Connection, frame: ClientFrame, size: number): void {
    const refusal = tooLarge(size, this.#limits.maxFrameBytes);
    if (frame.kind !== "update") return this.#refuse(conn, refusal, HatcheryCloseCode.tooLarge);
    const takeBack = takeBackOversize(this.document, frame.update, !this.isReadOnly(conn));
    if (takeBack) sendFrame(conn, updateFrame(takeBack));
    this.#refuse(conn, refusal);
  }

  /**
   * The one part of y-partyserver's sync handling the room does itself. y-partyserver 2.2.0
   * reads a sync step 2 or update and applies it in one step (readSyncMessage calls
   * y-protocols' readSyncStep2 / readUpdate, or drops it for a socket isReadOnly names),
   * with no hook between: the room places an update before applying it, reviews it inside
   * the transaction that applies it (shared/hatchery/client-write.ts), and tells a refused
   * or read-only writer why and takes its write back. Upstream, an overridable
   * `applyUpdate(connection, update)` on YServer, which readSyncMessage would call for step 2
   * and update frames (by default: apply unless isReadOnly), would replace this interception.
   * hatchery-framework-contract.room.test.ts pins what handing an update on would do.
   */
  #takeUpdate(conn: Connection, state: ConnState, update: Uint8Array): void {
    const verdict = takeClientUpdate(this.document, update, {
      origin: conn,
      readOnly: this.isReadOnly(conn),
      roomFor: (bytes) => this.#roomFor(bytes),
      domainRecord: (id) => this.#domainRecord(id),
      maxPersonNodes: this.#limits.maxPersonNodes,
      maxEdges: this.#limits.maxEdges,
      comments: { principal: state.principal, now: Date.now() },
    });
    if (verdict.ok && verdict.repaired.length === 0) return;
    if (!verdict.ok && verdict.takeBack) sendFrame(conn, updateFrame(verdict.takeBack));
    const what = verdict.ok ? verdict.repaired.slice(0, 5) : verdict.code;
    log("warn", "hatchery set back a client update", this.name, { principal: state.principal.id, what });
    this.#refuse(conn, refusalFor(verdict, this.#limits.maxDocBytes));
  }

  /**
   * y-partyserver applies and relays an awareness update as it came. The room keeps only the
   * socket's own entry, rewritten (shared/hatchery/awareness.ts), and hands that on:
   * y-partyserver applies it with the socket as origin (so the state goes when the socket
   * does) and relays it to every socket.
   */
  #takePresence(conn: Connection, state: ConnState, update: Uint8Array): void {
    const takenByOther = (id: number) =>
      [...this.getConnections()].some((c) => {
        const other = c.state as ConnState | null;
        return c !== conn && other?.awarenessId === id && other.principal.id !== state.principal.id;
      });
    const binding = { bound: state.awarenessId ?? null, takenByOther };
    const limit = this.#limits.maxAwarenessBytes;
    const verdict = reviewAwarenessUpdate(update, binding, state.principal, limit, !state.readonly);
    if (!verdict.ok) return this.#refuse(conn, { code: "bad_frame", message: verdict.reason });
    const { clientId, clock } = verdict;
    if (!verdict.update || clientId === null) return;
    // Bound on the first; the clock kept so that the socket can be removed after a wake (presence.ts).
    conn.setState((prev: ConnState | null) => ({ ...(prev ?? state), awarenessId: clientId, awarenessClock: clock }));
    this.handleMessage(conn, presenceFrame(verdict.update));
  }

  /** Whether the document may take `bytes` more; an estimate over the cap is checked exactly first. */
  #roomFor(bytes: number): boolean {
    if (this.#docBytes + bytes <= this.#limits.maxDocBytes) return true;
    this.#compact();
    return this.#docBytes + bytes <= this.#limits.maxDocBytes;
  }

  #domainRecord(id: string): DomainRecord | null {
    const row = getDomainNode(this.#sql, id);
    if (!row || !isDomainKind(row.kind)) return null;
    return { kind: row.kind as DomainKind, ref: row.ref, data: row.data };
  }

  /**
   * Tells the sender why (typed, shared/hatchery/refusal.ts): the app, which asked, as a
   * y-partyserver custom message; a stock client as a y-protocols auth message. With a close
   * code, hangs up.
   */
  #refuse(conn: Connection, refusal: Refusal, closeCode?: number, reason: string = refusal.code): void {
    const typed: HatcheryRefusal = { type: "hatchery.refused", ...refusal };
    const state = conn.state as ConnState | null;
    if (state?.custom) this.sendCustomMessage(conn, JSON.stringify(typed));
    else sendFrame(conn, refusalFrame(typed));
    if (closeCode === undefined) return;
    this.#hungUp.add(conn.id);
    log("warn", "hatchery refused a frame", this.name, { code: refusal.code, principal: state?.principal.id });
    try {
      conn.close(closeCode, reason);
    } catch {
      // already closing
    }
  }

  /**
   * In place of y-partyserver's onClose, whose one job is to remove the socket's presence:
   * it removes only what the room holds in memory (nothing after a wake), and would remove a
   * state another socket of the same person has taken over (presence.ts `leaving`).
   */
  override onClose(conn: Connection): void {
    this.#meter.forget({ perConnection: conn.id }, Date.now());
    this.#hungUp.delete(conn.id);
    this.#leave(conn);
  }

  /** A socket's presence leaves everyone's canvas, once. */
  #leave(conn: Connection): void {
    if (this.#left.has(conn.id)) return void this.#left.delete(conn.id);
    const state = conn.state as ConnState | null;
    const others = [...this.getConnections()].filter((c) => c.id !== conn.id && c.readyState === WebSocket.OPEN);
    const outcome = leaving(
      state,
      others.map((c) => c.state as ConnState | null),
      this.document.awareness,
    );
    if (outcome.kind !== "none" && conn.readyState !== WebSocket.CLOSED) this.#left.add(conn.id);
    if (outcome.kind === "remove") removeAwarenessStates(this.document.awareness, [outcome.clientId], null);
    else if (outcome.kind === "tell") for (const other of others) sendFrame(other, outcome.frame);
  }

  /**
   * The Autopilot's poke (party/rooms/autopilot/features/canvas/link.ts): there are new events, pull them. It comes as
   * a fetch, not an RPC, because partyserver starts the room (onStart) on fetch and socket
   * events only. Only the Autopilot can send it: the Worker routes nothing but socket
   * upgrades to a room.
   */
  override async onRequest(request: Request): Promise<Response> {
    const poke = request.method === "POST" && new URL(request.url).pathname === POKE_PATH;
    if (!poke) return new Response("not found", { status: 404 });
    await this.sync();
    const viewers = this.ctx.getWebSockets().length;
    if (viewers === 0) this.#toldWatched = false;
    return new Response(null, { status: 204, headers: { [CANVAS_VIEWERS_HEADER]: String(viewers) } });
  }

  /** Pulls durable events from the Autopilot until caught up. Concurrent calls coalesce. */
  async sync(): Promise<void> {
    if (this.#syncing) {
      this.#syncAgain = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      do {
        this.#syncAgain = false;
        while (await pullOnce(this.#sql, this.document, this.name, this.#env)) {
          // keep pulling while the Autopilot says there is more
        }
      } while (this.#syncAgain);
    })().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  /** RPC from the Autopilot's retention sweep: forgets graph.apply keys past their time; returns how many are left. */
  async forgetExpired(now: number): Promise<number> {
    return sweepGraphIdempotency(this.#sql, now);
  }

  /** RPC from the Autopilot: an agent's validated graph commands, once per idempotency `key`. */
  async applyCommands(principalId: string, key: string, commands: GraphCommand[]): Promise<GraphApplyOutcome> {
    const earlier = recallGraphApply(this.#sql, principalId, key) as GraphApplied | undefined;
    if (earlier) return { ok: true, result: earlier };
    // Unwatched, the canvas is not poked (or is catching up): the commands see the Autopilot's
    // nodes as they are now. A pull that fails leaves them as the canvas has them.
    try {
      if (!this.#toldWatched) await this.sync();
      else if (this.#catchingUp) await this.#catchingUp;
    } catch (error) {
      log("error", "hatchery sync before graph.apply failed", this.name, { error: String(error) });
    }
    try {
      let outcome: { created: string[] } = { created: [] };
      this.#sql.transaction(() => {
        outcome = applyGraphCommands(this.document, commands, newIdSuffix, AGENT_ORIGIN);
        const result = { applied: commands.length, created: outcome.created };
        rememberGraphApply(this.#sql, principalId, key, result, Date.now());
      });
      return { ok: true, result: { applied: commands.length, created: outcome.created } };
    } catch (error) {
      if (error instanceof RoomError) return { ok: false, error: error.toShape() };
      log("error", "graph.apply failed", this.name, { error: String(error) });
      return { ok: false, error: INTERNAL_ERROR };
    }
  }
}

const newIdSuffix = () => newId("n").slice(2);
