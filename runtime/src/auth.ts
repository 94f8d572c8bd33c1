// Service-token check for every request (HTTP and WebSocket upgrade).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Constant time: both sides are hashed first, so neither the content nor the length of the
 * expected token leaks through timing.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `Authorization: Bearer <service token>`; nothing else is accepted (no query parameter: URLs end up in logs). */
export function isAuthorized(headers: IncomingHttpHeaders, serviceToken: string): boolean {
  const header = headers.authorization;
  if (typeof header !== "string") return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] !== undefined && tokenMatches(match[1], serviceToken);
}
