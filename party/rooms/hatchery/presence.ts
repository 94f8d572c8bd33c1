import * as encoding from "lib0/encoding";
import type { Awareness } from "y-protocols/awareness";
import { presenceFrame } from "./client-frames";

/**
 * Presence on the canvas that survives the room's hibernation. y-partyserver keeps every
 * socket's awareness state in memory only, and the app's provider never times a peer out
 * (y-partyserver's provider stops y-protocols' renewal and timeout timers). After a wake,
 * the room knew nobody's state: a tab opened then saw nobody until people moved, and a
 * socket that closed then was never removed from anyone's canvas. So:
 * - on waking, the room asks every socket that has a presence for it again (y-protocols'
 *   query message, which stock providers answer with their awareness);
 * - every socket's latest awareness clock is kept in its connection state (which hibernation
 *   keeps), so a socket that closes while the room does not hold its state is still
 *   removed for everyone, with a removal newer than anything they have of it.
 */

/** y-protocols' "query awareness" message type (y-websocket's messageQueryAwareness). */
const MESSAGE_QUERY_AWARENESS = 3;

export const queryAwarenessFrame = (): Uint8Array => {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_QUERY_AWARENESS);
  return encoding.toUint8Array(encoder);
};

/** An awareness update that removes `clientId`: its state null, one clock after the last one sent for it. */
export function removalFrame(clientId: number, lastClock: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, clientId);
  encoding.writeVarUint(encoder, lastClock + 1);
  encoding.writeVarString(encoder, "null");
  return presenceFrame(encoding.toUint8Array(encoder));
}

/** What the room knows of a socket's presence (kept in its connection state). */
export interface SocketPresence {
  awarenessId?: number;
  /** The clock of the latest awareness update of this socket the room passed on. */
  awarenessClock?: number;
}

/**
 * What to do about a closed socket's presence: nothing (it had none, or another live socket
 * of the same person took its id over, a tab that reconnected), remove the state the room
 * holds (everyone is told), or, when the room woke since and does not hold it, send everyone
 * a removal of its own.
 */
export function leaving(
  closed: SocketPresence | null,
  others: Iterable<SocketPresence | null>,
  awareness: Awareness,
): { kind: "none" } | { kind: "remove"; clientId: number } | { kind: "tell"; frame: Uint8Array } {
  const id = closed?.awarenessId;
  if (id === undefined) return { kind: "none" };
  for (const other of others) if (other?.awarenessId === id) return { kind: "none" };
  if (awareness.getStates().has(id)) return { kind: "remove", clientId: id };
  return { kind: "tell", frame: removalFrame(id, closed?.awarenessClock ?? 0) };
}
