import type { Context } from "hono";
import { HTTP_ERROR_STATUS, type HttpErrorBody, type HttpErrorCode } from "../../shared/api/errors";

/** Our error body, with the status its code stands for. */
export function httpError(c: Context, code: HttpErrorCode, message: string): Response {
  return c.json({ error: { code, message } } satisfies HttpErrorBody, HTTP_ERROR_STATUS[code]);
}

/** Logs what went wrong (stack included) and tells the client nothing more than that it did. */
export function internalError(path: string, error: unknown): Response {
  console.error(JSON.stringify({ msg: "worker error", path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  return Response.json({ error: { code: "internal", message: "internal error" } } satisfies HttpErrorBody, { status: 500 });
}
