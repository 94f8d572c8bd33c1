// How a task's step asks the model again after a transient failure (a timeout, a dropped
// connection, 429, 5xx): a few times, waiting longer each time, or as long as the endpoint
// asked (`retry-after`) when that is not too long. A permanent failure is not asked again:
// the step ends with the reason, and a person may resume the task once it is fixed.

import type { NewRunLogEntry } from "../agent/index";

/** Retries of one step's model call before the task fails. */
export const STEP_RETRIES = 4;
/** The first wait; each next one doubles. */
const FIRST_WAIT_MS = 1000;
/** The longest wait the runner picks itself. */
const MAX_BACKOFF_MS = 60_000;
/** The longest `retry-after` honoured by waiting; a longer one ends the step (resume it later). */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

export interface Retry {
  /** 1 for the first retry. */
  attempt: number;
  waitMs: number;
}

/**
 * The next retry after `done` retries of this step, or null when the step ends here: the
 * error is permanent, its retries are used up, or the endpoint asked for a longer wait than
 * a running task holds.
 */
export function nextRetry(done: number, transient: { retryAfterMs: number | null } | null): Retry | null {
  if (!transient || done >= STEP_RETRIES) return null;
  const attempt = done + 1;
  if (transient.retryAfterMs !== null)
    return transient.retryAfterMs > MAX_RETRY_AFTER_MS ? null : { attempt, waitMs: transient.retryAfterMs };
  return { attempt, waitMs: Math.min(MAX_BACKOFF_MS, FIRST_WAIT_MS * 2 ** done) };
}

/** Resolves after `ms`, or at once when `signal` aborts (the task was paused or cancelled meanwhile). */
export function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** The run log's line for a retry: what failed, how long the runner waits, which retry it is. */
export function retryEntry(step: number, error: string, retry: Retry): NewRunLogEntry {
  return {
    kind: "error",
    step,
    text: `The model call failed (${error}): asking again in ${seconds(retry.waitMs)}, retry ${retry.attempt} of ${STEP_RETRIES}`,
    details: { error, retry: retry.attempt, of: STEP_RETRIES, waitMs: retry.waitMs },
  };
}

/** Why a step failed, with how many retries it took first. */
export const afterRetries = (error: string, retries: number): string =>
  retries === 0 ? error : `${error} (after ${retries} ${retries === 1 ? "retry" : "retries"})`;
