import { currentSeq, REPLAY_PAGE, readEventPage } from "../eventlog";
import type { Sql } from "../../../../domain/sql";
import { ReplayPages } from "./replay-pages";
import { sendQuietly } from "../fanout";

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

  /** Ids of replaying sockets, which a broadcast must skip (it holds the frame for them instead). */
  holdBroadcast(text: string, seq: number | undefined): string[] {
    const ids: string[] = [];
    for (const [id, state] of this.#replaying) {
      ids.push(id);
      this.#hold(state, text, seq);
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
   * hello: from here on, frames for this socket are held until the replay is done.
   */
  start(socket: ReplaySocket, from: number): Promise<void> {
    const state: Replaying = { socket, held: [], heldBytes: 0 };
    this.#replaying.set(socket.id, state);
    return this.#run(socket, state, from);
  }

  async #run(socket: ReplaySocket, state: Replaying, from: number): Promise<void> {
    let cursor = from;
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
        if (!page.texts.every((text) => sendQuietly(socket, text))) {
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
