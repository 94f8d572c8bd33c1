/** Token bucket per connection: `burst` requests at once, refilled at `perSecond`. */
export interface Bucket {
  tokens: number;
  updatedAt: number;
  /**
   * Refusals since the bucket was last full. A sustained flood keeps the bucket near
   * empty and piles these up (the room then closes with 4029); a client that calms
   * down until the bucket refills is forgiven.
   */
  refused: number;
}

export function takeToken(bucket: Bucket, now: number, perSecond: number, burst: number): { ok: true } | { ok: false; retryAfterMs: number } {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
  bucket.updatedAt = now;
  if (bucket.tokens >= burst) bucket.refused = 0;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return { ok: true };
  }
  bucket.refused += 1;
  return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / perSecond) * 1000) };
}

/** Refusals (since the bucket was last full) after which the socket is closed with 4029. */
const REFUSALS_BEFORE_CLOSE = 50;

export type Metered = { ok: true } | { ok: false; retryAfterMs: number; close: boolean };

/**
 * The room's per-connection limiter. Buckets live in memory and may reset when the object
 * hibernates: a woken room forgives, it never over-refuses.
 */
export class ConnectionMeter {
  readonly #buckets = new Map<string, Bucket>();
  constructor(readonly rate: () => { perSecond: number; burst: number }) {}

  /** One frame from `connectionId`; `close` says the flood went on long enough to hang up. */
  take(connectionId: string, now: number): Metered {
    const { perSecond, burst } = this.rate();
    const bucket = this.#buckets.get(connectionId) ?? { tokens: burst, updatedAt: now, refused: 0 };
    this.#buckets.set(connectionId, bucket);
    const token = takeToken(bucket, now, perSecond, burst);
    if (token.ok) return token;
    return { ok: false, retryAfterMs: token.retryAfterMs, close: bucket.refused > REFUSALS_BEFORE_CLOSE };
  }

  forget(connectionId: string): void {
    this.#buckets.delete(connectionId);
  }
}
