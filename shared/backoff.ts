export interface BackoffOptions {
  /** Upper bound of the first retry's delay. */
  baseMs: number;
  /** Upper bound of any delay. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 10_000 };

/**
 * The cap while a person is looking at the page: after an outage they wait for the server's
 * return, not for a backoff that grew while it was away. A hidden tab keeps the full cap, so
 * the many tabs nobody looks at still spread their reconnects.
 */
export const VISIBLE_CAP_MS = 3_000;

/**
 * "Full jitter" (uniform in [0, min(cap, base·2^(attempt-1))]): after a room restarts,
 * thousands of clients spread their reconnects instead of arriving in waves.
 * `attempt` counts from 1.
 */
export function fullJitterDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  // Clamp the exponent first so a long outage cannot overflow to Infinity.
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(exponent, 30));
  return Math.floor(random() * ceiling);
}

/** Counts consecutive failures; `reset()` once a connection (or request) succeeds. */
export class Backoff {
  #attempt = 0;
  readonly #options: BackoffOptions;
  readonly #random: () => number;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  get attempt(): number {
    return this.#attempt;
  }

  /** The next delay; `capMs` lowers the cap for this one (never raises it). */
  next(capMs?: number): number {
    this.#attempt += 1;
    const options =
      capMs === undefined ? this.#options : { ...this.#options, capMs: Math.min(capMs, this.#options.capMs) };
    return fullJitterDelay(this.#attempt, options, this.#random);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
