/** Token bucket per connection: `burst` requests at once, refilled at `perSecond`. */
export interface Bucket {
  tokens: number;
  updatedAt: number;
  /** Consecutive refusals; past a threshold the room closes the socket with 4029. */
  refused: number;
}

export function takeToken(bucket: Bucket, now: number, perSecond: number, burst: number): { ok: true } | { ok: false; retryAfterMs: number } {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
  bucket.updatedAt = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    bucket.refused = 0;
    return { ok: true };
  }
  bucket.refused += 1;
  return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / perSecond) * 1000) };
}
