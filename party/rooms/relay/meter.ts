import { type Bucket, REFUSALS_BEFORE_CLOSE, refill, waitFor } from "../shared/rate-limit";
import type { Rate } from "../shared/limits";
import type { RelayLimits } from "./limits";

/**
 * The relay's token buckets (limits.ts): every message of a connection, its EVENTs per
 * minute, and the EVENTs of the whole community. They live in memory and start full when
 * the object wakes from hibernation: a woken relay forgives, it never over-refuses.
 */
interface ConnectionBuckets {
  messages: Bucket;
  events: Bucket;
  /** Refusals since the connection's buckets were last full; past REFUSALS_BEFORE_CLOSE it is hung up on. */
  refused: number;
}

export type Take = { ok: true } | { ok: false; reason: string; close: boolean };

export class RelayMeter {
  readonly #connections = new Map<string, ConnectionBuckets>();
  #community: Bucket | null = null;

  constructor(readonly limits: RelayLimits) {}

  #buckets(connection: string, now: number): ConnectionBuckets {
    let buckets = this.#connections.get(connection);
    if (!buckets) {
      buckets = {
        messages: { tokens: this.limits.messages.burst, updatedAt: now },
        events: { tokens: this.limits.eventsPerMinute.burst, updatedAt: now },
        refused: 0,
      };
      this.#connections.set(connection, buckets);
    }
    refill(buckets.messages, now, this.limits.messages);
    refill(buckets.events, now, this.limits.eventsPerMinute);
    if (
      buckets.messages.tokens >= this.limits.messages.burst &&
      buckets.events.tokens >= this.limits.eventsPerMinute.burst
    )
      buckets.refused = 0;
    return buckets;
  }

  #refuse(buckets: ConnectionBuckets, bucket: Bucket, rate: Rate, what: string): Take {
    buckets.refused += 1;
    const seconds = Math.max(1, Math.ceil(waitFor(bucket, rate) / 1000));
    return {
      ok: false,
      reason: `rate-limited: ${what}: slow down (try again in ${seconds} s)`,
      close: buckets.refused > REFUSALS_BEFORE_CLOSE,
    };
  }

  /** One message of any kind from a connection. */
  message(connection: string, now: number): Take {
    const buckets = this.#buckets(connection, now);
    if (buckets.messages.tokens < 1)
      return this.#refuse(
        buckets,
        buckets.messages,
        this.limits.messages,
        `over ${this.limits.messages.perSecond} messages a second`,
      );
    buckets.messages.tokens -= 1;
    return { ok: true };
  }

  /** One EVENT from a connection, also counted against the community's. */
  event(connection: string, now: number): Take {
    const buckets = this.#buckets(connection, now);
    if (buckets.events.tokens < 1)
      return this.#refuse(
        buckets,
        buckets.events,
        this.limits.eventsPerMinute,
        `over ${this.limits.eventsPerMinute.burst} events a minute from one connection`,
      );
    this.#community ??= { tokens: this.limits.communityEvents.burst, updatedAt: now };
    refill(this.#community, now, this.limits.communityEvents);
    // A busy community is no connection's fault: not counted toward hanging up.
    if (this.#community.tokens < 1)
      return { ok: false, reason: "rate-limited: this community is busy, try again shortly", close: false };
    buckets.events.tokens -= 1;
    this.#community.tokens -= 1;
    return { ok: true };
  }

  forget(connection: string): void {
    this.#connections.delete(connection);
  }
}
