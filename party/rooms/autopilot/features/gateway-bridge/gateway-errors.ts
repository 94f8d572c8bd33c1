import { classifyGatewayError } from "../../../../../shared/upstream-errors";
import { GatewayRequestError } from "./gateway-connection";

// How the bridge reads a gateway's refusals: through the one classifier (codes first, the
// message text only as a fallback; the table test holds the real gateway strings).

/** The gateway no longer knows our device token (state restored elsewhere, device removed). */
export function isDeviceTokenRejected(error: unknown): boolean {
  return error instanceof GatewayRequestError && classifyGatewayError(error) === "device_auth";
}

/** The gateway no longer has the request (decided, expired, or forgotten in a restart). */
export function isGone(error: unknown): boolean {
  return error instanceof GatewayRequestError && classifyGatewayError(error) === "gone";
}

/** Gateway refusals worth retrying as they are (the gateway marks them, or is merely busy). */
export function isTransient(error: GatewayRequestError): boolean {
  return classifyGatewayError(error) === "retryable";
}
