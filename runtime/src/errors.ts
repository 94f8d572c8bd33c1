// Errors are values: every failure the runtime reports carries one code from the closed set
// of the API contract (shared/runtime/errors.ts), which also maps each code to its status.
import type { RuntimeError, RuntimeErrorCode } from "../../shared/runtime/errors";

export type Result<T> = { ok: true; value: T } | { ok: false; error: RuntimeError };

export function runtimeError(
  code: RuntimeErrorCode,
  message: string,
  extra: Omit<RuntimeError, "code" | "message"> = {},
): RuntimeError {
  return { code, message, ...extra };
}

export const okResult = <T>(value: T): Result<T> => ({ ok: true, value });
export const errResult = <T = never>(error: RuntimeError): Result<T> => ({ ok: false, error });
