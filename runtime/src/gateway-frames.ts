// Frame rewriting of the gateway WebSocket proxy. Pure (no Node APIs): used by the process
// host's proxy (ws-proxy.ts) and by the sandbox host's Worker (runtime/sandbox).

const REDACTED = "[redacted]";

/**
 * Close codes a peer may send: 1005/1006/1015 are reserved for "no code" / "abnormal" and
 * cannot be put on the wire.
 */
export function forwardableCloseCode(code: number): number {
  if (code === 1005) return 1000;
  if (code === 1006 || code === 1015) return 1011;
  if ((code >= 1000 && code <= 1014) || (code >= 3000 && code <= 4999)) return code;
  return 1011;
}

const nonEmptyString = (value: unknown): boolean => typeof value === "string" && value.length > 0;

/**
 * A client's `connect` request gets the gateway token: `params.auth = {token}`, replacing
 * whatever `auth` it had, unless the client brings its own credential. A `params.auth` with
 * a non-empty string `token` or `deviceToken` passes through untouched: that is a device
 * identity, whose signature covers exactly that credential (the gateway checks the signature
 * over `auth.token ?? auth.deviceToken`), so rewriting `auth` would break it. The caller got
 * the gateway token from `GET …/:id/credentials` or the device token from a `hello-ok`; a
 * wrong one is refused by the gateway itself. Either way `connectId` is returned, so the proxy
 * tracks the handshake. Other frames pass unchanged.
 */
export function injectGatewayToken(text: string, token: string): { text: string; connectId: string | undefined } {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { text, connectId: undefined };
  }
  if (!frame || typeof frame !== "object") return { text, connectId: undefined };
  const request = frame as { type?: unknown; method?: unknown; id?: unknown; params?: unknown };
  if (request.type !== "req" || request.method !== "connect" || !request.params || typeof request.params !== "object")
    return { text, connectId: undefined };
  const connectId = typeof request.id === "string" ? request.id : undefined;
  const params = request.params as Record<string, unknown>;
  const auth = params.auth as { token?: unknown; deviceToken?: unknown } | null | undefined;
  if (auth && typeof auth === "object" && (nonEmptyString(auth.token) || nonEmptyString(auth.deviceToken)))
    return { text, connectId };
  params.auth = { token };
  return { text: JSON.stringify(request), connectId };
}

/**
 * Masks the gateway token in a frame to the client. Only the gateway token: a device token
 * in `hello-ok.auth.deviceToken` (or `device.token.rotate`) passes unmasked, because the
 * caller is trusted (it holds the service token) and must receive it to reconnect with its
 * device identity; it is bound to that caller's device key, so it is useless to anyone else.
 */
export function redactToken(text: string, token: string): string {
  return text.includes(token) ? text.split(token).join(REDACTED) : text;
}
