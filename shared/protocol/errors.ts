import { z } from "zod";

/**
 * The closed set of error codes a client can receive. Only codes listed in
 * RETRYABLE_CODES make a well-behaved client retry the same request.
 */
export const ErrorCode = z.enum([
  "bad_request", // frame or params failed schema validation
  "unknown_method",
  "payload_too_large",
  "unauthenticated",
  "forbidden", // principal lacks the scope or ownership the method needs
  "not_found",
  "conflict", // state does not allow the change (e.g. job already finished)
  "already_resolved", // approval was decided (or expired) before this decision
  "idempotency_conflict", // key reused for a different method
  "rate_limited",
  "payment_required", // protocol 10: the workspace is out of credits (a top-up or a grant, not a retry, helps)
  "unavailable",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["rate_limited", "unavailable", "internal"]);

export const ErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().int().nonnegative().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorShape = z.infer<typeof ErrorShape>;

/** Application WebSocket close codes. 4001/4003/4008 are terminal; 4029 means retry later. */
export const CloseCode = {
  unauthenticated: 4001,
  forbidden: 4003,
  protocolUnsupported: 4008,
  rateLimited: 4029,
} as const;

export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.unauthenticated,
  CloseCode.forbidden,
  CloseCode.protocolUnsupported,
]);

/** Reason text of a 4029 close: JSON `{retryAfterMs}` so a client knows how long to wait. */
export const RateLimitCloseReason = z.object({ retryAfterMs: z.number().int().nonnegative() });
