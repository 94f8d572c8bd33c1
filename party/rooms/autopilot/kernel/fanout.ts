// Frames out to the room's client sockets: events to everyone, frames to one socket, and the
// replay of what a resuming socket missed (live frames held for it meanwhile), each in the
// socket's own protocol version (party/rooms/shared/socket-fanout.ts).
import { currentSeq, REPLAY_PAGE, readEventPage } from "./commit";
import type { Sql } from "../../../domain/sql";
import { ReplayPages } from "./connections/replay-pages";
import { EVERYTHING_TAG, VIEW_TAG } from "../../shared/view-tags";
import { type FrameText, sendQuietly, sendToAll, sendToIds, wholeText } from "../../shared/socket-fanout";
import type { DeliveryTier } from "./tier";

/** An event to everyone; a socket still replaying gets it once it has caught up (ReplayPump below). */
export function broadcast(
  ctx: DurableObjectState,
  replay: ReplayPump,
  text: FrameText,
  seq: number | undefined,
  tier: DeliveryTier | null,
  /** The thread whose viewers get the event's body (for the delivery objects' replays). */
  threadId: string | null = null,
  /** What the sockets that take frames as written get live (socket-fanout.ts `writtenText`; null: nothing); replays and the tier get `text`. */
  written: string | null = wholeText(text),
): void {
  const skip = replay.size > 0 ? replay.holdBroadcast(wholeText(text), seq) : undefined;
  sendToAll(ctx, text, skip, undefined, written);
  tier?.toTag(null, wholeText(text), seq, skip, threadId);
}

/**
 * A thread's message or stream event: to every socket that did not choose its threads
 * (EVERYTHING_TAG, connections/interest.ts) and to those that chose this one (`viewers`, by
 * id); a replaying one among them gets it once it has caught up. Each kind is found by its
 * tag, so the cost is that of the sockets that get it, not of the room.
 */
export function broadcastToThread(
  ctx: DurableObjectState,
  replay: ReplayPump,
  text: FrameText,
  seq: number | undefined,
  viewers: ReadonlySet<string>,
  wants: (socketId: string) => boolean,
  tier: DeliveryTier | null,
  threadId: string,
  /** As for `broadcast`; null: the sockets that take frames as written are not sent this one. */
  written: string | null = wholeText(text),
): void {
  const skip = replay.size > 0 ? replay.holdBroadcast(wholeText(text), seq, wants) : undefined;
  sendToAll(ctx, text, skip, EVERYTHING_TAG, written);
  const skipping = skip && skip.length > 0 ? new Set(skip) : null;
  sendToIds(ctx, viewers, text, skipping, written);
  if (!tier) return;
  tier.toTag(EVERYTHING_TAG, wholeText(text), seq, skip, threadId);
  tier.toIds(skipping ? [...viewers].filter((id) => !skipping.has(id)) : viewers, wholeText(text));
}

/** What `sendBumps` needs of the room's sockets. */
export interface BumpAudience {
  /** The sockets viewing a thread (connections/interest.ts). */
  viewers(threadId: string): ReadonlySet<string>;
  /** Whether the socket `id` carries `tag`. */
  tagged(id: string, tag: string): boolean;
  /** Whether the socket `id` asked for a bump without the threads it views (capability `bumps.others`). */
  others(id: string): boolean;
}

/**
 * A window's bumps (`thread.bump`, `frames` builds them) to the sockets that chose their
 * threads. One that asked for `bumps.others` and views some of the bumped threads gets the
 * others' entries only, and no frame when none is left: it has the threads it views whole.
 * The rest get the whole list, serialized once; so do the viewers of the same threads, once
 * per set of threads. A socket still replaying gets its frame once caught up.
 */
export function sendBumps<Bump extends { threadId: string }>(
  ctx: DurableObjectState,
  replay: ReplayPump,
  tier: DeliveryTier | null,
  bumps: readonly Bump[],
  frames: (bumps: readonly Bump[]) => string[],
  audience: BumpAudience,
): void {
  const viewing = new Map<string, Set<string>>();
  for (const bump of bumps)
    for (const id of audience.viewers(bump.threadId)) {
      const threads = viewing.get(id) ?? (audience.others(id) ? new Set<string>() : null);
      if (!threads) continue;
      threads.add(bump.threadId);
      viewing.set(id, threads);
    }
  for (const text of frames(bumps)) {
    const wants = (id: string) => !viewing.has(id) && audience.tagged(id, VIEW_TAG);
    const held = replay.size > 0 ? replay.holdBroadcast(text, undefined, wants) : [];
    const skip = viewing.size > 0 ? [...held, ...viewing.keys()] : held;
    sendToAll(ctx, text, skip, VIEW_TAG);
    tier?.toTag(VIEW_TAG, text, undefined, skip);
  }
  const bySet = new Map<string, { threads: Set<string>; ids: string[] }>();
  for (const [id, threads] of viewing) {
    const key = [...threads].sort().join(",");
    const group = bySet.get(key) ?? { threads, ids: [] };
    group.ids.push(id);
    bySet.set(key, group);
  }
  for (const { threads, ids } of bySet.values()) {
    const rest = bumps.filter((bump) => !threads.has(bump.threadId));
    if (rest.length === 0) continue;
    const these = new Set(ids);
    for (const text of frames(rest)) {
      const held = replay.size > 0 ? new Set(replay.holdBroadcast(text, undefined, (id) => these.has(id))) : null;
      const live = held ? ids.filter((id) => !held.has(id)) : ids;
      sendToIds(ctx, live, text);
      tier?.toIds(live, text);
    }
  }
}

// The replay of a resume.

/** A socket as the pump needs it. */
export interface ReplaySocket {
  readonly id: string;
  readonly readyState: number;
  send(text: string): void;
}

/**
 * Frames for a replaying socket wait in memory until its replay catches up; past this the
 * socket is too far behind to be worth holding for, and is closed to resume later.
 */
export const MAX_HELD_BYTES = 1024 * 1024;

export interface ReplayDeps {
  sql: Sql;
  /** Greets the socket again with a fresh snapshot (`reset: true`); returns the seq it covers. */
  reset: (socket: ReplaySocket) => number;
  /** Closes a socket whose held frames passed MAX_HELD_BYTES (it resumes from what it has). */
  overflow: (socket: ReplaySocket) => void;
  /** Lets the room run other work between pages. */
  pause?: () => Promise<void>;
  page?: { events: number; bytes: number };
}

/** What a socket that chose its threads replays of them, and what it is told of the rest. */
export interface ReplayView {
  threads: ReadonlySet<string>;
  /** The other threads whose messages the replay left out: each gets its bump. */
  skipped(threads: ReadonlySet<string>): void;
}

interface Replaying {
  socket: ReplaySocket;
  held: Array<{ text: string; seq: number | undefined }>;
  heldBytes: number;
}

/**
 * Streams a resume's missed events in pages across turns of the event loop, so a large
 * gap never sits whole in memory or on the socket at once, and other clients' requests
 * run between pages. Workerd gives no drain signal: `bufferedAmount` is declared by
 * workers-types but undefined on the room's hibernatable sockets (checked: still
 * undefined right after a 1 MB send), and `send` never blocks. So the pacing is by turns
 * and page size, with the total bounded by the replay budget (planResume resets beyond it).
 *
 * Order: while a socket replays, every live frame for it (broadcasts, responses) is held
 * and sent once the replay has read the log to its end, in the same synchronous run, so
 * nothing can slip in between; held durable events the replay already covered are dropped.
 */
export class ReplayPump {
  readonly #replaying = new Map<string, Replaying>();
  readonly #pages: ReplayPages;

  constructor(private readonly deps: ReplayDeps) {
    this.#pages = new ReplayPages((after) => readEventPage(deps.sql, after, deps.page ?? REPLAY_PAGE));
  }

  get size(): number {
    return this.#replaying.size;
  }

  /**
   * Ids of replaying sockets, which a broadcast must skip (it holds the frame for them
   * instead, for those of them that `wants` it).
   */
  holdBroadcast(text: string, seq: number | undefined, wants?: (socketId: string) => boolean): string[] {
    const ids: string[] = [];
    for (const [id, state] of this.#replaying) {
      ids.push(id);
      if (!wants || wants(id)) this.#hold(state, text, seq);
    }
    return ids;
  }

  /** Sends to one socket, or holds the frame while that socket replays. */
  send(socket: ReplaySocket, text: string): void {
    const state = this.#replaying.get(socket.id);
    if (state) this.#hold(state, text, undefined);
    else sendQuietly(socket, text);
  }

  /** The socket closed: stop its replay. */
  forget(id: string): void {
    this.#replaying.delete(id);
  }

  /**
   * Replays the log after `from` to the socket. Call synchronously after sending the
   * hello: from here on, frames for this socket are held until the replay is done. Given a
   * `view` (a socket that chose its threads), other threads' messages are left out and the
   * threads they were in are handed to `view.skipped` once the replay caught up.
   */
  start(socket: ReplaySocket, from: number, view?: ReplayView): Promise<void> {
    const state: Replaying = { socket, held: [], heldBytes: 0 };
    this.#replaying.set(socket.id, state);
    return this.#run(socket, state, from, view);
  }

  async #run(socket: ReplaySocket, state: Replaying, from: number, view?: ReplayView): Promise<void> {
    let cursor = from;
    const skipped = new Set<string>();
    const pause = this.deps.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
    try {
      for (;;) {
        if (this.#replaying.get(socket.id) !== state) return;
        // The log's end as of this page: nothing is appended before this turn ends.
        const end = currentSeq(this.deps.sql);
        const page = this.#pages.get(cursor, end);
        if (page.unreadable) {
          cursor = this.deps.reset(socket);
          break;
        }
        // Closed meanwhile (revoked, dropped): nothing more to send; its close handler forgets it.
        const sent = page.texts.every((text, i) => {
          const thread = page.threads[i];
          if (!view || thread == null || view.threads.has(thread)) return sendQuietly(socket, text);
          skipped.add(thread);
          return true;
        });
        if (!sent) {
          this.#replaying.delete(socket.id);
          return;
        }
        cursor = page.last;
        // Caught up once a page reaches the log's end. Waiting instead for a read that
        // finds nothing new chased a room that never stops writing: in a reconnect storm
        // with a busy writer no replay ended, so every frame held for those sockets (the
        // presence diffs, their own responses) waited until the writes stopped.
        if (cursor >= end) break;
        await pause();
      }
      // Caught up: from the read that reached the log's end to the last held frame, one
      // synchronous run, so a live event cannot overtake the replay.
      this.#replaying.delete(socket.id);
      for (const frame of state.held)
        if (frame.seq === undefined || frame.seq > cursor) sendQuietly(socket, frame.text);
      if (view && skipped.size > 0) view.skipped(skipped);
    } catch (error) {
      this.#replaying.delete(socket.id);
      throw error;
    }
  }

  #hold(state: Replaying, text: string, seq: number | undefined): void {
    state.held.push({ text, seq });
    state.heldBytes += text.length;
    if (state.heldBytes <= MAX_HELD_BYTES) return;
    this.#replaying.delete(state.socket.id);
    this.deps.overflow(state.socket);
  }
}
