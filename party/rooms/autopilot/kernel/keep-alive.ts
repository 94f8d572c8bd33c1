import type { LifecycleJobOutcome, LifecycleJobs } from "agents/lifecycle";

// Work that outlives its request (an instance operation, a run waiting on the model) must
// not lose the object to eviction half-way. An alarm due soon keeps a Durable Object in
// memory, so while anything holds the room a host job beats on the lifecycle's queue.
//
// The beat starts only once a hold has lasted FIRST_BEAT_AFTER_MS. A Durable Object is evicted
// after a minute or more without an incoming event, and every hold begins in the turn of one
// (a request, a socket's frame, an alarm) or while an earlier hold beats, so a hold that ends
// sooner than that never needed the beat: most replies and background flushes end within
// seconds, and without the wait each of them wrote the job and deleted it again (the queue's
// rows, its alarm set twice) for nothing.

/** The host job's id and function name on the lifecycle's job queue. */
export const KEEP_ALIVE_JOB = "room:keep-alive";
const BEAT_MS = 30_000;
/** How long a hold lasts before it writes the first beat (far inside the idle time before eviction). */
export const FIRST_BEAT_AFTER_MS = 5_000;

export class KeepAlive {
  #holds = 0;
  /** The timer that writes the first beat, while a hold waits for it. */
  #waiting: ReturnType<typeof setTimeout> | null = null;
  /** Whether the beat's job is on the queue (written by this object, not yet cancelled). */
  #beating = false;

  constructor(private readonly jobs: () => LifecycleJobs) {}

  /** Keeps the room in memory until the returned release is called (once is enough). */
  async hold(): Promise<() => void> {
    this.#holds++;
    if (this.#holds === 1 && !this.#beating && this.#waiting === null)
      this.#waiting = setTimeout(() => this.#firstBeat(), FIRST_BEAT_AFTER_MS);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds = Math.max(0, this.#holds - 1);
      if (this.#holds > 0) return;
      if (this.#waiting !== null) {
        clearTimeout(this.#waiting);
        this.#waiting = null;
      }
      if (!this.#beating) return;
      this.#beating = false;
      void this.jobs()
        .cancel(KEEP_ALIVE_JOB)
        .catch(() => {});
    };
  }

  #firstBeat(): void {
    this.#waiting = null;
    if (this.#holds === 0 || this.#beating) return;
    this.#beating = true;
    void Promise.resolve()
      .then(() => this.jobs().push({ id: KEEP_ALIVE_JOB, fn: KEEP_ALIVE_JOB, time: Date.now() + BEAT_MS }))
      .catch((error: unknown) => {
        this.#beating = false;
        console.error(JSON.stringify({ msg: "keep-alive beat not written", error: String(error) }));
      });
  }

  /**
   * Runs `work` while holding the room. The work starts in this turn, so what it commits
   * before its first wait (an approved operation's job, its instance's new status) goes out
   * before the answer to the request that set it off: a client that has the answer has the
   * state too.
   */
  async during(work: () => Promise<void>, failed: (error: unknown) => void): Promise<void> {
    // Handled from the start: it may fail before the hold is in place.
    const running = work().catch(failed);
    const release = await this.hold();
    try {
      await running;
    } finally {
      release();
    }
  }

  /** The job ran: beat again while something holds the room, else it is done. */
  beat(): LifecycleJobOutcome {
    // A beat an earlier wake wrote may reach a hold still waiting for its own: it is the beat now.
    this.#beating = this.#holds > 0;
    return this.#beating ? { rescheduleAt: Date.now() + BEAT_MS } : undefined;
  }
}
