import type { z } from "zod";
import type { PresenceDiffPayload, PresenceEntry } from "../../../../../shared/protocol/presence";
import { PresenceChanges } from "./presence";

/** How long joins and leaves gather before one diff goes to everyone. */
export const PRESENCE_DIFF_MS = 250;

/** The longest a change waits while a storm of them keeps coming (see PresenceBroadcast). */
export const PRESENCE_HOLD_MS = 2000;

/**
 * Presence for a crowd: every join, status change and leave is held for up to
 * PRESENCE_DIFF_MS and then told at once (the room sends clients of 17 the summary, and
 * those of 16 and older one `presence.diff`), so N reconnecting clients cost about N
 * frames per window instead of one per join per client (N²).
 *
 * A window costs one frame per socket. Given `recipients` (how many sockets a diff goes to),
 * a window whose changes are fewer than that keeps gathering while changes still arrive
 * (until PRESENCE_DIFF_MS passes without one, or PRESENCE_HOLD_MS after its first): a
 * reconnect storm of N sockets then costs a few diffs in all, O(1) frames per reconnect,
 * instead of one diff per window for as long as the storm lasts.
 *
 * The timer is in memory: if the object is evicted inside a window, that window's diff is
 * lost, which costs only stale presence; every hello, resumes included, carries it current.
 */
export class PresenceBroadcast {
  readonly #changes = new PresenceChanges();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending window opened (null: nothing pending). */
  #first: number | null = null;
  /** When the latest change came. */
  #last = 0;

  constructor(
    /** What one window gathered, as diff frames (never none). */
    private readonly send: (diffs: z.infer<typeof PresenceDiffPayload>[]) => void,
    private readonly delayMs = PRESENCE_DIFF_MS,
    private readonly now: () => number = Date.now,
    private readonly recipients?: () => number,
  ) {}

  joined(entry: PresenceEntry): void {
    this.#changes.joined(entry);
    this.#changed();
  }

  updated(entry: PresenceEntry): void {
    this.#changes.updated(entry);
    this.#changed();
  }

  left(connectionId: string, principalId: string): void {
    this.#changes.left(connectionId, principalId);
    this.#changed();
  }

  /**
   * Sends the pending diff if its time has come. The room calls this on every frame it
   * handles, so a diff does not depend on the timer alone: a room stalled for seconds (a
   * reconnect storm's upgrades) sends it with the next frame it handles.
   */
  flushIfDue(): void {
    if (this.#first !== null && this.now() >= this.#due(this.#first)) this.flush();
  }

  /** Sends what is pending now (and cancels the wait). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#first = null;
    const diffs = this.#changes.take();
    if (diffs.length > 0) this.send(diffs);
  }

  /** When the window opened at `first` is due. */
  #due(first: number): number {
    const due = first + this.delayMs;
    const recipients = this.recipients?.();
    if (recipients === undefined || this.#changes.size >= recipients) return due;
    return Math.min(Math.max(due, this.#last + this.delayMs), first + PRESENCE_HOLD_MS);
  }

  #changed(): void {
    this.#last = this.now();
    this.flushIfDue();
    if (this.#changes.size === 0 || this.#first !== null) return;
    this.#first = this.#last;
    this.#wait(this.delayMs);
  }

  /** The timer: on time, it sends the diff, or waits again for when it is due now. */
  #wait(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#first === null) return;
      const due = this.#due(this.#first);
      if (this.now() >= due) this.flush();
      else this.#wait(due - this.now());
    }, ms);
  }
}
