// Request ids and idempotency keys.

export function randomId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // randomUUID needs a secure context in browsers; getRandomValues does not.
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The key makes a re-send after a reconnect (or a caller's retry) apply only once. */
export function withIdempotencyKey(params: unknown): unknown {
  if (params !== undefined && (typeof params !== "object" || params === null)) return params;
  const given = params as { idempotencyKey?: unknown } | undefined;
  return { ...given, idempotencyKey: given?.idempotencyKey ?? randomId() };
}

export const utf8Length = (text: string): number => new TextEncoder().encode(text).byteLength;
