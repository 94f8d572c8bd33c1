// Errors from the two upstreams we do not control, classified in one place: the OpenClaw
// gateway's request errors (for the bridge) and the @cloudflare/sandbox SDK's errors (for the
// sandbox host). Codes first: the structured `code`, `details.code`/`details.reason`,
// the SDK error's `code`/`name`/`reason`; the message text only as the fallback, for errors
// that carry no code (older gateways, platform errors raised outside the SDK).
// Pure: no Node or DOM APIs.

// --- OpenClaw gateway request errors ---------------------------------------------------------

/**
 * What the bridge does with a failed gateway request:
 *   device_auth  the stored device token is stale or the device is not paired: forget the
 *                token and pair again with the gateway token;
 *   gone         the request or approval no longer exists (decided, expired, or forgotten in
 *                a restart): treat the decision as moot;
 *   retryable    the gateway is busy or not up yet: try again as is;
 *   other        anything else.
 */
export type GatewayErrorKind = "device_auth" | "gone" | "retryable" | "other";

/** The error of a gateway `res` frame (`{code, message, details?, retryable?}`). */
export interface GatewayErrorLike {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  retryable?: unknown;
}

/** `details.code` of connect failures that mean "this device's credential is not accepted". */
const DEVICE_AUTH_DETAIL_CODES = new Set(["AUTH_DEVICE_TOKEN_MISMATCH", "AUTH_TOKEN_MISMATCH", "PAIRING_REQUIRED"]);
/** Top-level codes (the gateway's ErrorCodes) and `details.reason`s meaning "no such request". */
const GONE_CODES = new Set(["APPROVAL_NOT_FOUND", "NOT_FOUND"]);
/** Transient top-level codes; the gateway marks most of them `retryable` too. */
const RETRYABLE_CODE = /UNAVAILABLE|RATE_LIMIT|BUSY|TIMEOUT/i;
/** Fallbacks on the message, for errors without a telling code (INVALID_REQUEST is generic). */
const DEVICE_AUTH_TEXT = /device[ _]token|not[ _-]paired|pairing required|token[ _]mismatch/i;
const GONE_TEXT =
  /unknown requestId|unknown approval|unknown or expired approval id|approval expired or not found|approval not found|no longer exists|not found/i;

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

export function classifyGatewayError(error: GatewayErrorLike | null | undefined): GatewayErrorKind {
  const code = text(error?.code);
  const details = record(error?.details);
  const detailCode = text(details.code);
  const detailReason = text(details.reason);
  if (code === "NOT_PAIRED" || DEVICE_AUTH_DETAIL_CODES.has(detailCode)) return "device_auth";
  if (GONE_CODES.has(code) || GONE_CODES.has(detailReason)) return "gone";
  if (details.retryable === true || error?.retryable === true || RETRYABLE_CODE.test(code)) return "retryable";
  const message = text(error?.message);
  if (DEVICE_AUTH_TEXT.test(message)) return "device_auth";
  if (GONE_TEXT.test(message)) return "gone";
  return "other";
}

// --- @cloudflare/sandbox SDK errors ----------------------------------------------------------

/**
 * What a sandbox SDK or platform failure means for the runtime:
 *   containers_not_enabled  the Worker has no Containers (local wrangler dev, or not set up);
 *   max_instances           the account's or class's container instance limit is reached;
 *   container_unavailable   no container right now (starting, being placed): retry later;
 *   process_exited          the gateway process exited before its port opened;
 *   ready_timeout           the gateway port did not open in time;
 *   file_not_found          a file read found nothing;
 *   other                   anything else.
 */
export type SandboxErrorKind =
  | "containers_not_enabled"
  | "max_instances"
  | "container_unavailable"
  | "process_exited"
  | "ready_timeout"
  | "file_not_found"
  | "other";

/** The fields the SDK's SandboxError subclasses carry (their classes need workerd to import). */
export interface SandboxErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  reason?: unknown;
}

/** `reason` of the SDK's ContainerUnavailableError (CONTAINER_UNAVAILABLE_SIGNATURES in the SDK). */
const MAX_INSTANCES_REASONS = new Set(["max_container_instances_exceeded", "max_instances_exceeded"]);

export function classifySandboxError(error: unknown): SandboxErrorKind {
  const err = record(error) as SandboxErrorLike;
  const name = text(err.name);
  const code = text(err.code);
  const reason = text(err.reason);
  if (MAX_INSTANCES_REASONS.has(reason)) return "max_instances";
  if (code === "FILE_NOT_FOUND" || name === "FileNotFoundError") return "file_not_found";
  if (code === "PROCESS_EXITED_BEFORE_READY" || name === "ProcessExitedBeforeReadyError") return "process_exited";
  if (code === "PROCESS_READY_TIMEOUT" || name === "ProcessReadyTimeoutError") return "ready_timeout";
  const message = error instanceof Error ? error.message : text(err.message) || String(error);
  // Thrown by the platform (not the SDK) when the Worker has no [[containers]] at runtime:
  // no code to go by.
  if (/Containers have not been enabled/i.test(message)) return "containers_not_enabled";
  if (/Maximum number of running container instances exceeded/i.test(message)) return "max_instances";
  if (
    code === "CONTAINER_UNAVAILABLE" ||
    name === "ContainerUnavailableError" ||
    /no container instance (that can be provided|available)/i.test(message)
  )
    return "container_unavailable";
  if (/file not found|no such file/i.test(message)) return "file_not_found";
  return "other";
}
