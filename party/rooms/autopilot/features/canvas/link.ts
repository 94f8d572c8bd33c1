import { getServerByName } from "partyserver";
import { CANVAS_VIEWERS_HEADER, type Hatchery, POKE_PATH } from "../../../hatchery/room";

/** How long a canvas update may wait so that a burst of commits costs one Hatchery pull. */
const HATCHERY_POKE_DELAY_MS = 100;

/**
 * The least time between two pokes while commits keep coming: a busy room's canvas trails
 * by up to this much, and its pulls cost the room a steady few instead of one per burst
 * (a chat with steady traffic is one long burst of small ones).
 */
export const HATCHERY_POKE_INTERVAL_MS = 500;

/**
 * The longest a poke waits for the replies streaming when it is due: a reply's message commits
 * at its end, and one pull then brings the message that asked and the answer. A reply that
 * streams longer costs its two pulls, and the canvas shows the question by this much later.
 */
export const HATCHERY_REPLY_WAIT_MS = 3_000;

/** A stream not heard of for this long is not waited for (its end may never come: a bridge that went away). */
const STREAM_QUIET_MS = 5_000;

/**
 * Whether anyone may watch the canvas: null when someone may, else the event `seq` the Hatchery
 * had pulled when it said nobody does. Kept where the room keeps it (its meta), so that a room
 * woken for a message does not wake an unwatched Hatchery to learn it again.
 */
export interface WatchedFlag {
  read(): number | null;
  write(unwatchedSince: number | null): void;
}

const ALWAYS_WATCHED: WatchedFlag = { read: () => null, write: () => {} };

/**
 * An unwatched canvas is still poked once this many events went by since its last pull: what it
 * pulls when it is opened stays bounded, and it never falls out of the event log into a snapshot.
 */
export const UNWATCHED_PULL_EVERY = 1000;

/** The Autopilot's line to its workspace's Hatchery. */
export class HatcheryLink {
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the last poke went (never: long enough ago). */
  #poked = Number.NEGATIVE_INFINITY;
  /** When the poke that waits was asked for (null: none waits). */
  #asked: number | null = null;
  /** Whether the timer waits for the replies streaming (their end arms it again). */
  #forReplies = false;
  /** The replies streaming now, by their stream's run id, with when they were last heard of. */
  readonly #streaming = new Map<string, number>();
  /**
   * Whether anyone may watch the canvas (the flag's value; undefined: not read yet): yes until a
   * poke's answer says nobody does (decision 102). Nobody watching, commits are not poked: the
   * canvas catches up when someone opens it, or every UNWATCHED_PULL_EVERY events.
   */
  #unwatchedSince: number | null | undefined = undefined;
  /** The newest event seq a commit told of (0: none since this wake). */
  #seq = 0;
  /** How many times the Hatchery said it is watched: an answer sent before the latest cannot say nobody is. */
  #watchedTold = 0;

  constructor(
    private readonly namespace: DurableObjectNamespace<Hatchery>,
    private readonly workspaceId: () => string,
    private readonly flag: WatchedFlag = ALWAYS_WATCHED,
  ) {}

  #unwatched(): number | null {
    if (this.#unwatchedSince === undefined) this.#unwatchedSince = this.flag.read();
    return this.#unwatchedSince;
  }

  #setUnwatched(since: number | null): void {
    if (this.#unwatched() === since) return;
    this.#unwatchedSince = since;
    this.flag.write(since);
  }

  stub(): Promise<DurableObjectStub<Hatchery>> {
    return getServerByName(this.namespace, this.workspaceId());
  }

  /**
   * Tells the canvas there is news; it pulls the events itself (graphFeed), so a poke
   * that fails costs only latency: the Hatchery catches up on its next poke or wake.
   * Pokes are coalesced: one pull per burst, not one per event, because each pull is a
   * graphFeed call queued inside the Autopilot, on the path of the next request; at
   * most one per HATCHERY_POKE_INTERVAL_MS; and one per reply, not one for the message that
   * asked and one for the answer: a poke due while replies stream waits for their end
   * (at most HATCHERY_REPLY_WAIT_MS).
   */
  poke(seq?: number): void {
    if (seq !== undefined && seq > this.#seq) this.#seq = seq;
    const since = this.#unwatched();
    if (since !== null && this.#seq - since < UNWATCHED_PULL_EVERY) return;
    this.#asked ??= Date.now();
    if (this.#timer) return;
    this.#arm();
  }

  /** The Hatchery has a socket again (it pulls once this returns): commits from now on are poked. */
  watched(): void {
    this.#setUnwatched(null);
    this.#watchedTold++;
  }

  /** A reply's stream was heard of (its opening or a piece). */
  streaming(runId: string): void {
    this.#streaming.set(runId, Date.now());
  }

  /** A reply's stream ended (its message, if any, committed before): a poke that waited for it goes. */
  streamEnded(runId: string): void {
    if (!this.#streaming.delete(runId) || !this.#forReplies || this.#replyStreaming(Date.now())) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#arm();
  }

  #arm(): void {
    this.#forReplies = false;
    const wait = Math.max(HATCHERY_POKE_DELAY_MS, this.#poked + HATCHERY_POKE_INTERVAL_MS - Date.now());
    this.#timer = setTimeout(() => this.#due(), wait);
  }

  #replyStreaming(now: number): boolean {
    for (const [runId, heard] of this.#streaming)
      if (now - heard > STREAM_QUIET_MS) this.#streaming.delete(runId);
      else return true;
    return false;
  }

  #due(): void {
    this.#timer = null;
    const now = Date.now();
    const waited = now - (this.#asked ?? now);
    if (waited < HATCHERY_REPLY_WAIT_MS && this.#replyStreaming(now)) {
      this.#forReplies = true;
      this.#timer = setTimeout(() => this.#due(), HATCHERY_REPLY_WAIT_MS - waited);
      return;
    }
    this.#forReplies = false;
    this.#asked = null;
    this.#poked = now;
    const told = this.#watchedTold;
    const pulledTo = this.#seq;
    // One fetch, not getServerByName's two calls: a fetch starts the Hatchery by itself,
    // and in a reconnect storm the extra call was a steady share of the isolate's time.
    this.namespace
      .getByName(this.workspaceId())
      .fetch(`https://hatchery${POKE_PATH}`, { method: "POST" })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        if (response.headers.get(CANVAS_VIEWERS_HEADER) === "0" && told === this.#watchedTold)
          this.#setUnwatched(pulledTo);
      })
      .catch((error: unknown) =>
        console.error(
          JSON.stringify({ msg: "hatchery poke failed", workspace: this.workspaceId(), error: String(error) }),
        ),
      );
  }
}
