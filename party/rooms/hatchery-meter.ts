import { type Bucket, takeToken } from "./ratelimit";

export interface HatcheryRates {
  perConnection: { perSecond: number; burst: number };
  perPrincipal: { perSecond: number; burst: number };
}

/**
 * Frames per second into the Hatchery, per connection and per principal across all its
 * connections (one person's many tabs, one key's many sockets). In memory: a woken room
 * forgives, it never over-refuses.
 */
export class HatcheryMeter {
  readonly #connections = new Map<string, Bucket>();
  readonly #principals = new Map<string, Bucket>();
  constructor(readonly rates: () => HatcheryRates) {}

  take(connectionId: string, principalId: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const { perConnection, perPrincipal } = this.rates();
    const conn = bucket(this.#connections, connectionId, perConnection.burst, now);
    const person = bucket(this.#principals, principalId, perPrincipal.burst, now);
    const a = takeToken(conn, now, perConnection.perSecond, perConnection.burst);
    if (!a.ok) return a;
    const b = takeToken(person, now, perPrincipal.perSecond, perPrincipal.burst);
    if (!b.ok) return b;
    return { ok: true };
  }

  forget(connectionId: string): void {
    this.#connections.delete(connectionId);
  }
}

function bucket(map: Map<string, Bucket>, key: string, burst: number, now: number): Bucket {
  let b = map.get(key);
  if (!b) {
    b = { tokens: burst, updatedAt: now, refused: 0 };
    map.set(key, b);
  }
  return b;
}
