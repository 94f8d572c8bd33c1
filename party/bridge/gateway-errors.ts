import { GatewayRequestError } from "./gateway-connection";

// How the bridge reads a gateway's refusals. Matched on codes and messages, because the
// pinned gateway reports these conditions in both (runtime/BRIDGE.md).

/** The gateway no longer knows our device token (state restored elsewhere, device removed). */
export function isDeviceTokenRejected(error: unknown): boolean {
  return error instanceof GatewayRequestError && /DEVICE_TOKEN|device token|NOT_PAIRED|TOKEN_MISMATCH/i.test(`${error.code} ${error.message} ${JSON.stringify(error.details ?? null)}`);
}

/** The gateway no longer has the request (decided, expired, or forgotten in a restart). */
export function isGone(error: unknown): boolean {
  return error instanceof GatewayRequestError && /NOT_FOUND|unknown requestId|unknown approval|no longer exists|not found/i.test(`${error.code} ${error.message}`);
}

/** Gateway refusals worth retrying as they are (the gateway marks them, or is merely busy). */
export function isTransient(error: GatewayRequestError): boolean {
  const details = error.details as { retryable?: unknown } | null | undefined;
  return details?.retryable === true || /UNAVAILABLE|RATE_LIMIT|BUSY|TIMEOUT/i.test(error.code);
}
