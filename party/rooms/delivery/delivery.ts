import { type Connection, type ConnectionContext, Lifecycle, type WSMessage } from "agents/lifecycle";
import { WebSockets } from "agents/websockets";
import { DurableObject } from "cloudflare:workers";
import { MAX_CLIENT_FRAME_BYTES } from "../../../shared/protocol/frames";
import { frameOver } from "../../domain/frame-size";
import type { Env } from "../../env";
import { protocolWindowOf } from "../shared/protocol-window";
import { admitConnection } from "../shared/admission";
import { fanoutTags, inOwnProtocol, sendQuietly, sendToAll, sendToIds } from "../shared/socket-fanout";
import { principalTags } from "../shared/connection-cap";
import { type KeptEvent, KeptEvents } from "./kept-events";
import { connState } from "../shared/connection-state";
import { mayBeTold, mayReadWorkspace } from "../shared/reading";
import {
  type DeliveryRpc,
  parseDeliveryName,
  RESUME_CLOSE,
  type RoomTierRpc,
  type TierEvent,
  type TierFrame,
} from "../shared/delivery-link";

/**
 * One of a workspace's delivery objects (docs/scale.md, the fan-out tier): it holds a share of
 * the workspace's sockets so the Autopilot room does not. It admits each socket (who, which
 * protocol and view, resuming from where) and tells the room, which stays the workspace: it
 * counts each principal's sockets against the cap, greets each one, answers its requests and
 * decides who gets what. The room sends each frame once to each delivery object (`deliver`),
 * which sends it on to its own sockets, each in its protocol version (party/rooms/shared/socket-fanout.ts, the same
 * code the room uses for the sockets it holds). Besides its sockets (their tags and state survive
 * hibernation) it keeps the newest durable events in memory, and replays a returning socket from
 * them when the room asks it to (decision 66).
 */
export class Delivery extends DurableObject<Env> implements DeliveryRpc {
  /**
   * Sockets the room has not greeted yet: they get nothing until its first frame for them (the
   * hello), so no frame the room sent before it knew them reaches them ahead of it.
   */
  readonly #pending = new Set<string>();
  /** The durable events received, for the resumes this object replays itself. */
  readonly #kept = new KeptEvents();
  /** Sockets to replay once their hello is sent: what the room left to this object. */
  readonly #replays = new Map<string, KeptEvent[]>();
  readonly sockets = new WebSockets({
    protocol: false,
    handlers: {
      onConnect: (conn, ctx) => this.#opened(conn, ctx),
      onMessage: (conn, message) => this.#message(conn, message),
      onClose: (conn) => this.#closed(conn),
    },
    getConnectionTags: (_conn, ctx) => [...principalTags(ctx.request), ...fanoutTags(ctx.request)],
  });
  readonly lifecycle: Lifecycle = Lifecycle.install(this).use(this.sockets);

  /**
   * The room, through one stub: calls on one stub arrive in the order they were made (a socket's
   * open before its frames), which two stubs do not promise. A failed call breaks a stub for
   * good, so the next call takes a new one.
   */
  #roomStub: RoomTierRpc | null = null;

  /** This object's place: its workspace's room and its index among the workspace's delivery objects. */
  #where(): { room: RoomTierRpc; tier: number } {
    const { workspaceId, tier } = parseDeliveryName(this.lifecycle.name);
    this.#roomStub ??= this.env.Autopilot.getByName(workspaceId);
    return { room: this.#roomStub, tier };
  }

  /** Calls the room; on failure the stub is dropped (see #roomStub) and the error reported. */
  async #tell(what: string, call: (room: RoomTierRpc, tier: number) => Promise<void>): Promise<boolean> {
    const { room, tier } = this.#where();
    try {
      await call(room, tier);
      return true;
    } catch (error) {
      if (this.#roomStub === room) this.#roomStub = null;
      report(what, this.lifecycle.name, error);
      return false;
    }
  }

  /**
   * Lifecycle hook, once per object lifetime: the room learns which sockets this object holds.
   * After a restart (not a hibernation) there are none: sockets the room still counted here
   * went with the old instance.
   */
  async onStart(): Promise<void> {
    const ids = this.ctx.getWebSockets().flatMap((ws) => this.ctx.getTags(ws)[0] ?? []);
    await this.#tell("the room did not hear which sockets are here", (room, tier) => room.tierHolds(tier, ids));
  }

  /** What the room has yet to hear of this object's sockets, each with who waits on its call. */
  readonly #outbox: { event: TierEvent; chars: number; told: (ok: boolean) => void }[] = [];
  #telling = false;

  /**
   * Tells the room `event` after everything before it; false if the call that carried it failed.
   * One call at a time: what comes while one is on its way goes together in the next.
   */
  #post(event: TierEvent): Promise<boolean> {
    const chars = "message" in event && typeof event.message === "string" ? event.message.length : 0;
    return new Promise((told) => {
      this.#outbox.push({ event, chars, told });
      if (!this.#telling) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#telling = true;
    while (this.#outbox.length > 0) {
      const batch = this.#outbox.splice(0, batchLength(this.#outbox));
      const events = batch.map(({ event }) => event);
      const ok = await this.#tell("the room did not hear of its sockets", (room, tier) =>
        room.tierEvents(tier, events),
      );
      for (const { told } of batch) told(ok);
    }
    this.#telling = false;
  }

  async #opened(conn: Connection, ctx: ConnectionContext): Promise<void> {
    // Admitted here, as the room admits its own sockets: one it would refuse never reaches it.
    const admission = admitConnection(ctx.request, Date.now(), protocolWindowOf(this.env, Date.now()));
    if (!admission.ok) {
      conn.close(admission.code, admission.reason);
      return;
    }
    this.#pending.add(conn.id);
    const { request } = ctx;
    const opened = {
      id: conn.id,
      admitted: { state: admission.state, lastSeq: admission.lastSeq, epoch: admission.epoch },
      url: request.url,
      origin: request.headers.get("origin"),
      tags: [...conn.tags],
      kept: this.#kept.span(),
    };
    if (await this.#post({ opened })) return;
    this.#pending.delete(conn.id);
    conn.close(RESUME_CLOSE, "the workspace is restarting: reconnect");
  }

  async #message(conn: Connection, message: WSMessage): Promise<void> {
    // What the room refuses whole goes only as far as it takes to be refused the same way
    // (kernel/dispatch.ts parseFrame): an oversize text as its first bytes past the limit,
    // a binary frame (never a request) empty. The room meters and answers every frame.
    const data =
      typeof message !== "string"
        ? new ArrayBuffer(0)
        : frameOver(message, MAX_CLIENT_FRAME_BYTES)
          ? message.slice(0, MAX_CLIENT_FRAME_BYTES + 1)
          : message;
    if (!(await this.#post({ id: conn.id, message: data })))
      conn.close(RESUME_CLOSE, "the workspace is restarting: reconnect");
  }

  async #closed(conn: Connection): Promise<void> {
    this.#pending.delete(conn.id);
    this.#replays.delete(conn.id);
    await this.#post({ closed: conn.id });
  }

  async deliver(frames: TierFrame[]): Promise<void> {
    await this.lifecycle.start();
    for (const frame of frames) this.#apply(frame);
  }

  async resume(reason: string): Promise<void> {
    await this.lifecycle.start();
    this.#pending.clear();
    this.#replays.clear();
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(RESUME_CLOSE, reason.slice(0, 120));
      } catch {
        // Already closing.
      }
    }
  }

  #apply(frame: TierFrame): void {
    if ("do" in frame) {
      const conn = this.#socket(frame.id);
      if (!conn) return;
      switch (frame.do) {
        case "close":
          this.#pending.delete(frame.id);
          this.#replays.delete(frame.id);
          conn.close(frame.code, frame.reason);
          return;
        case "state":
          conn.setState(frame.state);
          return;
        case "replay": {
          const events = this.#kept.between(frame.from, frame.to);
          if (events) this.#replays.set(frame.id, events);
          else {
            // Gone since the socket opened (this object hibernated, or kept newer ones since):
            // the socket comes back, and the room replays it.
            this.#pending.delete(frame.id);
            conn.close(RESUME_CLOSE, "the workspace is catching up: reconnect");
          }
          return;
        }
      }
    }
    switch (frame.to) {
      case "one": {
        this.#pending.delete(frame.id);
        for (const ws of this.ctx.getWebSockets(frame.id)) send(ws, frame.text);
        const replay = this.#replays.get(frame.id);
        if (replay) this.#replay(frame.id, replay);
        return;
      }
      case "tag":
        if (frame.seq !== undefined) this.#kept.add(frame.seq, frame.text, frame.thread ?? null);
        sendToAll(this.ctx, frame.text, this.#skipping(frame.skip), frame.tag ?? undefined);
        return;
      case "ids":
        sendToIds(
          this.ctx,
          frame.ids.filter((id) => !this.#pending.has(id)),
          frame.text,
        );
        return;
      case "scope": {
        const skip = new Set(this.#skipping(frame.skip));
        for (const conn of this.sockets.getConnections()) {
          const state = connState(conn);
          if (state && !skip.has(conn.id) && mayBeTold(state.principal, frame.scope))
            sendQuietly(inOwnProtocol(conn), frame.text);
        }
        return;
      }
    }
  }

  /**
   * Right after its hello, what the socket missed, as the room's replay would send it
   * (kernel/fanout.ts ReplayPump): in its protocol, and of the threads it does not view
   * nothing but their names, for the room to bump.
   */
  #replay(id: string, events: readonly KeptEvent[]): void {
    this.#replays.delete(id);
    const conn = this.#socket(id);
    const state = conn && connState(conn);
    // The room asks no replay for a socket that may not read; were one asked, it gets nothing.
    if (!conn || !state || !mayReadWorkspace(state.principal)) return;
    const view = state.view;
    const threads = view && new Set(view);
    const skipped = new Set<string>();
    const socket = inOwnProtocol(conn);
    for (const { text, thread } of events)
      if (!threads || thread === null || threads.has(thread)) {
        if (!sendQuietly(socket, text)) return;
      } else skipped.add(thread);
    if (skipped.size > 0)
      void this.#post({ skipped: [...skipped], id }).then((told) => {
        if (!told) conn.close(RESUME_CLOSE, "the workspace is restarting: reconnect");
      });
  }

  /** What a broadcast skips: the sockets the room holds it for, and those it has not greeted. */
  #skipping(skip: readonly string[] = []): readonly string[] {
    return this.#pending.size === 0 ? skip : [...skip, ...this.#pending];
  }

  #socket(id: string): Connection | undefined {
    for (const conn of this.sockets.getConnections(id)) return conn;
    return undefined;
  }
}

/** A call to the room carries at most this many events, and frames of at most this many characters past the first. */
const MAX_BATCH_EVENTS = 256;
const MAX_BATCH_CHARS = 1024 * 1024;

/** How many of the outbox's first events go in one call. */
function batchLength(outbox: readonly { chars: number }[]): number {
  let chars = outbox[0]?.chars ?? 0;
  let n = 1;
  while (n < Math.min(outbox.length, MAX_BATCH_EVENTS) && chars + outbox[n]!.chars <= MAX_BATCH_CHARS)
    chars += outbox[n++]!.chars;
  return n;
}

function send(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // Closing: its close handler tells the room.
  }
}

function report(msg: string, name: string, error: unknown): void {
  console.error(JSON.stringify({ msg, delivery: name, error: String(error) }));
}
