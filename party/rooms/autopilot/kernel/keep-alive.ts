import type { LifecycleJobOutcome, LifecycleJobs } from "agents/lifecycle";

// Work that outlives its request (an instance operation, a run waiting on the model) must
// not lose the object to eviction half-way. An alarm due soon keeps a Durable Object in
// memory, so while anything holds the room a host job beats on the lifecycle's queue.

/** The host job's id and function name on the lifecycle's job queue. */
export const KEEP_ALIVE_JOB = "room:keep-alive";
const BEAT_MS = 30_000;

export class KeepAlive {
  #holds = 0;

  constructor(private readonly jobs: () => LifecycleJobs) {}

  /** Keeps the room in memory until the returned release is called (once is enough). */
  async hold(): Promise<() => void> {
    this.#holds++;
    if (this.#holds === 1)
      await this.jobs().push({ id: KEEP_ALIVE_JOB, fn: KEEP_ALIVE_JOB, time: Date.now() + BEAT_MS });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds = Math.max(0, this.#holds - 1);
      if (this.#holds === 0)
        void this.jobs()
          .cancel(KEEP_ALIVE_JOB)
          .catch(() => {});
    };
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
    const release = await this.hold().catch(() => () => {});
    try {
      await running;
    } finally {
      release();
    }
  }

  /** The job ran: beat again while something holds the room, else it is done. */
  beat(): LifecycleJobOutcome {
    return this.#holds > 0 ? { rescheduleAt: Date.now() + BEAT_MS } : undefined;
  }
}
