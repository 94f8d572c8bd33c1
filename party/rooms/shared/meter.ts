import type { Rate } from "./limits";

/** Token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function refill(bucket: Bucket, now: number, rate: Rate): void {
  bucket.tokens = Math.min(rate.burst, bucket.tokens + (Math.max(0, now - bucket.updatedAt) / 1000) * rate.perSecond);
  bucket.updatedAt = now;
}

/** How long until the bucket holds `tokens` (one by default) again. */
export function waitFor(bucket: Bucket, rate: Rate, tokens = 1): number {
  return Math.ceil(((tokens - bucket.tokens) / rate.perSecond) * 1000);
}

/** Refusals (since a requester's own buckets were last full) after which a flooding socket is hung up on. */
export const REFUSALS_BEFORE_CLOSE = 50;

/** How a room meters: its scopes, whose buckets are shared, and when a refused requester is hung up on. */
export interface MeterShape<S extends string> {
  /** Every scope, in the order a refusal names the first one that was short. */
  scopes: readonly S[];
  /**
   * Scopes with one bucket for everyone (a workspace's, a community's). Running one dry is no
   * requester's fault: such a refusal is not counted toward hanging up, and its bucket need
   * not be full to forgive.
   */
  shared?: readonly S[];
  /** The scope whose key is the requester (a socket), against which refusals are counted. */
  requester: S;
  /** Refusals a requester may run up before `close` is said; 0 says it at the first. */
  refusalsBeforeClose: number;
}

export type Metered<S extends string> = { ok: true } | { ok: false; retryAfterMs: number; close: boolean; limit: S };

/** One request's buckets: the key of each scope it is counted in (a shared scope needs none). */
export type MeterKeys<S extends string> = Partial<Record<S, string>>;

export interface TakeOptions<S extends string> {
  /** Tokens taken from every bucket paid, all or none (an MCP batch); one by default. */
  cost?: number;
  /** The scopes this kind of request pays (the relay's EVENTs pay their own); every keyed and shared one by default. */
  pay?: readonly S[];
}

/**
 * The one rate meter of every room: keyed token buckets in named scopes (per socket, per
 * principal, per workspace or community, per kind of message). A request takes its cost
 * from each bucket it pays, or is refused when any is short, naming the first and the wait
 * until all hold enough. A requester's refusals are counted (a busy shared bucket's excepted)
 * and forgiven once its own buckets are full again, so a sustained flood is hung up on and a
 * client that calmed down is not. Buckets live in memory and may reset when the object
 * hibernates: a woken room forgives, it never over-refuses; a full bucket is the same as none.
 */
export class Meter<S extends string> {
  readonly #buckets = new Map<S, Map<string, Bucket>>();
  readonly #refused = new Map<string, number>();
  readonly #shared: ReadonlySet<S>;

  constructor(
    readonly shape: MeterShape<S>,
    readonly rates: () => Record<S, Rate>,
  ) {
    this.#shared = new Set(shape.shared ?? []);
    for (const scope of shape.scopes) this.#buckets.set(scope, new Map());
  }

  take(keys: MeterKeys<S>, now: number, options: TakeOptions<S> = {}): Metered<S> {
    const { cost = 1 } = options;
    // A cost below one would pay nothing or hand tokens back: it is a caller's bug, never a price.
    if (!Number.isSafeInteger(cost) || cost < 1)
      throw new RangeError(`a request costs a whole number of tokens, at least 1 (not ${cost})`);
    const requester = keys[this.shape.requester];
    if (requester === undefined) throw new RangeError(`a request names its ${this.shape.requester}`);
    const rates = this.rates();
    const pays = (scope: S) =>
      options.pay ? options.pay.includes(scope) : this.#shared.has(scope) || keys[scope] !== undefined;
    // In the shape's order, so that a refusal names the first scope short.
    const paid = this.shape.scopes
      .filter(pays)
      .map((scope) => ({ scope, bucket: this.#bucket(scope, this.#key(scope, keys), now, rates[scope]) }));
    if (this.#ownFull(keys, now, rates)) this.#refused.delete(requester);

    const short = paid.filter(({ bucket }) => bucket.tokens < cost);
    if (short.length === 0) {
      for (const { bucket } of paid) bucket.tokens -= cost;
      return { ok: true };
    }
    const own = short.some(({ scope }) => !this.#shared.has(scope));
    const refused = (this.#refused.get(requester) ?? 0) + (own ? 1 : 0);
    if (own) this.#refused.set(requester, refused);
    return {
      ok: false,
      retryAfterMs: Math.max(...short.map(({ scope, bucket }) => waitFor(bucket, rates[scope], cost))),
      close: own && refused > this.shape.refusalsBeforeClose,
      limit: short[0]!.scope,
    };
  }

  /** A requester left: its buckets and refusals go, and so does every bucket that has refilled (it starts full anyway). */
  forget(keys: MeterKeys<S>, now: number): void {
    const requester = keys[this.shape.requester];
    if (requester !== undefined) this.#refused.delete(requester);
    const rates = this.rates();
    for (const [scope, buckets] of this.#buckets) {
      const key = keys[scope];
      if (key !== undefined && !this.#shared.has(scope)) buckets.delete(key);
      for (const [id, bucket] of buckets) {
        refill(bucket, now, rates[scope]);
        if (bucket.tokens >= rates[scope].burst) buckets.delete(id);
      }
    }
  }

  #key(scope: S, keys: MeterKeys<S>): string {
    if (this.#shared.has(scope)) return "";
    const key = keys[scope];
    if (key === undefined) throw new RangeError(`a request paying ${scope} names its ${scope}`);
    return key;
  }

  #bucket(scope: S, key: string, now: number, rate: Rate): Bucket {
    const buckets = this.#buckets.get(scope)!;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { tokens: rate.burst, updatedAt: now };
      buckets.set(key, bucket);
    }
    refill(bucket, now, rate);
    return bucket;
  }

  /** Whether every bucket the request names in a scope of its own (paid now or not) is full: a missing one is. */
  #ownFull(keys: MeterKeys<S>, now: number, rates: Record<S, Rate>): boolean {
    return this.shape.scopes.every((scope) => {
      const key = keys[scope];
      if (this.#shared.has(scope) || key === undefined) return true;
      const bucket = this.#buckets.get(scope)!.get(key);
      if (!bucket) return true;
      refill(bucket, now, rates[scope]);
      return bucket.tokens >= rates[scope].burst;
    });
  }
}
