// The one response envelope of the runtime API: `{ok:true, data}` or `{ok:false, error}`.
import { ERROR_CODES, type RuntimeError } from "./errors";

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: RuntimeError };

export function okEnvelope<T>(data: T): Envelope<T> {
  return { ok: true, data };
}

export function errorEnvelope(error: RuntimeError): Envelope<never> {
  const body: RuntimeError = { code: error.code, message: error.message };
  if (error.retryable !== undefined) body.retryable = error.retryable;
  if (error.details !== undefined) body.details = error.details;
  return { ok: false, error: body };
}

export function statusFor(error: RuntimeError): number {
  return ERROR_CODES[error.code] ?? 500;
}
