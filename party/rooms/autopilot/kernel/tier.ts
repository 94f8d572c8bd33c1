import { z } from "zod";
import { Principal, type Scope } from "../../../../shared/protocol/principal";
import type { Sql } from "../../../domain/sql";
import { defineRecord } from "../../../records/codec";
import type { AdmittedSocket, ClientSocket, ConnState } from "../../shared/connection-state";
import {
  type DeliveryRpc,
  deliveryName,
  RESUME_CLOSE,
  type TierEvent,
  type TierFrame,
  type TierSocketOpened,
} from "../../shared/delivery-link";
import { currentSeq } from "./commit";
import { featureStore } from "./feature-store";
import type { Audience } from "../../shared/reading";

/**
 * The room's side of the fan-out tier (docs/scale.md): the sockets its delivery objects hold
 * for it (party/rooms/delivery/), each one a RemoteSocket the room's code uses like its own, and
 * one ordered link per delivery object. A frame for many sockets goes once per delivery object
 * that holds any; a frame for one socket goes to its delivery object, addressed.
 *
 * Order: each link sends one batch at a time through one stub, so a delivery object applies
 * frames in the order the room made them. Exactly once: a batch that fails is not sent again
 * (it may have been applied); that delivery object's sockets resume instead (1012), exact by
 * their last seq, as every client does after a restart. A room that stopped with frames still
 * on their way finds out at its next start: the durable seq each link delivered is kept, and
 * a link behind the log's end resumes its sockets.
 */

const SocketDoc = z.object({
  tier: z.number().int().nonnegative(),
  tags: z.array(z.string().max(300)).max(16),
  state: z
    .object({
      principal: Principal,
      device: z.string().max(64),
      connectedAt: z.number(),
      status: z.string().max(200).nullable(),
      view: z.array(z.string()).optional(),
    })
    .nullable(),
  /** Not yet greeted and caught up as far as its delivery object knows (see DeliveryTier.settled). */
  settling: z.boolean().optional(),
});
const sockets = featureStore(defineRecord("tier socket", SocketDoc));
const delivered = featureStore(defineRecord("tier link", z.object({ seq: z.number().int().nonnegative() })));

/** A delivery object's replay names at most this many threads it left out (each gets a bump). */
const MAX_SKIPPED_THREADS = 1000;

/** What a link may hold unsent before its delivery object counts as lost (its sockets resume). */
const MAX_QUEUED_CHARS = 8 * 1024 * 1024;

export interface TierDeps {
  sql: Sql;
  /** A delivery object's stub, by its name. */
  stub(name: string): DeliveryRpc;
  workspaceId(): string;
  /**
   * The room's handling of a socket's connect, frame and close (kernel/sockets.ts), for remote ones
   * too: one its delivery object admitted, with the request it came with.
   */
  opened(socket: RemoteSocket, admitted: AdmittedSocket, request: Request): void;
  /** The delivery objects hold sockets for the room now (this tier), or none any more (null). */
  active(tier: DeliveryTier | null): void;
  message(socket: RemoteSocket, data: string | ArrayBuffer): void;
  closed(socket: RemoteSocket): void;
  /** A replay its delivery object made left these threads' messages out: the socket gets their bumps. */
  skipped(socket: RemoteSocket, threads: string[]): void;
}

interface Link {
  readonly tier: number;
  readonly stub: DeliveryRpc;
  queue: TierFrame[];
  chars: number;
  busy: boolean;
  /** The highest durable seq queued, and the highest a batch that arrived carried. */
  queuedSeq: number;
  deliveredSeq: number;
  /** Every durable event after this one went on this link (it held sockets all along since). */
  since: number;
  /** Sockets whose hello and replay are all queued: settled once the batch that carries them arrives. */
  settling: RemoteSocket[];
}

export class DeliveryTier {
  #loaded = false;
  #active = false;
  readonly #sockets = new Map<string, RemoteSocket>();
  /** Per delivery object, its sockets (the links to send to are those with any). */
  readonly #byTier = new Map<number, Set<string>>();
  /** The remote sockets by each of their tags (their id is the first). */
  readonly #byTag = new Map<string, Set<string>>();
  readonly #links = new Map<number, Link>();
  /** The sockets' rows the turn changed, by id (null: the socket went). */
  readonly #rows = new Map<string, RemoteSocket | null>();

  constructor(private readonly d: TierDeps) {}

  /** Reads the sockets the delivery objects held when the room last ran, and resumes those whose frames were lost. */
  start(): void {
    this.#load();
    const end = currentSeq(this.d.sql);
    for (const tier of this.#byTier.keys()) {
      const seq = delivered.get(this.d.sql, String(tier))?.seq ?? 0;
      if (seq < end) this.#lost(tier, `frames up to ${end} did not all arrive (${seq})`);
    }
    // A socket whose hello or replay (or the live frames held meanwhile) may not all have arrived resumes.
    for (const socket of [...this.#sockets.values()])
      if (socket.settling) socket.close(RESUME_CLOSE, "the workspace restarted: reconnect");
  }

  /**
   * The room greeted the socket and its replay caught up: once the batch carrying the last of
   * it arrives, the socket is settled. Until then a room that stops and starts again cannot
   * know what of it arrived, and has the socket resume.
   */
  settled(id: string): void {
    const socket = this.#sockets.get(id);
    if (socket?.settling) this.#link(socket.tier).settling.push(socket);
  }

  /** The remote sockets, or those with a tag. */
  *connections(tag?: string): Iterable<RemoteSocket> {
    this.#load();
    if (tag === undefined) {
      yield* this.#sockets.values();
      return;
    }
    for (const id of this.#byTag.get(tag) ?? []) {
      const socket = this.#sockets.get(id);
      if (socket) yield socket;
    }
  }

  get(id: string): RemoteSocket | undefined {
    this.#load();
    return this.#sockets.get(id);
  }

  // What the delivery objects say.

  /** A delivery object's news of its sockets, in order. */
  events(tier: number, events: readonly TierEvent[]): void {
    for (const event of events)
      if ("opened" in event) this.#opened(tier, event.opened);
      else if ("closed" in event) this.#closed(event.closed);
      else if ("skipped" in event) this.#skipped(event.id, event.skipped);
      else this.#message(event.id, event.message);
  }

  #opened(tier: number, opened: TierSocketOpened): void {
    this.#load();
    const socket = this.#add(new RemoteSocket(opened.id, tier, opened.tags, null, true, this, opened.kept));
    const ids = this.#byTier.get(tier)!;
    const link = this.#link(tier);
    // Its first socket: it gets every durable event from here on (the socket's hello covers those before).
    if (ids.size === 1) {
      link.since = currentSeq(this.d.sql);
      this.#mark(link, link.since);
    }
    this.save(socket);
    const request = new Request(opened.url, opened.origin === null ? {} : { headers: { origin: opened.origin } });
    this.d.opened(socket, opened.admitted, request);
  }

  /**
   * Whether the socket's delivery object replays it, from `from` up to `to` (the hello's seq):
   * when it kept every one of those events. It kept them from its first through its last when
   * the socket opened, and has every event since that its link carried: all of them, if the
   * link carried every event after its last. Then the room tells it to replay just before the
   * hello goes (TierFrame `replay`), and reads none of the log itself.
   */
  replays(id: string, from: number, to: number): boolean {
    const socket = this.#sockets.get(id);
    const kept = socket?.keptAtOpen;
    const link = socket && this.#links.get(socket.tier);
    if (!kept || !link || kept.from > from + 1 || link.since > kept.to) return false;
    this.push(socket.tier, { do: "replay", id, from, to });
    return true;
  }

  #skipped(id: string, threads: readonly string[]): void {
    const socket = this.get(id);
    if (socket?.readyState === WebSocket.OPEN) this.d.skipped(socket, threads.slice(0, MAX_SKIPPED_THREADS));
  }

  #message(id: string, data: string | ArrayBuffer): void {
    const socket = this.get(id);
    if (socket?.readyState === WebSocket.OPEN) this.d.message(socket, data);
  }

  #closed(id: string): void {
    const socket = this.get(id);
    if (socket) this.forget(socket);
  }

  /** A delivery object started holding these sockets: the others the room counted there are gone. */
  holds(tier: number, ids: readonly string[]): void {
    this.#load();
    const live = new Set(ids);
    for (const id of [...(this.#byTier.get(tier) ?? [])]) {
      const socket = this.#sockets.get(id);
      if (socket && !live.has(id)) this.forget(socket);
    }
  }

  // What the room sends (kernel/fanout.ts, kernel/sockets.ts).

  /**
   * A frame to the remote sockets with `tag` (null: all), but those in `skip`; a durable event
   * with its seq, and the thread whose viewers get its body (the delivery objects keep both).
   */
  toTag(tag: string | null, text: string, seq?: number, skip: readonly string[] = [], thread?: string | null): void {
    const durable = seq === undefined ? {} : { seq, ...(thread ? { thread } : {}) };
    for (const tier of this.#byTier.keys())
      this.push(tier, { to: "tag", tag, text, ...durable, ...this.#skipOn(tier, skip) }, seq);
  }

  /** A frame to these remote sockets, by id (a thread's viewers). */
  toIds(ids: Iterable<string>, text: string): void {
    const byTier = new Map<number, string[]>();
    for (const id of ids) {
      const socket = this.#sockets.get(id);
      if (!socket) continue;
      const list = byTier.get(socket.tier) ?? [];
      list.push(id);
      byTier.set(socket.tier, list);
    }
    for (const [tier, list] of byTier) this.push(tier, { to: "ids", ids: list, text });
  }

  /** A frame to the remote sockets whose principal holds `scope` (or is in the audience), but those in `skip`. */
  toScope(scope: Scope | Audience, text: string, skip: readonly string[] = []): void {
    for (const tier of this.#byTier.keys()) this.push(tier, { to: "scope", scope, text, ...this.#skipOn(tier, skip) });
  }

  /** The skip list for one delivery object: only its own sockets. */
  #skipOn(tier: number, skip: readonly string[]): { skip?: string[] } {
    if (skip.length === 0) return {};
    const own = skip.filter((id) => this.#sockets.get(id)?.tier === tier);
    return own.length > 0 ? { skip: own } : {};
  }

  push(tier: number, frame: TierFrame, seq?: number): void {
    const link = this.#link(tier);
    link.queue.push(frame);
    link.chars += "text" in frame ? frame.text.length : 64;
    if (seq !== undefined && seq > link.queuedSeq) link.queuedSeq = seq;
    if (link.chars > MAX_QUEUED_CHARS) {
      this.#lost(tier, "its delivery fell too far behind");
      return;
    }
    // Frames made in the same turn go in one batch.
    if (!link.busy) {
      link.busy = true;
      queueMicrotask(() => void this.#pump(link));
    }
  }

  async #pump(link: Link): Promise<void> {
    try {
      while (link.queue.length > 0 && this.#links.get(link.tier) === link) {
        const frames = link.queue;
        const seq = link.queuedSeq;
        const settling = link.settling;
        link.queue = [];
        link.chars = 0;
        link.settling = [];
        await link.stub.deliver(frames);
        if (seq > link.deliveredSeq) this.#mark(link, seq);
        for (const socket of settling)
          if (this.#sockets.get(socket.id) === socket) {
            socket.settling = false;
            this.save(socket);
          }
      }
    } catch (error) {
      console.error(
        JSON.stringify({
          msg: "delivery failed",
          workspace: this.d.workspaceId(),
          tier: link.tier,
          error: String(error),
        }),
      );
      if (this.#links.get(link.tier) === link) this.#lost(link.tier, "the workspace's delivery restarted");
    } finally {
      link.busy = false;
    }
  }

  /**
   * A delivery object may have missed frames: its sockets are gone for the room, and it is told
   * to close them (1012) so each resumes, exact by its last seq.
   */
  #lost(tier: number, reason: string): void {
    this.#links.delete(tier);
    for (const id of [...(this.#byTier.get(tier) ?? [])]) {
      const socket = this.#sockets.get(id);
      if (socket) this.forget(socket);
    }
    delivered.delete(this.d.sql, String(tier));
    this.d
      .stub(deliveryName(this.d.workspaceId(), tier))
      .resume(reason)
      .catch((error: unknown) =>
        console.error(
          JSON.stringify({ msg: "resume failed", workspace: this.d.workspaceId(), tier, error: String(error) }),
        ),
      );
  }

  #link(tier: number): Link {
    let link = this.#links.get(tier);
    if (!link) {
      const seq = delivered.get(this.d.sql, String(tier))?.seq ?? currentSeq(this.d.sql);
      link = {
        tier,
        stub: this.d.stub(deliveryName(this.d.workspaceId(), tier)),
        queue: [],
        chars: 0,
        busy: false,
        queuedSeq: seq,
        deliveredSeq: seq,
        since: seq,
        settling: [],
      };
      this.#links.set(tier, link);
    }
    return link;
  }

  /** The link has delivered everything up to `seq`. */
  #mark(link: Link, seq: number): void {
    link.queuedSeq = Math.max(link.queuedSeq, seq);
    link.deliveredSeq = seq;
    delivered.put(this.d.sql, String(link.tier), { seq }, Date.now());
  }

  #add(socket: RemoteSocket): RemoteSocket {
    this.#sockets.set(socket.id, socket);
    indexed(this.#byTier, socket.tier).add(socket.id);
    for (const tag of socket.tags) indexed(this.#byTag, tag).add(socket.id);
    this.#activity();
    return socket;
  }

  /** Tells the room's sockets when the delivery objects start or stop holding any for it. */
  #activity(): void {
    const active = this.#sockets.size > 0;
    if (active === this.#active) return;
    this.#active = active;
    this.d.active(active ? this : null);
  }

  /** The socket is gone: the room's close handling runs once, and it leaves the registry. */
  forget(socket: RemoteSocket): void {
    if (!this.#sockets.delete(socket.id)) return;
    socket.readyState = WebSocket.CLOSED;
    unindexed(this.#byTier, socket.tier, socket.id);
    for (const tag of socket.tags) unindexed(this.#byTag, tag, socket.id);
    this.#unsaved(socket.id, null);
    this.d.closed(socket);
    this.#activity();
  }

  /**
   * Keeps the socket's state and whether it is settled (they outlive the room's hibernation).
   * Written at the end of the turn, once per socket whatever the turn changed of it (an open
   * sets its place, then the room its state), with the turn's other rows and removals. An
   * open's row (unsettled) is queued before its hello goes to the delivery object, so it goes
   * first; a settled mark may land after the next batch leaves, which at worst resumes a
   * socket that did not need it.
   */
  save(socket: RemoteSocket): void {
    // One already gone keeps no row (its removal may be what the turn holds for its id).
    if (this.#sockets.get(socket.id) === socket) this.#unsaved(socket.id, socket);
  }

  /** The socket's row changes (null: it goes) with the turn's other changes, at its end. */
  #unsaved(id: string, socket: RemoteSocket | null): void {
    if (this.#rows.size === 0) queueMicrotask(() => this.#saveRows());
    this.#rows.set(id, socket);
  }

  #saveRows(): void {
    const rows = [...this.#rows];
    this.#rows.clear();
    const now = Date.now();
    this.d.sql.transaction(() => {
      for (const [id, socket] of rows) {
        if (!socket) sockets.delete(this.d.sql, id);
        else {
          const doc = { tier: socket.tier, tags: [...socket.tags], state: socket.state, settling: socket.settling };
          sockets.put(this.d.sql, id, doc, now);
        }
      }
    });
  }

  #load(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    for (const { key, value } of sockets.entries(this.d.sql))
      this.#add(new RemoteSocket(key, value.tier, value.tags, value.state, value.settling ?? false, this));
  }
}

function indexed<K>(index: Map<K, Set<string>>, key: K): Set<string> {
  let ids = index.get(key);
  if (!ids) {
    ids = new Set();
    index.set(key, ids);
  }
  return ids;
}

function unindexed<K>(index: Map<K, Set<string>>, key: K, id: string): void {
  const ids = index.get(key);
  ids?.delete(id);
  if (ids?.size === 0) index.delete(key);
}

/**
 * A socket a delivery object holds, as the room's code uses a socket: its state and tags are the
 * room's copy (kept in SQLite, so they outlive the room's hibernation); what is sent to it, its
 * state and its close go to its delivery object in order with everything else.
 */
export class RemoteSocket implements ClientSocket {
  readyState: number = WebSocket.OPEN;
  #state: ConnState | null;

  constructor(
    readonly id: string,
    readonly tier: number,
    readonly tags: readonly string[],
    state: ConnState | null,
    /** Kept in the room's SQLite (DeliveryTier.settled). */
    public settling: boolean,
    private readonly links: DeliveryTier,
    /** The seqs its delivery object kept when it opened (TierSocketOpened.kept): read once, as the room greets it. */
    readonly keptAtOpen: { from: number; to: number } | null = null,
  ) {
    this.#state = state;
  }

  get state(): ConnState | null {
    return this.#state;
  }

  setState(state: ConnState): ConnState {
    this.#state = state;
    this.links.save(this);
    this.links.push(this.tier, { do: "state", id: this.id, state });
    return state;
  }

  send(text: string): void {
    if (this.readyState !== WebSocket.OPEN) throw new Error("the socket is closed");
    this.links.push(this.tier, { to: "one", id: this.id, text });
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState !== WebSocket.OPEN) return;
    this.links.push(this.tier, { do: "close", id: this.id, code, reason });
    this.links.forget(this);
  }
}
