import type { ErrorShape } from "../../../shared/protocol/errors";
import type { ResponseFrame } from "../../../shared/protocol/frames";
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

/** Refusals (since the socket's and its principal's buckets were last full) after which the socket is closed with 4029. */
export const REFUSALS_BEFORE_CLOSE = 50;

export type LimitScope = "connection" | "principal" | "workspace";

export type Metered = { ok: true } | { ok: false; retryAfterMs: number; close: boolean; limit: LimitScope };

interface ConnectionBucket extends Bucket {
  /**
   * Refusals since this socket's and its principal's buckets were last full. A sustained
   * flood keeps them near empty and piles these up (the room then closes with 4029); a
   * client that calms down until they refill is forgiven. Refusals for the workspace's
   * limit do not count: a busy workspace is no socket's fault.
   */
  refused: number;
}

/**
 * The Autopilot's limiter: every frame takes one token from its socket's bucket, its
 * principal's (shared by all of that principal's sockets) and the workspace's, and is
 * refused when any of them is empty. Buckets live in memory and may reset when the object
 * hibernates: a woken room forgives, it never over-refuses.
 */
export class RequestMeter {
  readonly #connections = new Map<string, ConnectionBucket>();
  readonly #principals = new Map<string, Bucket>();
  #workspace: Bucket | null = null;

  constructor(readonly limits: () => { connection: Rate; principal: Rate; workspace: Rate }) {}

  /**
   * One frame from `connectionId` of `principalId` (or `cost` requests at once, all or none:
   * an MCP batch); `close` says the flood went on long enough to hang up.
   */
  take(connectionId: string, principalId: string, now: number, cost = 1): Metered {
    // A cost below one would pay nothing or hand tokens back: it is a caller's bug, never a price.
    if (!Number.isSafeInteger(cost) || cost < 1)
      throw new RangeError(`a request costs a whole number of tokens, at least 1 (not ${cost})`);
    const limits = this.limits();
    const connection = this.#connections.get(connectionId) ?? {
      tokens: limits.connection.burst,
      updatedAt: now,
      refused: 0,
    };
    this.#connections.set(connectionId, connection);
    const principal = this.#principals.get(principalId) ?? { tokens: limits.principal.burst, updatedAt: now };
    this.#principals.set(principalId, principal);
    this.#workspace ??= { tokens: limits.workspace.burst, updatedAt: now };
    const workspace = this.#workspace;
    refill(connection, now, limits.connection);
    refill(principal, now, limits.principal);
    refill(workspace, now, limits.workspace);
    if (connection.tokens >= limits.connection.burst && principal.tokens >= limits.principal.burst)
      connection.refused = 0;

    const short: Array<[LimitScope, Bucket, Rate]> = [];
    if (connection.tokens < cost) short.push(["connection", connection, limits.connection]);
    if (principal.tokens < cost) short.push(["principal", principal, limits.principal]);
    if (workspace.tokens < cost) short.push(["workspace", workspace, limits.workspace]);
    if (short.length === 0) {
      connection.tokens -= cost;
      principal.tokens -= cost;
      workspace.tokens -= cost;
      return { ok: true };
    }
    const own = short.some(([scope]) => scope !== "workspace");
    if (own) connection.refused += 1;
    return {
      ok: false,
      retryAfterMs: Math.max(...short.map(([, bucket, rate]) => waitFor(bucket, rate, cost))),
      close: own && connection.refused > REFUSALS_BEFORE_CLOSE,
      limit: short[0]![0],
    };
  }

  /** A socket closed. Principals' buckets that refilled are dropped with it (they start full anyway). */
  forget(connectionId: string, now: number): void {
    this.#connections.delete(connectionId);
    const { principal: rate } = this.limits();
    for (const [id, bucket] of this.#principals) {
      refill(bucket, now, rate);
      if (bucket.tokens >= rate.burst) this.#principals.delete(id);
    }
  }
}

/** The typed error a refused request gets (the socket stays open), naming the limit it hit. */
export function rateLimitedResponse(refused: Extract<Metered, { ok: false }>, requestId: string): string {
  const error: ErrorShape = {
    code: "rate_limited",
    message: `too many requests (${refused.limit} limit)`,
    retryable: true,
    retryAfterMs: refused.retryAfterMs,
    details: { limit: refused.limit },
  };
  const frame: ResponseFrame = { type: "res", id: requestId, ok: false, error };
  return JSON.stringify(frame);
}
