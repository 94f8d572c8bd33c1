import { BoundedMap } from "../../../../domain/bounded-map";
import { type ClientSocket, connState } from "../../../shared/connection-state";

/**
 * Who views which thread, by socket id. Kept in memory and rebuilt from the sockets' own
 * state (which survives hibernation) the first time it is asked after a wake.
 */
export class ThreadInterest {
  #byThread: Map<string, Set<string>> | null = null;
  readonly #bySocket = new Map<string, readonly string[]>();

  constructor(private readonly viewing: () => Iterable<ClientSocket>) {}

  #index(): Map<string, Set<string>> {
    if (this.#byThread) return this.#byThread;
    this.#byThread = new Map();
    for (const conn of this.viewing()) {
      const view = connState(conn)?.view;
      if (view) this.#put(conn.id, view);
    }
    return this.#byThread;
  }

  /** Whether any socket chose its threads (none: every event goes to everyone). */
  any(): boolean {
    this.#index();
    return this.#bySocket.size > 0;
  }

  /** The sockets viewing the thread. */
  viewers(threadId: string): ReadonlySet<string> {
    return this.#index().get(threadId) ?? NOBODY;
  }

  /** Whether the socket gets the thread's messages and streams (a socket that chose none of its threads gets every one). */
  wants(socketId: string, threadId: string): boolean {
    this.#index();
    const view = this.#bySocket.get(socketId);
    return !view || view.includes(threadId);
  }

  /** The socket views these threads now. */
  set(socketId: string, view: readonly string[]): void {
    this.#index();
    this.#drop(socketId);
    this.#put(socketId, view);
  }

  /** The socket closed. */
  left(socketId: string): void {
    if (this.#byThread) this.#drop(socketId);
  }

  #put(socketId: string, view: readonly string[]): void {
    this.#bySocket.set(socketId, view);
    for (const threadId of view) {
      const sockets = this.#byThread!.get(threadId);
      if (sockets) sockets.add(socketId);
      else this.#byThread!.set(threadId, new Set([socketId]));
    }
  }

  #drop(socketId: string): void {
    const view = this.#bySocket.get(socketId);
    if (!view) return;
    this.#bySocket.delete(socketId);
    for (const threadId of view) {
      const sockets = this.#byThread!.get(threadId);
      sockets?.delete(socketId);
      if (sockets?.size === 0) this.#byThread!.delete(threadId);
    }
  }
}

const NOBODY: ReadonlySet<string> = new Set();

/** How long threads' changes gather before one bump goes out. */
export const BUMP_MS = 200;

/** Threads whose last bump is remembered, to skip one that says the same again (a reply streaming on). */
const TOLD_KEPT = 1000;

/**
 * The bumps of threads that changed, gathered: every change of a window is one entry per
 * thread, built when the window closes (so it says how the thread stands then), and none when
 * it says what that thread's last entry said; the window's entries go out together. As with
 * presence, the timer is in memory: a window lost to an eviction costs only a stale row, which
 * the next hello brings current.
 */
export class ThreadBumps<Bump> {
  readonly #pending = new Set<string>();
  readonly #told = new BoundedMap<string, string>(TOLD_KEPT);
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    /** How a thread stands now (null: it is gone). */
    private readonly bump: (threadId: string) => Bump | null,
    /** A window's entries, at least one. */
    private readonly send: (bumps: Bump[]) => void,
    private readonly delayMs = BUMP_MS,
  ) {}

  touched(threadId: string): void {
    this.#pending.add(threadId);
    this.#timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const bumps: Bump[] = [];
    for (const threadId of this.#pending) {
      const bump = this.bump(threadId);
      if (bump === null) continue;
      const said = JSON.stringify(bump);
      if (this.#told.get(threadId) === said) continue;
      this.#told.set(threadId, said);
      bumps.push(bump);
    }
    this.#pending.clear();
    if (bumps.length > 0) this.send(bumps);
  }
}
