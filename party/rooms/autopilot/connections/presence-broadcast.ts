import type { z } from "zod";
import type { PresenceDiffPayload, PresenceEntry } from "../../../../shared/protocol/presence";
import { PresenceChanges } from "../../../domain/presence";

/** How long joins and leaves gather before one diff goes to everyone. */
export const PRESENCE_DIFF_MS = 250;

/**
 * Presence for a crowd: every join, status change and leave is held for up to
 * PRESENCE_DIFF_MS and then sent as one `presence.diff` to everyone, so N reconnecting
 * clients cost about N frames per window instead of one per join per client (N²).
 *
 * The timer is in memory: if the object is evicted inside a window, that window's diff is
 * lost, which costs only stale presence; clients refresh it with `presence.list` on resume.
 */
export class PresenceBroadcast {
  readonly #changes = new PresenceChanges();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending diff is due (null: nothing pending). */
  #due: number | null = null;

  constructor(
    private readonly send: (diff: z.infer<typeof PresenceDiffPayload>) => void,
    private readonly delayMs = PRESENCE_DIFF_MS,
    private readonly now: () => number = Date.now,
  ) {}

  joined(entry: PresenceEntry): void {
    this.#changes.joined(entry);
    this.#schedule();
  }

  updated(entry: PresenceEntry): void {
    this.#changes.updated(entry);
    this.#schedule();
  }

  left(connectionId: string, principalId: string): void {
    this.#changes.left(connectionId, principalId);
    this.#schedule();
  }

  /**
   * Sends the pending diff if its time has come. The room calls this on every frame it
   * handles, so a diff does not depend on the timer alone: a room stalled for seconds (a
   * reconnect storm's upgrades) sends it with the next frame it handles.
   */
  flushIfDue(): void {
    if (this.#due !== null && this.now() >= this.#due) this.flush();
  }

  /** Sends what is pending now (and cancels the wait). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#due = null;
    for (const diff of this.#changes.take()) this.send(diff);
  }

  #schedule(): void {
    this.flushIfDue();
    if (this.#changes.size === 0 || this.#due !== null) return;
    this.#due = this.now() + this.delayMs;
    this.#timer = setTimeout(() => this.flush(), this.delayMs);
  }
}
