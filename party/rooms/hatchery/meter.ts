import { type Bucket, refill, waitFor } from "../shared/rate-limit";
import type { Rate } from "../shared/limits";

export interface HatcheryRates {
  perConnection: Rate;
  perPrincipal: Rate;
}

/**
 * Frames per second into the Hatchery, per connection and per principal across all its
 * connections (one person's many tabs, one key's many sockets). The same token buckets
 * as the Autopilot's RequestMeter (ratelimit.ts), without its workspace bucket and
 * refusal count: the Hatchery closes a flooding socket at once. In memory: a woken room
 * forgives, it never over-refuses.
 */
export class HatcheryMeter {
  readonly #connections = new Map<string, Bucket>();
  readonly #principals = new Map<string, Bucket>();
  constructor(readonly rates: () => HatcheryRates) {}

  take(connectionId: string, principalId: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const { perConnection, perPrincipal } = this.rates();
    const conn = bucket(this.#connections, connectionId, perConnection, now);
    const person = bucket(this.#principals, principalId, perPrincipal, now);
    if (conn.tokens < 1) return { ok: false, retryAfterMs: waitFor(conn, perConnection) };
    if (person.tokens < 1) return { ok: false, retryAfterMs: waitFor(person, perPrincipal) };
    conn.tokens -= 1;
    person.tokens -= 1;
    return { ok: true };
  }

  forget(connectionId: string): void {
    this.#connections.delete(connectionId);
  }
}

function bucket(map: Map<string, Bucket>, key: string, rate: Rate, now: number): Bucket {
  let b = map.get(key);
  if (!b) {
    b = { tokens: rate.burst, updatedAt: now };
    map.set(key, b);
  }
  refill(b, now, rate);
  return b;
}
