import type { EventName, EventPayload } from "../../../../shared/protocol/events";
import type { EventFrame } from "../../../../shared/protocol/frames";

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
