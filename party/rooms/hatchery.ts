import { getAgentByName } from "agents";
import type { Connection, ConnectionContext } from "partyserver";
import { YServer } from "y-partyserver";
import type * as Y from "yjs";
import { applyDomainOps, type DomainOp, opsForEvent, opsForSnapshot, pendingNodes } from "../../shared/hatchery/domain";
import { layoutNewNodes } from "../../shared/hatchery/layout";
import { type DomainKind, domainNodeId, isDomainKind, NODE_SIZE, nodesMap, patchNode, readNode, writeNode } from "../../shared/hatchery/graph";
import { placeNode } from "../../shared/hatchery/placement";
import { CloseCode, type ErrorShape } from "../../shared/protocol/errors";
import type { GraphCommand } from "../../shared/protocol/graph";
import type { Principal } from "../../shared/protocol/principal";
import { hasScope } from "../../shared/scopes";
import { AccessChange } from "../access/access-change";
import { newId } from "../domain/context";
import { INTERNAL_ERROR, RoomError } from "../domain/errors";
import { applyGraphCommands, SERVER_OWNED_KEYS } from "../domain/graph-commands";
import { getMeta, setMeta } from "../domain/schema";
import { type Sql, sqlFromStorage } from "../domain/sql";
import { appendUpdate, COMPACT_AFTER_UPDATES, compact, loadDoc, migrateYdocStore } from "../domain/ydoc-store";
import type { Env } from "../env";
import { type GuardedSocket, revalidateSockets } from "./connection-access";
import { parsePrincipalHeader, PRINCIPAL_HEADER } from "./principal-header";

/** Transaction origins of the server's own writes; anything else came from a client. */
export const DOMAIN_ORIGIN = "autopilot-domain";
export const AGENT_ORIGIN = "autopilot-graph-apply";

interface ConnState {
  principal: Principal;
  readonly: boolean;
}

/** Viewers read; agents read and write only through graph.apply (validated). */
function canvasState(principal: Principal): ConnState {
  return { principal, readonly: principal.kind === "agent" || !hasScope(principal.scopes, "write") };
}

export type GraphApplyOutcome = { ok: true; result: { applied: number; created: string[] } } | { ok: false; error: ErrorShape };

/**
 * One Hatchery per workspace: the shared canvas as a Y.Doc (see shared/hatchery/graph.ts).
 *
 * - Domain nodes come from the Autopilot's event log. The Hatchery *pulls* them by `seq`
 *   (`sync`), poked by the Autopilot after each commit and again on every wake, so a lost
 *   poke only delays the canvas; it can never leave it behind for good.
 * - People edit the document directly (positions, notes, groups, edges); viewers and
 *   agents are read-only at the Yjs level. Agents write through `graph.apply`.
 * - Hibernating: the document is rebuilt from SQLite on wake (onLoad).
 */
export class Hatchery extends YServer {
  static override options = { hibernate: true };
  // The debounced save compacts; every update is already durable on its own row.
  static override callbackOptions = { debounceWait: 5000, debounceMaxWait: 30_000 };

  readonly #sql: Sql;
  #syncing: Promise<void> | null = null;
  #syncAgain = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = sqlFromStorage(ctx.storage);
    migrateYdocStore(this.#sql);
    this.#sql.run(`create table if not exists room_meta (key text primary key, value text not null)`);
    this.#sql.run(`create table if not exists domain_nodes (id text primary key, kind text not null, ref text not null, data text not null)`);
    this.#sql.run(`create table if not exists graph_idempotency (principal_id text not null, key text not null, result text not null, at integer not null, primary key (principal_id, key))`);
  }

  get #env(): Env {
    return this.env as unknown as Env;
  }

  override async onLoad(): Promise<Y.Doc> {
    return loadDoc(this.#sql);
  }

  override async onSave(): Promise<void> {
    compact(this.#sql, this.document);
  }

  override async onStart(): Promise<void> {
    await super.onStart();
    this.document.on("update", (update: Uint8Array) => {
      if (appendUpdate(this.#sql, update) >= COMPACT_AFTER_UPDATES) compact(this.#sql, this.document);
    });
    this.document.on("afterTransaction", (tr: Y.Transaction) => this.#guardDomainNodes(tr));
    // Catch up with anything the Autopilot committed while we slept.
    void this.sync().catch((error) => console.error(JSON.stringify({ msg: "hatchery sync failed", workspace: this.name, error: String(error) })));
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
    conn.setState(canvasState(principal));
    super.onConnect(conn, ctx);
  }

  /**
   * RPC from the Worker (party/access/revalidate.ts): access in this workspace changed.
   * A re-scoped socket keeps its connection; y-partyserver asks `isReadOnly` per message.
   */
  async accessChanged(message: AccessChange): Promise<void> {
    const { reason } = AccessChange.parse(message);
    const sockets = [...this.getConnections()].flatMap((conn): GuardedSocket[] => {
      const state = conn.state as ConnState | null;
      if (!state?.principal) return [];
      return [{ principal: state.principal, close: (code, why) => conn.close(code, why), rescope: (principal) => conn.setState(canvasState(principal)) }];
    });
    await revalidateSockets(this.#env.DB, this.name, sockets, reason);
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
    const since = Number(getMeta(this.#sql, "domainSeq") ?? 0);
    const epoch = getMeta(this.#sql, "domainEpoch");
    const autopilot = await getAgentByName(this.#env.Autopilot, this.name);
    const feed = await autopilot.graphFeed(since, epoch);
    const ops: DomainOp[] = feed.snapshot ? opsForSnapshot(feed.snapshot) : [];
    for (const e of feed.events) ops.push(...opsForEvent(e));
    const touched = new Set(ops.flatMap((op) => (op.op === "link" ? [] : [domainNodeId(op.kind, op.ref)])));
    // Layout runs before the write (ELK is asynchronous); placeNode re-checks for overlaps
    // at write time in case people moved things meanwhile.
    const laidOut = await layoutNewNodes(this.document, pendingNodes(this.document, ops)).catch((error: unknown) => {
      console.error(JSON.stringify({ msg: "layout failed; falling back to simple placement", workspace: this.name, error: String(error) }));
      return new Map<string, { x: number; y: number }>();
    });
    this.#sql.transaction(() => {
      this.document.transact(() => applyDomainOps(this.document, ops, laidOut), DOMAIN_ORIGIN);
      this.#recordDomainNodes(touched);
      setMeta(this.#sql, "domainSeq", String(feed.seq));
      setMeta(this.#sql, "domainEpoch", feed.epoch);
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
      this.#sql.run(`insert into domain_nodes (id, kind, ref, data) values (?, ?, ?, ?) on conflict (id) do update set data = excluded.data`, id, node.kind, node.ref, JSON.stringify(node.data));
    }
  }

  /**
   * People own positions, notes, groups and their edges; the server owns what domain
   * nodes are. A client transaction that deleted a domain node or rewrote its kind, ref
   * or data is undone here (the fix is broadcast like any other update).
   */
  #guardDomainNodes(tr: Y.Transaction): void {
    if (tr.origin === DOMAIN_ORIGIN || tr.origin === AGENT_ORIGIN || tr.local) return;
    const nodes = nodesMap(this.document);
    const root: unknown = nodes;
    const suspects = new Set<string>();
    for (const [type, keys] of tr.changed) {
      if (type === root) for (const key of keys) if (key) suspects.add(key);
      if (type.parent === root) {
        // A nested map knows the key it sits under in its parent map.
        const id = type._item?.parentSub ?? undefined;
        if (id && [...keys].some((k) => k !== null && SERVER_OWNED_KEYS.has(k))) suspects.add(id);
      }
    }
    if (suspects.size === 0) return;
    const repairs: Array<{ id: string; kind: string; ref: string; data: string }> = [];
    for (const id of suspects) {
      const row = this.#sql.one<{ id: string; kind: string; ref: string; data: string }>(`select id, kind, ref, data from domain_nodes where id = ?`, id);
      if (row) repairs.push(row);
    }
    if (repairs.length === 0) return;
    this.document.transact(() => {
      for (const r of repairs) {
        const data = JSON.parse(r.data) as Record<string, unknown>;
        const kind = r.kind as DomainKind;
        if (!nodes.has(r.id)) {
          const size = NODE_SIZE[kind];
          writeNode(this.document, { id: r.id, kind, ref: r.ref, ...placeNode(this.document, size, null), ...size, placed: "auto", parent: null, data });
        } else {
          patchNode(this.document, r.id, { kind, ref: r.ref, data });
        }
      }
    }, DOMAIN_ORIGIN);
  }

  /** RPC from the Autopilot: an agent's validated graph commands, once per idempotency key. */
  async applyCommands(principalId: string, idempotencyKey: string, commands: GraphCommand[]): Promise<GraphApplyOutcome> {
    const earlier = this.#sql.one<{ result: string }>(`select result from graph_idempotency where principal_id = ? and key = ?`, principalId, idempotencyKey);
    if (earlier) return { ok: true, result: JSON.parse(earlier.result) };
    try {
      let outcome: { created: string[] } = { created: [] };
      this.#sql.transaction(() => {
        outcome = applyGraphCommands(this.document, commands, newIdSuffix, AGENT_ORIGIN);
        const result = { applied: commands.length, created: outcome.created };
        this.#sql.run(`insert into graph_idempotency (principal_id, key, result, at) values (?, ?, ?, ?)`, principalId, idempotencyKey, JSON.stringify(result), Date.now());
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
