/** A durable event as a delivery object keeps it: its seq, its frame, and the thread whose viewers get its body. */
export interface KeptEvent {
  seq: number;
  text: string;
  /** The thread a socket that chose its threads must view to get it (null: every socket gets it). */
  thread: string | null;
}

/** At most this many of the newest events are kept, and at most this many characters of them. */
export const MAX_KEPT_EVENTS = 1024;
export const MAX_KEPT_CHARS = 4 * 1024 * 1024;

/**
 * The newest durable events a delivery object received from its room, without a gap, so a
 * socket that comes back can be replayed here instead of by the room (docs/scale.md). The room
 * sends every durable event to each delivery object that holds a socket; one that arrives
 * after a gap (the object held none for a while, or a batch was lost) starts the run again.
 * In memory only: a delivery object that hibernates or restarts keeps nothing, and the room
 * replays its sockets itself.
 */
export class KeptEvents {
  readonly #events: KeptEvent[] = [];
  /** Where the run starts in #events (the ones before it are dropped in bulk). */
  #head = 0;
  #chars = 0;

  constructor(
    private readonly maxEvents = MAX_KEPT_EVENTS,
    private readonly maxChars = MAX_KEPT_CHARS,
  ) {}

  add(seq: number, text: string, thread: string | null): void {
    const last = this.#events.at(-1);
    if (last && seq <= last.seq) return;
    if (last && seq !== last.seq + 1) this.#clear();
    this.#events.push({ seq, text, thread });
    this.#chars += text.length;
    while (this.#events.length - this.#head > this.maxEvents || (this.#chars > this.maxChars && this.size > 1))
      this.#chars -= this.#events[this.#head++]!.text.length;
    // Drop the dropped ones' slots once they are half of the array.
    if (this.#head > this.#events.length / 2) {
      this.#events.splice(0, this.#head);
      this.#head = 0;
    }
  }

  get size(): number {
    return this.#events.length - this.#head;
  }

  /** The seqs kept, first and last (null: none). */
  span(): { from: number; to: number } | null {
    if (this.size === 0) return null;
    return { from: this.#events[this.#head]!.seq, to: this.#events.at(-1)!.seq };
  }

  /** The events after `from` up to `to`, when every one of them is kept (null otherwise). */
  between(from: number, to: number): KeptEvent[] | null {
    if (to <= from) return [];
    const span = this.span();
    if (!span || span.from > from + 1 || span.to < to) return null;
    const start = this.#head + (from + 1 - span.from);
    return this.#events.slice(start, start + (to - from));
  }

  #clear(): void {
    this.#events.length = 0;
    this.#head = 0;
    this.#chars = 0;
  }
}
