import type { ErrorShape } from "../../../../shared/protocol/errors";

/** One log line for a refused or failed request; internal errors carry their cause (never sent to the client). */
export function logRequest(workspace: string, connectionId: string, principalId: string, msg: string, error?: ErrorShape, cause?: unknown): void {
  const entry = {
    msg,
    workspace,
    connection: connectionId,
    principal: principalId,
    code: error?.code,
    detail: error?.message,
    ...(error?.code === "internal" ? { cause: cause instanceof Error ? (cause.stack ?? cause.message) : String(cause) } : {}),
  };
  if (error?.code === "internal") console.error(JSON.stringify(entry));
  else console.warn(JSON.stringify(entry));
}
