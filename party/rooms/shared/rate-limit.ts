import type { ErrorShape } from "../../../shared/protocol/errors";
import type { ResponseFrame } from "../../../shared/protocol/frames";
import type { Rate } from "./limits";
import { Meter, type Metered as MeteredIn, REFUSALS_BEFORE_CLOSE } from "./meter";

export { REFUSALS_BEFORE_CLOSE };

export type LimitScope = "connection" | "principal" | "workspace";

export type Metered = MeteredIn<LimitScope>;

/**
 * The Autopilot's shape of the one meter (meter.ts): every frame takes one token from its
 * socket's bucket, its principal's (shared by all of that principal's sockets) and the
 * workspace's, and is refused when any of them is empty. A socket's refusals since its and
 * its principal's buckets were last full close it with 4029 past REFUSALS_BEFORE_CLOSE; the
 * workspace's limit does not count, a busy workspace is no socket's fault.
 */
export class RequestMeter {
  readonly #meter: Meter<LimitScope>;

  constructor(readonly limits: () => Record<LimitScope, Rate>) {
    const shape = {
      scopes: ["connection", "principal", "workspace"],
      shared: ["workspace"],
      requester: "connection",
      refusalsBeforeClose: REFUSALS_BEFORE_CLOSE,
    } as const;
    this.#meter = new Meter<LimitScope>(shape, limits);
  }

  /**
   * One frame from `connectionId` of `principalId` (or `cost` requests at once, all or none:
   * an MCP batch); `close` says the flood went on long enough to hang up.
   */
  take(connectionId: string, principalId: string, now: number, cost = 1): Metered {
    return this.#meter.take({ connection: connectionId, principal: principalId }, now, { cost });
  }

  /** A socket closed. */
  forget(connectionId: string, now: number): void {
    this.#meter.forget({ connection: connectionId }, now);
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
