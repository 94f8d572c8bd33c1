// The runtime API's closed set of error codes, each with its HTTP status, and the error
// object every failure carries. Callers branch on the code, never on the message text.
import { z } from "zod";

export const RUNTIME_ERROR_STATUS = {
  unauthenticated: 401,
  invalid_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** The cap on concurrent gateways is reached (each gateway needs about 1 GB). */
  capacity_exceeded: 503,
  /** The instance exists but its gateway is not ready (yet): retry later. */
  not_ready: 503,
  gateway_unavailable: 502,
  gateway_failed: 500,
  backup_failed: 500,
  internal: 500,
} as const;

export type RuntimeErrorCode = keyof typeof RUNTIME_ERROR_STATUS;

export const runtimeErrorCodeSchema = z.enum(
  Object.keys(RUNTIME_ERROR_STATUS) as [RuntimeErrorCode, ...RuntimeErrorCode[]],
);

export const runtimeErrorSchema = z.object({
  code: runtimeErrorCodeSchema,
  message: z.string(),
  retryable: z.boolean().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export type RuntimeError = z.infer<typeof runtimeErrorSchema>;
