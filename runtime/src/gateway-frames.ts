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

/** Sets the gateway token on a client's `connect` request; other frames pass unchanged. */
export function injectGatewayToken(text: string, token: string): { text: string; connectId: string | undefined } {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { text, connectId: undefined };
  }
  if (!frame || typeof frame !== "object") return { text, connectId: undefined };
  const request = frame as { type?: unknown; method?: unknown; id?: unknown; params?: unknown };
  if (request.type !== "req" || request.method !== "connect" || !request.params || typeof request.params !== "object") return { text, connectId: undefined };
  (request.params as Record<string, unknown>).auth = { token };
  return { text: JSON.stringify(request), connectId: typeof request.id === "string" ? request.id : undefined };
}

export function redactToken(text: string, token: string): string {
  return text.includes(token) ? text.split(token).join(REDACTED) : text;
}
