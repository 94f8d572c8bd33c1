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

export const INTERNAL_ERROR: ErrorShape = {
  code: "internal",
  message: "internal error",
  retryable: true,
  retryAfterMs: 1000,
};
