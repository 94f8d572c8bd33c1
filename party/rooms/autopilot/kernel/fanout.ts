import { OLDER_PROTOCOLS, frameTextFor, protocolTag } from "./connections/protocol-frames";
import type { ReplayPump } from "./connections/replay-pump";
import type { EventName, EventPayload } from "../../../../shared/protocol/events";
import type { EventFrame } from "../../../../shared/protocol/frames";

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

interface Socket {
  readonly id: string;
  readonly readyState: number;
  send(message: string): void;
}

/**
 * Sends to a socket that may have closed since we last looked: a reply to a request whose
 * socket the room just closed (4029), a socket closing while a broadcast runs. workerd
 * throws "Can't call WebSocket send() after close()" for those; the frame has nowhere to
 * go, so it is dropped quietly. Returns whether it was sent.
 */
export function sendQuietly(socket: Socket, message: string): boolean {
  if (socket.readyState !== WebSocket.OPEN) return false;
  try {
    socket.send(message);
    return true;
  } catch {
    return false;
  }
}

/**
 * A frame to every open socket but `without`. (The agents framework's own broadcast stops
 * at the first socket that closed meanwhile, so everyone after it missed the frame.)
 */
export function broadcastQuietly(sockets: Iterable<Socket>, message: string, without?: string): void {
  for (const socket of sockets) if (socket.id !== without) sendQuietly(socket, message);
}

/** An event frame; durable events carry their `seq`. */
export function eventFrame<E extends EventName>(event: E, payload: EventPayload<E>, seq?: number): string {
  const frame: EventFrame = { type: "event", event, payload, ...(seq !== undefined ? { seq } : {}) };
  return JSON.stringify(frame);
}
