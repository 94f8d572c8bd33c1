import { OLDER_PROTOCOLS, frameTextFor, protocolTag } from "./protocol-frames";
import type { ReplayPump } from "./replay-pump";

/** An event to everyone; a socket still replaying gets it once it has caught up (replay-pump.ts). */
export function broadcast(ctx: DurableObjectState, replay: ReplayPump, text: string, seq: number | undefined): void {
  sendToAll(ctx, text, replay.size > 0 ? replay.holdBroadcast(text, seq) : undefined);
}

/**
 * The room's broadcast. agents' `broadcast` reads every socket's serialized attachment on
 * every call (to find its id and whether it belongs to a sub-agent), which costs more per
 * socket than the send itself — most of an edit's fan-out to hundreds of readers. Every socket this object accepts is one of
 * our clients (no sub-agents; gateway links are outbound sockets, not accepted ones), so
 * the room sends to the open ones directly and reads a socket's id (its first tag, as
 * agents sets it, a cheap native call) only when some must be skipped.
 *
 * Sockets of an older protocol version (tagged, protocol-frames.ts) get the frame in their
 * version's shapes, converted once per version.
 */
export function sendToAll(ctx: DurableObjectState, text: string, skip?: readonly string[]): void {
  const skipping = skip && skip.length > 0 ? new Set(skip) : null;
  let older: Set<WebSocket> | null = null;
  for (const version of OLDER_PROTOCOLS) {
    const sockets = ctx.getWebSockets(protocolTag(version));
    if (sockets.length === 0) continue;
    older ??= new Set();
    const converted = frameTextFor(version, text);
    for (const ws of sockets) {
      older.add(ws);
      if (converted !== null) sendOpen(ctx, ws, converted, skipping);
    }
  }
  for (const ws of ctx.getWebSockets()) if (!older?.has(ws)) sendOpen(ctx, ws, text, skipping);
}

function sendOpen(ctx: DurableObjectState, ws: WebSocket, text: string, skipping: Set<string> | null): void {
  if (skipping?.has(ctx.getTags(ws)[0] ?? "")) return;
  // No readyState check first (a call into workerd per socket per frame): send throws for a
  // socket that is closing or closed, and the others still get the frame.
  try {
    ws.send(text);
  } catch {
    // Its close handler cleans up.
  }
}
