// SDK and platform failures as the runtime's closed set of error codes. What a failure is
// comes from shared/upstream-errors.ts (codes first, message text as the fallback).
import type { RuntimeError } from "../../shared/runtime/errors";
import { classifySandboxError } from "../../shared/upstream-errors";
import { runtimeError } from "../src/errors";

/** An SDK or platform failure as a runtime error (classified in shared/upstream-errors.ts). */
export function mapSandboxError(error: unknown, fallback: RuntimeError["code"], what: string): RuntimeError {
  const err = error as { message?: string; reason?: string; exitCode?: number; retryAfterMs?: number } | undefined;
  const message = err?.message ?? String(error);
  switch (classifySandboxError(error)) {
    case "containers_not_enabled":
      return runtimeError(
        "gateway_unavailable",
        `${what}: containers are not available to this Worker (${message.split(".")[0]}). The sandbox host needs Cloudflare Containers; use the process host locally.`,
        {
          retryable: false,
          details: { cause: "containers_not_enabled" },
        },
      );
    case "max_instances":
      return runtimeError(
        "capacity_exceeded",
        `${what}: the container instance limit is reached; delete an instance first`,
        { retryable: false, details: { cause: "max_container_instances" } },
      );
    case "container_unavailable":
      return runtimeError(
        "gateway_unavailable",
        `${what}: the container is not available right now (${err?.reason ?? message})`,
        {
          retryable: true,
          details: {
            cause: err?.reason ?? "container_unavailable",
            ...(err?.retryAfterMs ? { retryAfterMs: err.retryAfterMs } : {}),
          },
        },
      );
    case "process_exited":
      return runtimeError(
        "gateway_failed",
        `${what}: the gateway exited before its port opened (exit code ${err?.exitCode ?? "unknown"})`,
        {
          retryable: true,
          details: { exitCode: err?.exitCode ?? null },
        },
      );
    case "ready_timeout":
      return runtimeError("gateway_failed", `${what}: the gateway port did not open in time`, { retryable: true });
    default:
      return runtimeError(fallback, `${what}: ${message}`);
  }
}
