import { CloseCode } from "../../../shared/protocol/errors";
import { parsePrincipalHeader, PRINCIPAL_HEADER } from "./principal-header";

/** Tag every socket with its principal, so a room finds a principal's sockets without scanning them all. */
export function principalTag(principalId: string): string {
  // Tags are at most 256 characters; principal ids are far shorter.
  return `principal:${principalId}`.slice(0, 256);
}

/** A socket's tags (partyserver's getConnectionTags): its principal's, so the cap can count by it. */
export function principalTags(request: Request): string[] {
  const principal = parsePrincipalHeader(request.headers.get(PRINCIPAL_HEADER));
  return principal ? [principalTag(principal.id)] : [];
}

/** How long a socket refused for the cap is told to wait: long enough for a stale one to go. */
export const CAP_RETRY_AFTER_MS = 10_000;

interface Socket {
  readonly readyState: number;
  close(code?: number, reason?: string): void;
}

/**
 * Closes `conn` with 4029 when its principal already has `cap` open sockets in this room
 * (`sockets`: the principal's sockets, `conn` included). Sockets being closed (a refused
 * one, a replaced one) do not count. Returns whether it refused.
 *
 * Pass the raw sockets (`ctx.getWebSockets(tag)`), not the framework's connections: those
 * deserialize every socket's attachment, and in a reconnect storm of one principal's N
 * sockets that was N² work (a quarter of the room's CPU at 200 sockets, profiled).
 */
export function refuseOverCap(conn: Socket, sockets: Iterable<Socket>, cap: number): boolean {
  // No more sockets than the cap, open or not: nothing to count. (A one-principal storm of
  // 500 under a raised cap read every socket's state per connect: N², profiled.)
  if (Array.isArray(sockets) && sockets.length <= cap) return false;
  let open = 0;
  for (const socket of sockets) if (socket.readyState === WebSocket.OPEN && ++open > cap) break;
  if (open <= cap) return false;
  conn.close(CloseCode.rateLimited, JSON.stringify({ retryAfterMs: CAP_RETRY_AFTER_MS }));
  return true;
}
