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
