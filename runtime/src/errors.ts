// Errors are values: every failure the runtime reports carries one code from this closed
// set. The HTTP layer maps a code to its status; callers branch on the code, never on the
// message text.

export const ERROR_CODES = {
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

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RuntimeError {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: RuntimeError };

export function runtimeError(code: ErrorCode, message: string, extra: Omit<RuntimeError, "code" | "message"> = {}): RuntimeError {
  return { code, message, ...extra };
}

export const okResult = <T>(value: T): Result<T> => ({ ok: true, value });
export const errResult = <T = never>(error: RuntimeError): Result<T> => ({ ok: false, error });

/** Thrown inside the runtime when a failure must unwind several frames; caught at the edge. */
export class RuntimeFailure extends Error {
  readonly error: RuntimeError;
  constructor(error: RuntimeError) {
    super(error.message);
    this.error = error;
  }
}

export function isRuntimeFailure(value: unknown): value is RuntimeFailure {
  return value instanceof RuntimeFailure;
}
