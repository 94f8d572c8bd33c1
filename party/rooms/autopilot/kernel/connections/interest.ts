import { EntityId } from "../../../../../shared/protocol/common";
import { MAX_VIEWED_THREADS } from "../../../../../shared/protocol/interest";
import { BoundedMap } from "../../../../domain/bounded-map";
import { type ClientSocket, connState } from "../../../shared/connection-state";

/**
 * Delivery by interest (shared/protocol/interest.ts): a socket that connected with `view`
 * gets the messages and streams of the threads it views, and a coalesced bump for the others.
 * Such a socket carries this tag, and every other one EVERYTHING_TAG (fixed at accept, as
 * hibernatable sockets' tags are), so a thread's event finds each kind with one native lookup
 * and costs the sockets that get it, not the room's.
 */
export const VIEW_TAG = "view";
export const EVERYTHING_TAG = "view:all";
/**
 * The tag of a socket whose principal may not read (party/rooms/shared/reading.ts), instead of
 * either of those: no thread's events find it, and a frame to many leaves it out (kernel/fanout.ts).
 */
export const UNREAD_TAG = "view:none";

/** Protocol 18 added `view`. */
export const VIEW_SINCE = 18;

/** The threads a connect asks to view (deduplicated, at most MAX_VIEWED_THREADS), or null: everything. */
export function viewOf(url: URL, protocol: number): string[] | null {
  const asked = url.searchParams.get("view");
  if (asked === null || protocol < VIEW_SINCE) return null;
  return viewed(asked.split(","));
}

/** The tag of a connect's socket: whether it may read at all (`reads`), and if so whether it asked to view its threads. */
export function interestTag(url: URL, protocol: number | null, reads: boolean): string {
  if (!reads) return UNREAD_TAG;
  return protocol !== null && viewOf(url, protocol) !== null ? VIEW_TAG : EVERYTHING_TAG;
}

/** A list of thread ids as a view keeps it: entity ids only, no repeats, within the bound. */
export function viewed(ids: readonly string[]): string[] {
  const kept = new Set<string>();
  for (const id of ids) {
    if (kept.size >= MAX_VIEWED_THREADS) break;
    if (EntityId.safeParse(id).success) kept.add(id);
  }
  return [...kept];
}

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
