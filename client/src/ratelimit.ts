/**
 * The client's side of the room's request budget (`hello.limits`). Pacing ourselves keeps
 * a burst of calls from being refused and, past a point, from getting the socket closed
 * with 4029.
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(ratePerSecond: number, burst: number, now: () => number = Date.now) {
    this.#ratePerMs = Math.max(ratePerSecond, 0.001) / 1000;
    this.#capacity = Math.max(1, burst);
    this.#now = now;
    this.#tokens = this.#capacity;
    this.#updatedAt = now();
  }

  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** How long until `take()` can succeed again. */
  msUntilNext(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#ratePerMs);
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#ratePerMs);
    this.#updatedAt = now;
  }
}

/**
 * Stay under the room's numbers: frames sent evenly can still arrive bunched (a stalled
 * TCP connection delivers them all at once), and the room counts arrivals.
 */
export function bucketForLimits(limits: { requestsPerSecond: number; burst: number }, now?: () => number): TokenBucket {
  return new TokenBucket(limits.requestsPerSecond * 0.9, Math.floor(limits.burst * 0.8), now);
}
