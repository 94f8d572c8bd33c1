import { type ErrorCode, type ErrorShape, RETRYABLE_CODES } from "../../shared/protocol/errors";

/** A failure the client should hear about; anything else thrown is an internal error. */
export class RoomError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  toShape(): ErrorShape {
    return {
      code: this.code,
      message: this.message,
      retryable: RETRYABLE_CODES.has(this.code),
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/**
 * `value` when there is one, else the not_found error a client hears for a `kind` of thing
 * it named by id: "no thread t_1", with `{threadId: "t_1"}` as its details.
 */
export function orNotFound<T>(value: T | null, kind: string, id: string): T {
  if (value === null) throw new RoomError("not_found", `no ${kind} ${id}`, { [`${kind}Id`]: id });
  return value;
}

export const INTERNAL_ERROR: ErrorShape = {
  code: "internal",
  message: "internal error",
  retryable: true,
  retryAfterMs: 1000,
};
