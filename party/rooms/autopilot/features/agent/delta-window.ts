// The Autopilot's streamed text to clients, at most one `chat.delta` per reply per window
// (decision 81). A model writes a few characters per chunk, and each frame costs the room a
// serialisation, its socket lookups and a send per socket, and the client its envelope: the
// first chunk after a quiet window goes out at once (the reply starts showing without delay),
// the ones after it in that window wait and go out as one delta with the first one's offset.
// A delta's `offset` says where its text goes, so a client that got the stream's text so far
// in its hello (which always has all of it) applies a later, longer delta the same way.
//
// Order: whatever a run publishes besides its text (its messages, chat.final, its log) is
// published after the text held before it: the run's `commit` and `broadcast` flush first.
import type { EventName, EventPayload } from "../../../../../shared/protocol/events";
import type { ChatDeltaWhole } from "../../../../../shared/protocol/gateway";

/** The room writes whole deltas (a capability sends less to some sockets as they go out). */
type Delta = ChatDeltaWhole;

/** How long streamed text may wait to go out with the text after it. */
export const DELTA_WINDOW_MS = 50;

export class DeltaWindow {
  /** By run: text that waits for the window's end, one contiguous piece per run. */
  readonly #held = new Map<string, Delta>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (delta: Delta) => void,
    private readonly ms = DELTA_WINDOW_MS,
  ) {}

  /** A delta of the run's stream: sent now if the window is quiet, else held for the window's end. */
  add(delta: Delta): void {
    // A stream's opening (empty) delta says a reply began: nothing to join it with.
    if (!delta.text) {
      this.flush();
      this.send(delta);
      return;
    }
    if (this.#timer === null) {
      this.send(delta);
      this.#timer = setTimeout(() => this.#tick(), this.ms);
      return;
    }
    const held = this.#held.get(delta.runId);
    if (held && held.threadId === delta.threadId && held.offset + held.text.length === delta.offset) {
      held.text += delta.text;
      return;
    }
    // Not where the held text ends (a segment started over): what was held goes first.
    if (held) {
      this.send(held);
      this.#held.delete(delta.runId);
    }
    this.#held.set(delta.runId, { ...delta });
  }

  /** Sends every held delta now (before anything else the run publishes). */
  flush(): void {
    if (this.#held.size === 0) return;
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const delta of held) this.send(delta);
  }

  /** The window ended: what it held goes out, and the next window starts only if something did. */
  #tick(): void {
    this.#timer = null;
    if (this.#held.size === 0) return;
    this.flush();
    this.#timer = setTimeout(() => this.#tick(), this.ms);
  }
}

/**
 * A run's `broadcast` and `commit` with its streamed text windowed: every chat.delta goes
 * through `window`, and anything else the run publishes flushes it first.
 */
export function windowedRun<
  D extends {
    broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
    commit: (...args: never[]) => unknown;
  },
>(deps: D): D {
  const window = new DeltaWindow((delta) => deps.broadcast("chat.delta", delta));
  const commit = ((...args: Parameters<D["commit"]>) => {
    window.flush();
    return deps.commit(...args);
  }) as D["commit"];
  return {
    ...deps,
    commit,
    broadcast: <E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event === "chat.delta") return window.add(payload as Delta);
      window.flush();
      deps.broadcast(event, payload);
    },
  };
}
