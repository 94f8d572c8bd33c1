import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, nextRetry, STEP_RETRIES, waitUnlessAborted } from "./retry";

describe("a task step's retries", () => {
  it("backs off doubling, honours retry-after, and stops after its retries or on a permanent error", () => {
    expect(nextRetry(0, { retryAfterMs: null })).toEqual({ attempt: 1, waitMs: 1000 });
    expect(nextRetry(1, { retryAfterMs: null })).toEqual({ attempt: 2, waitMs: 2000 });
    expect(nextRetry(2, { retryAfterMs: 7000 })).toEqual({ attempt: 3, waitMs: 7000 });
    expect(nextRetry(STEP_RETRIES, { retryAfterMs: null })).toBeNull();
    expect(nextRetry(0, null)).toBeNull();
    expect(nextRetry(0, { retryAfterMs: MAX_RETRY_AFTER_MS + 1 })).toBeNull();
  });

  it("a wait ends at once when the task is paused meanwhile", async () => {
    const abort = new AbortController();
    const waiting = waitUnlessAborted(60_000, abort.signal);
    abort.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});
