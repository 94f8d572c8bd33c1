import { z } from "zod";

/** The error codes of the auth HTTP API and the status each one answers with. */
export const HTTP_ERROR_STATUS = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
  /** The operator has not configured what this needs (e.g. top-ups without Stripe keys). */
  feature_off: 501,
  /** A service the server relies on (Stripe) failed or refused; nothing was done. */
  upstream_failed: 502,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** Every error of our routes: `{error:{code,message}}` (better-auth's own routes answer `{message, code?}`). */
export const HttpErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type HttpErrorBody = z.infer<typeof HttpErrorBody>;
