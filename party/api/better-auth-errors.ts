import type { Context } from "hono";
import { isAPIError } from "better-auth/api";
import type { HttpErrorCode } from "../../shared/api/errors";
import { NO_SEAT } from "../auth/seats";
import { httpError } from "./context";

/** better-auth error codes that mean something other than their HTTP status says. */
const CODE_MEANING: Record<string, HttpErrorCode> = {
  USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION: "conflict",
  USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION: "conflict",
  INVITATION_NOT_FOUND: "not_found",
  [NO_SEAT]: "conflict",
  MEMBER_NOT_FOUND: "not_found",
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER: "conflict",
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER: "conflict",
};

const STATUS_MEANING: Record<number, HttpErrorCode> = {
  400: "bad_request",
  401: "forbidden",
  403: "forbidden",
  404: "not_found",
  429: "rate_limited",
};

/**
 * A refusal thrown by a better-auth API call, as our error body; anything else is
 * rethrown (the router's onError logs it as internal).
 */
export function betterAuthRefusal(c: Context, error: unknown): Response {
  if (!isAPIError(error)) throw error;
  const body = (error.body ?? {}) as { code?: unknown; message?: unknown };
  const code =
    (typeof body.code === "string" && CODE_MEANING[body.code]) || STATUS_MEANING[error.statusCode] || "bad_request";
  // better-auth's own messages are capitalised sentences; ours read as written.
  const message =
    typeof body.message === "string" && body.message
      ? body.code === NO_SEAT
        ? body.message
        : body.message.toLowerCase()
      : "refused";
  return httpError(c, code, message);
}
