// The one response envelope of the runtime API: `{ok:true, data}` or `{ok:false, error}`.
import { z } from "zod";
import { RUNTIME_ERROR_STATUS, runtimeErrorSchema, type RuntimeError } from "./errors";

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: RuntimeError };

export function envelopeSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: runtimeErrorSchema }),
  ]);
}

export function okEnvelope<T>(data: T): Envelope<T> {
  return { ok: true, data };
}

/** Only the error's own fields: nothing a host attached to the object leaks out. */
export function errorEnvelope(error: RuntimeError): Envelope<never> {
  const body: RuntimeError = { code: error.code, message: error.message };
  if (error.retryable !== undefined) body.retryable = error.retryable;
  if (error.details !== undefined) body.details = error.details;
  return { ok: false, error: body };
}

export function statusFor(error: RuntimeError): number {
  return RUNTIME_ERROR_STATUS[error.code] ?? 500;
}
