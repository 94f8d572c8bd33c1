import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { Connection, ConnectionContext, WSMessage } from "partyserver";
import { YServer } from "y-partyserver";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import type * as Y from "yjs";
import { reviewAwarenessUpdate } from "../../../shared/hatchery/awareness";
import { applyDomainOps, type DomainOp, opsForEvent, opsForSnapshot, pendingNodes } from "../../../shared/hatchery/domain";
import { layoutNewNodes } from "../../../shared/hatchery/layout";
import { sessionOps } from "../../../shared/hatchery/session-nodes";
import { type DomainKind, domainNodeId, isDomainKind, nodesMap, readNode } from "../../../shared/hatchery/graph";
import { takeClientUpdate } from "../../../shared/hatchery/client-write";
import { HatcheryCloseCode, type HatcheryRefusal } from "../../../shared/hatchery/refusal";
import { type DomainRecord, typeCanvasRoots } from "../../../shared/hatchery/review";
import { CloseCode, type ErrorShape } from "../../../shared/protocol/errors";
import type { GraphCommand } from "../../../shared/protocol/graph";
import type { Principal } from "../../../shared/protocol/principal";
import { hasScope } from "../../../shared/scopes";
import { AccessChange } from "../../access/access-change";
import { newId } from "../../domain/context";
import { INTERNAL_ERROR, RoomError } from "../../domain/errors";
import { applyGraphCommands } from "../../domain/graph-commands";
import { sweepGraphIdempotency } from "../../domain/retention";
import { getMeta, setMeta } from "../../domain/meta";
import { migrateHatchery } from "../../domain/db/migrate";
import { type Sql, sqlFromStorage } from "../../domain/sql";
import { appendUpdate, COMPACT_AFTER_UPDATES, compact, loadDoc, storedBytes } from "../../domain/ydoc-store";
import { forgetDomainNode, getDomainNode, putDomainNode, recallGraphApply, rememberGraphApply } from "../../domain/canvas-records";
import type { Env } from "../../env";
import { type HatcheryLimits, hatcheryLimits } from "./limits";
import { foldOldActivity } from "./fold-activity";
import { finishHeal, startHealIfNeeded } from "./heal";
import { refusalFor, refuseOversizeUpdate, sendRefusal, updateFrame } from "./refusals";
import { HatcheryMeter } from "./meter";
import { principalTag, principalTags, refuseOverCap } from "../shared/connection-cap";
import { type GuardedSocket, revalidateSockets } from "../shared/connection-access";
import { parsePrincipalHeader, PRINCIPAL_HEADER } from "../shared/principal-header";
import { readRoomLimits } from "../shared/limits";

/** Transaction origins of the server's own writes; anything else came from a client. */
export const DOMAIN_ORIGIN = "autopilot-domain";
export const AGENT_ORIGIN = "autopilot-graph-apply";

interface ConnState {
  principal: Principal;
  readonly: boolean;
  /** The awareness client id this socket speaks for, bound on its first presence update. */
  awarenessId?: number;
  /** Refusals as y-partyserver custom messages (asked for), else as y-protocols auth messages. */
  custom: boolean;
}

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
/** How far over the frame cap an update is still read, to be taken back rather than hung up on. */
const OVERSIZE_READ_FACTOR = 16;

/** `write` edits the document, a person's or an agent's (each update reviewed alike); viewers and read-only keys read. */
function canvasState(principal: Principal, custom: boolean): ConnState {
  return { principal, readonly: !hasScope(principal.scopes, "write"), custom };
}

/** Where the Autopilot pokes its Hatchery (a fetch to the room itself). */
export const POKE_PATH = "/poke";

export type GraphApplyOutcome = { ok: true; result: { applied: number; created: string[] } } | { ok: false; error: ErrorShape };

/**
 * One Hatchery per workspace: the shared canvas as a Y.Doc (see shared/hatchery/graph.ts).
 *
 * - Domain nodes come from the Autopilot's event log. The Hatchery *pulls* them by `seq`
 *   (`sync`), poked by the Autopilot after each commit and again on every wake, so a lost
 *   poke only delays the canvas; it can never leave it behind for good.
 * - Whoever holds `write` edits the document (positions, notes, groups, edges), each update
 *   reviewed; agents that do not speak Yjs use `graph.apply`.
 * - Hibernating: the document is rebuilt from SQLite on wake (onLoad).
 */
export class Hatchery extends YServer {
  static override options = { hibernate: true };
  // The debounced save compacts; every update is already durable on its own row.
  static override callbackOptions = { debounceWait: 5000, debounceMaxWait: 30_000 };

  readonly #sql: Sql;
  #syncing: Promise<void> | null = null;
  #syncAgain = false;
  readonly #limits: HatcheryLimits;
  readonly #meter: HatcheryMeter;
  /** Sockets we closed: frames they had already sent are dropped unread. */
  readonly #hungUp = new Set<string>();
  /** Upper bound of the document's encoded size (stored bytes); exact after a compaction. */
  #docBytes: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = sqlFromStorage(ctx.storage);
    migrateHatchery(this.#sql);
    this.#limits = hatcheryLimits(env);
    this.#meter = new HatcheryMeter(() => this.#limits);
  }

  get #env(): Env {
    return this.env as unknown as Env;
  }

  override async onLoad(): Promise<Y.Doc> {
    return foldOldActivity(loadDoc(this.#sql), this.#sql, this.name);
  }

  override async onSave(): Promise<void> {
    this.#compact();
  }

  #compact(): void {
    this.#docBytes = compact(this.#sql, this.document).bytes;
  }

  override async onStart(): Promise<void> {
    await super.onStart();
    typeCanvasRoots(this.document);
    this.document.on("update", (update: Uint8Array) => {
      if (this.#docBytes !== null) this.#docBytes += update.byteLength;
      if (appendUpdate(this.#sql, update) >= COMPACT_AFTER_UPDATES) this.#compact();
    });
    // Catch up with anything the Autopilot committed while we slept.
    void this.sync().catch((error) => console.error(JSON.stringify({ msg: "hatchery sync failed", workspace: this.name, error: String(error) })));
  }

  override getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    return principalTags(ctx.request);
  }

  override isReadOnly(connection: Connection): boolean {
    return (connection.state as ConnState | null)?.readonly ?? true;
  }

  override onConnect(conn: Connection, ctx: ConnectionContext): void {
    const principal = parsePrincipalHeader(ctx.request.headers.get(PRINCIPAL_HEADER));
    if (!principal) {
      conn.close(CloseCode.unauthenticated, "unauthenticated");
      return;
    }
    if (refuseOverCap(conn, this.ctx.getWebSockets(principalTag(principal.id)), readRoomLimits(this.#env).connectionsPerPrincipal)) return;
    // A client that reads y-partyserver's custom messages asks for its refusals as such.
    conn.setState(canvasState(principal, new URL(ctx.request.url).searchParams.get("refusals") === "custom"));
    super.onConnect(conn, ctx);
  }

  /**
   * RPC from the Worker (party/access/revalidate.ts): access in this workspace changed.
   * A re-scoped socket keeps its connection (and its presence id); onMessage reads
   * `readonly` from its state on every frame.
   */
  async accessChanged(message: AccessChange): Promise<void> {
    const { reason } = AccessChange.parse(message);
    const sockets = [...this.getConnections()].flatMap((conn): GuardedSocket[] => {
      const state = conn.state as ConnState | null;
      if (!state?.principal) return [];
      return [{ principal: state.principal, close: (code, why) => conn.close(code, why), rescope: (principal) => conn.setState({ ...state, ...canvasState(principal, state.custom) }) }];
    });
    await revalidateSockets(this.#env.DB, this.name, sockets, reason);
  }

  /**
   * Every frame passes here before anything parses it: the frame cap, the rate limits (per
   * connection and per principal), then our own handling of y-partyserver's two message
   * types: a document update is placed, applied and reviewed in its own transaction
   * (shared/hatchery/client-write.ts), presence rewritten (awareness.ts), before either is
   * stored or broadcast.
   */
  override onMessage(conn: Connection, message: WSMessage): void {
    const state = conn.state as ConnState | null;
    if (!state || this.#hungUp.has(conn.id)) return;
    const size = typeof message === "string" ? message.length : message.byteLength;
    const tooLarge = { code: "payload_too_large", message: `frame of ${size} bytes is over the ${this.#limits.maxFrameBytes}-byte cap` } as const;
    // An update somewhat over the cap is read to be taken back (below); nothing else oversize is read.
    if (size > this.#limits.maxFrameBytes * OVERSIZE_READ_FACTOR || (size > this.#limits.maxFrameBytes && typeof message === "string")) {
      this.#refuse(conn, tooLarge, HatcheryCloseCode.tooLarge);
      return;
    }
    const metered = this.#meter.take(conn.id, state.principal.id, Date.now());
    if (!metered.ok) {
      const { retryAfterMs } = metered;
      this.#refuse(conn, { code: "rate_limited", message: "too many frames", retryAfterMs }, HatcheryCloseCode.rateLimited, JSON.stringify({ retryAfterMs }));
      return;
    }
    if (typeof message === "string") return; // no custom messages from clients
    try {
      const bytes = message instanceof Uint8Array ? message : new Uint8Array(message as ArrayBuffer);
      if (size > this.#limits.maxFrameBytes) {
        const takenBack = refuseOversizeUpdate(this.document, bytes, !state.readonly, (frame) => conn.send(frame));
        this.#refuse(conn, tooLarge, takenBack ? undefined : HatcheryCloseCode.tooLarge);
        return;
      }
      const decoder = decoding.createDecoder(bytes);
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) this.#onSync(conn, state, decoder);
      else if (type === MESSAGE_AWARENESS) this.#onAwareness(conn, state, decoding.readVarUint8Array(decoder));
      else this.#refuse(conn, { code: "bad_frame", message: `unknown message type ${type}` });
    } catch (error) {
      console.error(JSON.stringify({ msg: "hatchery bad frame", workspace: this.name, error: String(error) }));
      this.#refuse(conn, { code: "bad_frame", message: "unreadable frame" });
    }
  }

  #onSync(conn: Connection, state: ConnState, decoder: decoding.Decoder): void {
    const kind = decoding.readVarUint(decoder);
    if (kind === syncProtocol.messageYjsSyncStep1) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.readSyncStep1(decoder, encoder, this.document);
      conn.send(encoding.toUint8Array(encoder));
      return;
    }
    if (kind !== syncProtocol.messageYjsSyncStep2 && kind !== syncProtocol.messageYjsUpdate) throw new Error(`unknown sync message ${kind}`);
    const verdict = takeClientUpdate(this.document, decoding.readVarUint8Array(decoder), {
      origin: conn,
      readOnly: state.readonly,
      roomFor: (bytes) => this.#roomFor(bytes),
      domainRecord: (id) => this.#domainRecord(id),
      maxPersonNodes: this.#limits.maxPersonNodes,
      maxEdges: this.#limits.maxEdges,
      comments: { principal: state.principal, now: Date.now() },
    });
    if (verdict.ok && verdict.repaired.length === 0) return;
    if (!verdict.ok && verdict.takeBack) conn.send(updateFrame(verdict.takeBack));
    console.warn(JSON.stringify({ msg: "hatchery set back a client update", workspace: this.name, principal: state.principal.id, what: verdict.ok ? verdict.repaired.slice(0, 5) : verdict.code }));
    this.#refuse(conn, refusalFor(verdict, this.#limits.maxDocBytes));
  }

  #onAwareness(conn: Connection, state: ConnState, update: Uint8Array): void {
    const takenByOther = (id: number) =>
      [...this.getConnections()].some((c) => {
        const other = c.state as ConnState | null;
        return c !== conn && other?.awarenessId === id && other.principal.id !== state.principal.id;
      });
    const verdict = reviewAwarenessUpdate(update, { bound: state.awarenessId ?? null, takenByOther }, state.principal, this.#limits.maxAwarenessBytes);
    if (!verdict.ok) {
      this.#refuse(conn, { code: "bad_frame", message: verdict.reason });
      return;
    }
    if (!verdict.update || verdict.clientId === null) return;
    if (state.awarenessId === undefined) conn.setState((prev: ConnState | null) => ({ ...(prev ?? state), awarenessId: verdict.clientId ?? undefined }));
    awarenessProtocol.applyAwarenessUpdate(this.document.awareness, verdict.update, conn);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, verdict.update);
    const frame = encoding.toUint8Array(encoder);
    for (const c of this.getConnections()) {
      try {
        c.send(frame);
      } catch {
        // closing socket: its close handler cleans up
      }
    }
  }

  /** Whether the document may take `bytes` more; an estimate over the cap is checked exactly first. */
  #roomFor(bytes: number): boolean {
    this.#docBytes ??= storedBytes(this.#sql);
    if (this.#docBytes + bytes <= this.#limits.maxDocBytes) return true;
    this.#compact();
    return this.#docBytes + bytes <= this.#limits.maxDocBytes;
  }

  #domainRecord(id: string): DomainRecord | null {
    const row = getDomainNode(this.#sql, id);
    if (!row || !isDomainKind(row.kind)) return null;
    return { kind: row.kind as DomainKind, ref: row.ref, data: row.data };
  }

  /** Tells the sender why (typed, shared/hatchery/refusal.ts); with a close code, hangs up. */
  #refuse(conn: Connection, refusal: Omit<HatcheryRefusal, "type">, closeCode?: number, reason: string = refusal.code): void {
    sendRefusal(conn, { type: "hatchery.refused", ...refusal }, (conn.state as ConnState | null)?.custom ?? false);
    if (closeCode !== undefined) {
      this.#hungUp.add(conn.id);
      console.warn(JSON.stringify({ msg: "hatchery refused a frame", workspace: this.name, code: refusal.code, principal: (conn.state as ConnState | null)?.principal.id }));
      try {
        conn.close(closeCode, reason);
      } catch {
        // already closing
      }
    }
  }

  override onClose(conn: Connection, code: number, reason: string, wasClean: boolean): void {
    this.#meter.forget(conn.id);
    this.#hungUp.delete(conn.id);
    super.onClose(conn, code, reason, wasClean);
  }

  /**
   * The Autopilot's poke (hatchery-link.ts): there are new events, pull them. It comes as
   * a fetch, not an RPC, because partyserver starts the room (onStart) on fetch and socket
   * events only. Only the Autopilot can send it: the Worker routes nothing but socket
   * upgrades to a room.
   */
  override async onRequest(request: Request): Promise<Response> {
    if (request.method !== "POST" || new URL(request.url).pathname !== POKE_PATH) return new Response("not found", { status: 404 });
    await this.sync();
    return new Response(null, { status: 204 });
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
        while (await this.#pullOnce()) {
          // keep pulling while the Autopilot says there is more
        }
      } while (this.#syncAgain);
    })().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #pullOnce(): Promise<boolean> {
    const healing = startHealIfNeeded(this.#sql, this.document, this.name);
    const since = Number(getMeta(this.#sql, "domainSeq") ?? 0);
    const epoch = getMeta(this.#sql, "domainEpoch");
    // One RPC per pull: graphFeed starts the Autopilot itself (getAgentByName's extra call
    // would wait in the Autopilot's queue, on its writers' path, for a start it has done).
    const autopilot = this.#env.Autopilot.getByName(this.name);
    const feed = await autopilot.graphFeed(since, epoch, undefined, getMeta(this.#sql, "domainSnapshotCursor") || null, getMeta(this.#sql, "sessionsDigest"));
    const ops: DomainOp[] = feed.snapshot ? opsForSnapshot(feed.snapshot) : [];
    for (const e of feed.events) ops.push(...opsForEvent(e));
    // Last: the sessions link to instances and threads this very pull may have created.
    if (feed.sessions) ops.push(...sessionOps(feed.sessions.instances));
    const touched = new Set(ops.flatMap((op) => (op.op === "upsert" || op.op === "patch" ? [domainNodeId(op.kind, op.ref)] : op.op === "activity" ? [op.subject] : [])));
    // Layout runs before the write; placement re-checks for overlaps at write time in case
    // people moved things meanwhile.
    const laidOut = await layoutNewNodes(this.document, pendingNodes(this.document, ops), ops).catch((error: unknown) => {
      console.error(JSON.stringify({ msg: "layout failed; falling back to simple placement", workspace: this.name, error: String(error) }));
      return new Map<string, { x: number; y: number }>();
    });
    this.#sql.transaction(() => {
      let removed: string[] = [];
      this.document.transact(() => {
        removed = applyDomainOps(this.document, ops, laidOut);
      }, DOMAIN_ORIGIN);
      this.#recordDomainNodes(touched);
      // A trimmed tool call, a gone session or a deleted instance is gone for good: the guard
      // must not bring it back. (An instance deleted and provisioned again in one pull is back.)
      for (const id of removed) if (!nodesMap(this.document).has(id)) forgetDomainNode(this.#sql, id);
      if (feed.sessions) setMeta(this.#sql, "sessionsDigest", feed.sessions.digest);
      setMeta(this.#sql, "domainSeq", String(feed.seq));
      setMeta(this.#sql, "domainEpoch", feed.epoch);
      // A paged snapshot continues from here on the next pull (even after a restart).
      setMeta(this.#sql, "domainSnapshotCursor", feed.snapshotCursor ?? "");
      if (healing && !feed.more) finishHeal(this.#sql, this.document);
    });
    return feed.more;
  }

  /** Remembers what each touched domain node must say, so a client cannot rewrite it. */
  #recordDomainNodes(ids: Set<string>): void {
    const nodes = nodesMap(this.document);
    for (const id of ids) {
      const m = nodes.get(id);
      if (!m) continue;
      const node = readNode(id, m);
      if (!isDomainKind(node.kind) || !node.ref) continue;
      putDomainNode(this.#sql, id, { kind: node.kind, ref: node.ref, data: node.data });
    }
  }

  /** RPC from the Autopilot's retention sweep: forgets graph.apply keys past their time; returns how many are left. */
  async forgetExpired(now: number): Promise<number> {
    return sweepGraphIdempotency(this.#sql, now);
  }

  /** RPC from the Autopilot: an agent's validated graph commands, once per idempotency key. */
  async applyCommands(principalId: string, idempotencyKey: string, commands: GraphCommand[]): Promise<GraphApplyOutcome> {
    const earlier = recallGraphApply(this.#sql, principalId, idempotencyKey) as { applied: number; created: string[] } | undefined;
    if (earlier) return { ok: true, result: earlier };
    try {
      let outcome: { created: string[] } = { created: [] };
      this.#sql.transaction(() => {
        outcome = applyGraphCommands(this.document, commands, newIdSuffix, AGENT_ORIGIN);
        const result = { applied: commands.length, created: outcome.created };
        rememberGraphApply(this.#sql, principalId, idempotencyKey, result, Date.now());
      });
      return { ok: true, result: { applied: commands.length, created: outcome.created } };
    } catch (error) {
      if (error instanceof RoomError) return { ok: false, error: error.toShape() };
      console.error(JSON.stringify({ msg: "graph.apply failed", workspace: this.name, error: String(error) }));
      return { ok: false, error: INTERNAL_ERROR };
    }
  }
}

const newIdSuffix = () => newId("n").slice(2);
