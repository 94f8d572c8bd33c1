import { errorFor, eventFor, resultFor } from "../../../../../shared/protocol/cuts/index";
import type { ResponseFrame } from "../../../../../shared/protocol/frames";
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, requestedProtocol } from "../../../../../shared/protocol/version";

/**
 * Frames in each socket's own protocol version (shared/protocol/version.ts). A socket of an
 * older version carries a tag, so a broadcast finds those few with one native lookup and
 * every other socket gets the frame as it is, serialized once.
 */
export const protocolTag = (version: number): string => `protocol:${version}`;

/** Older versions than the current one that the room speaks, newest first. */
export const OLDER_PROTOCOLS: readonly number[] = Array.from(
  { length: PROTOCOL_VERSION - OLDEST_PROTOCOL_VERSION },
  (_, i) => PROTOCOL_VERSION - 1 - i,
);

/** The tag for the version a connect asks for; none for the current one (the default). */
export function protocolTags(request: Request): string[] {
  const version = requestedProtocol(new URL(request.url).searchParams.get("protocol"));
  return version !== null && version < PROTOCOL_VERSION ? [protocolTag(version)] : [];
}

interface TaggedSocket {
  readonly id: string;
  readonly readyState: number;
  readonly tags: readonly string[];
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** The socket behind each converting stand-in (for code that needs the connection itself). */
const ORIGINAL = new WeakMap<object, TaggedSocket>();

/** The connection a stand-in from `inOwnProtocol` sends for (the socket itself if it is not one). */
export function connectionOf<S extends TaggedSocket>(socket: S | TaggedSocket): S {
  return (ORIGINAL.get(socket) ?? socket) as S;
}

/** The version a socket speaks, from its tag. */
export function socketProtocol(socket: { readonly tags: readonly string[] }): number {
  for (const version of OLDER_PROTOCOLS) if (socket.tags.includes(protocolTag(version))) return version;
  return PROTOCOL_VERSION;
}

/** An event frame's text in `version`'s shapes; null when that version does not get the event. Other frames pass as they are. */
export function frameTextFor(version: number, text: string): string | null {
  if (version === PROTOCOL_VERSION) return text;
  const frame = JSON.parse(text) as { type?: unknown; event?: unknown; payload?: unknown };
  if (frame.type !== "event" || typeof frame.event !== "string") return text;
  const payload = eventFor(version, frame.event, frame.payload);
  return payload === null ? null : JSON.stringify({ ...frame, payload });
}

/** A method's response in `version`'s shapes. */
export function responseTextFor(version: number, method: string, response: ResponseFrame): string {
  if (version === PROTOCOL_VERSION) return JSON.stringify(response);
  if (!response.ok) return JSON.stringify({ ...response, error: errorFor(version, response.error) });
  return JSON.stringify({ ...response, payload: resultFor(version, method, response.payload) });
}

/**
 * The socket as everything that sends to one sees it (the replay pump, the hello, replies):
 * for an older version, one that turns each event frame into that version's before sending.
 */
export function inOwnProtocol<S extends TaggedSocket>(socket: S): S | TaggedSocket {
  const version = socketProtocol(socket);
  if (version === PROTOCOL_VERSION) return socket;
  const standIn: TaggedSocket = {
    id: socket.id,
    tags: socket.tags,
    get readyState() {
      return socket.readyState;
    },
    send(text: string) {
      const out = frameTextFor(version, text);
      if (out !== null) socket.send(out);
    },
    close: (code, reason) => socket.close(code, reason),
  };
  ORIGINAL.set(standIn, socket);
  return standIn;
}
