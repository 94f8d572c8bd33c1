// A time limit as a signal that is cleared once the work is done. `AbortSignal.timeout`
// cannot be cancelled: in workerd its pending timer keeps the request that set it in flight
// for the whole limit after the work ended, so a Durable Object's eviction (a deploy, the
// runtime's own) waits out every such timer of its past calls.

/** A signal aborted with a TimeoutError after `ms`, and `clear` to drop its timer early. */
export function deadline(ms: number, what = "Timeout"): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`${what} of ${ms}ms exceeded`, "TimeoutError")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Runs `work` with a signal aborted after `ms`; the timer goes when `work` settles. */
export async function within<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const limit = deadline(ms);
  try {
    return await work(limit.signal);
  } finally {
    limit.clear();
  }
}
