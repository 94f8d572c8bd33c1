// Frames out to a Durable Object's client sockets, each in the socket's own shapes (its
// protocol version and the capabilities it asked for): the Autopilot room's sockets and those a
// delivery object holds for it (party/rooms/delivery/) go through the same functions.
import { askedCapabilities, CAPABILITIES } from "../../../shared/protocol/capabilities";
import { errorFor, eventFor, needsConversion, resultFor } from "../../../shared/protocol/cuts/index";
import { PROTOCOL_VERSION, RELEASES, requestedProtocol } from "../../../shared/protocol/version";
import type { EventName, EventPayload } from "../../../shared/protocol/events";
import type { EventFrame, ResponseFrame } from "../../../shared/protocol/frames";
import { EVERYTHING_TAG, interestTag, UNREAD_TAG, VIEW_TAG } from "./view-tags";
import { parsePrincipalHeader, PRINCIPAL_HEADER } from "./principal-header";
import { mayReadWorkspace } from "./reading";

/**
 * The room's broadcast. agents' `broadcast` reads every socket's serialized attachment on
 * every call (to find its id and whether it belongs to a sub-agent), which costs more per
 * socket than the send itself — most of an edit's fan-out to hundreds of readers. Every socket this object accepts is one of
 * our clients (no sub-agents; gateway links are outbound sockets, not accepted ones), so
 * the room sends to the open ones directly and reads a socket's id (its first tag, as
 * agents sets it, a cheap native call) only when some must be skipped.
 *
 * Sockets of an older protocol version (tagged, below) get the frame in their
 * version's shapes, converted once per version.
 */
export function sendToAll(
  ctx: DurableObjectState,
  text: FrameText,
  skip?: readonly string[],
  tag?: string,
  /** What sockets that take frames as written get, when a capability sends them less (`writtenText`; null: nothing). */
  written: string | null = wholeText(text),
): void {
  const skipping = skip && skip.length > 0 ? new Set(skip) : null;
  // Sockets that may not read get no frame sent to many (reading.ts). Such a
  // socket carries UNREAD_TAG in place of EVERYTHING_TAG or VIEW_TAG, so only a frame to
  // everyone or to another tag (a principal's) looks for them: one native lookup, and a check
  // per socket only while there are any.
  const unread =
    tag === undefined || (tag !== EVERYTHING_TAG && tag !== VIEW_TAG) ? ctx.getWebSockets(UNREAD_TAG) : NO_SOCKETS;
  const skipUnread = unread.length > 0 ? new Set(unread) : null;
  let older: Set<WebSocket> | null = null;
  for (const version of CONVERTED_PROTOCOLS) {
    const sockets = ctx.getWebSockets(protocolTag(version));
    if (sockets.length === 0) continue;
    older ??= new Set();
    const texts = new Map<string, string | null>();
    const offers = OFFERING.has(version);
    for (const ws of sockets) {
      older.add(ws);
      if (skipUnread?.has(ws)) continue;
      // A socket's tags are read only when something depends on them: with a tag, a converted
      // socket gets the frame only if it carries the tag too (an 18 socket may view some
      // threads, VIEW_TAG, as a current one may); what it asked for, when its version offers any.
      const tags = tag !== undefined || offers ? ctx.getTags(ws) : NO_TAGS;
      if (tag !== undefined && !tags.includes(tag)) continue;
      const converted = convertedText(texts, { version, asked: askedOf(version, tags) }, text);
      if (converted !== null) sendOpen(ctx, ws, converted, skipping);
    }
  }
  if (written === null) return;
  for (const ws of ctx.getWebSockets(tag))
    if (!older?.has(ws) && !skipUnread?.has(ws)) sendOpen(ctx, ws, written, skipping);
}

/**
 * A frame to the sockets of `ids` (a thread's viewers), each in its own version. The older
 * sockets are found by their version's tag, once per frame and only when an id has a socket.
 */
export function sendToIds(
  ctx: DurableObjectState,
  ids: Iterable<string>,
  text: FrameText,
  skipping: ReadonlySet<string> | null = null,
  /** What the sockets that take frames as written get (`writtenText`; null: nothing). */
  written: string | null = wholeText(text),
): void {
  let older: Map<WebSocket, number> | null = null;
  const texts = new Map<string, string | null>();
  for (const id of ids)
    for (const ws of ctx.getWebSockets(id)) {
      older ??= olderSockets(ctx);
      const version = older.get(ws);
      if (version === undefined) {
        if (written !== null) sendOpen(ctx, ws, written, skipping);
        continue;
      }
      const asked = OFFERING.has(version) ? askedOf(version, ctx.getTags(ws)) : NOTHING_ASKED;
      const converted = convertedText(texts, { version, asked }, text);
      if (converted != null) sendOpen(ctx, ws, converted, skipping);
    }
}

/**
 * A frame's whole text, or how to make it: when a capability sends less to the sockets that take
 * frames as written (a streamed piece's `chat.deltas`), the whole frame is needed only by the
 * converted sockets, the replays and the delivery tier, and is serialized only if one of them is there.
 */
export type FrameText = string | (() => string);

/** The whole text of a frame (made once: a lazy one is memoized by its maker, `lazyFrame`). */
export const wholeText = (text: FrameText): string => (typeof text === "string" ? text : text());

/** A frame's whole text made on first use, once. */
export function lazyFrame(make: () => string): () => string {
  let text: string | undefined;
  return () => {
    text ??= make();
    return text;
  };
}

/** A frame's text for `shape`, converted once per shape and frame (`texts` holds what was). */
function convertedText(texts: Map<string, string | null>, shape: SocketShape, text: FrameText): string | null {
  const key = shapeKey(shape);
  let converted = texts.get(key);
  if (converted === undefined) {
    converted = frameTextFor(shape, wholeText(text));
    texts.set(key, converted);
  }
  return converted;
}

function olderSockets(ctx: DurableObjectState): Map<WebSocket, number> {
  const older = new Map<WebSocket, number>();
  for (const version of CONVERTED_PROTOCOLS)
    for (const ws of ctx.getWebSockets(protocolTag(version))) older.set(ws, version);
  return older;
}

const NO_SOCKETS: readonly WebSocket[] = [];

function sendOpen(ctx: DurableObjectState, ws: WebSocket, text: string, skipping: ReadonlySet<string> | null): void {
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

/** Per event, what the current version's capabilities send as less than the whole to sockets that asked (`Capability.written`). */
const WRITTEN: ReadonlyMap<string, (payload: never) => unknown> = writtenByEvent();

type Less = (payload: never, whole?: never) => unknown;

const chained = (payload: unknown, less: Less, whole: unknown): unknown =>
  payload === null ? null : less(payload as never, whole as never);

/** Each event's lesser payload: when several capabilities send the same event less, one after another (each told the whole too). */
function writtenByEvent(): Map<string, (payload: never) => unknown> {
  const byEvent = new Map<string, (payload: never) => unknown>();
  for (const capability of CAPABILITIES)
    if (capability.since === PROTOCOL_VERSION)
      for (const [event, less] of Object.entries(capability.written ?? {})) {
        const before = byEvent.get(event);
        byEvent.set(event, before ? (payload: never) => chained(before(payload), less, payload) : less);
      }
  return byEvent;
}

/**
 * The frame a socket that takes frames as written is sent live for an event whose whole frame
 * is `text`: `text` itself unless a capability sends less (tasks.ts `tasksStepsCapability`),
 * null when it sends nothing (an ephemeral frame that says nothing to such a socket).
 */
export function writtenText<E extends EventName>(
  event: E,
  payload: EventPayload<E>,
  text: FrameText,
  seq?: number,
): string | null {
  const less = WRITTEN.get(event);
  if (!less) return wholeText(text);
  const sent = less(payload as never);
  if (sent === null) return null;
  return sent === payload ? wholeText(text) : eventFrame(event, sent as EventPayload<E>, seq);
}

/** An event frame; durable events carry their `seq`. */
export function eventFrame<E extends EventName>(event: E, payload: EventPayload<E>, seq?: number): string {
  const frame: EventFrame = { type: "event", event, payload, ...(seq !== undefined ? { seq } : {}) };
  return JSON.stringify(frame);
}

/**
 * Frames in each socket's own shapes: its protocol version and the capabilities it asked for
 * (shared/protocol/capabilities.ts). A socket that needs its frames converted (an older version,
 * or one that did not ask for a capability its version offers) carries its version's tag, so a
 * broadcast finds those few with one native lookup per version, and every other socket gets the
 * frame as it is, serialized once.
 */
export const protocolTag = (version: number): string => `protocol:${version}`;

/** The capabilities a socket asked for, as tags (only on sockets that asked for some). */
const CAPS_PREFIX = "caps:";
/** A socket's tag has at most this many characters (and a socket at most ten tags). */
const MAX_TAG_CHARS = 256;

/** The names asked for in as few tags as fit: one tag held them all until they grew past a tag's length. */
function capsTags(asked: readonly string[]): string[] {
  const tags: string[] = [];
  let tag = CAPS_PREFIX;
  for (const name of asked) {
    const longer = tag === CAPS_PREFIX ? `${tag}${name}` : `${tag}+${name}`;
    if (longer.length <= MAX_TAG_CHARS) tag = longer;
    else {
      tags.push(tag);
      tag = `${CAPS_PREFIX}${name}`;
    }
  }
  return tag === CAPS_PREFIX ? tags : [...tags, tag];
}

/** The names a socket's tags say it asked for (from one tag or several). */
const askedNames = (tags: readonly string[]): string[] =>
  tags.filter((tag) => tag.startsWith(CAPS_PREFIX)).flatMap((tag) => tag.slice(CAPS_PREFIX.length).split("+"));

/** Whether a socket with these tags asked for the capability `name`. */
export function askedFor(tags: readonly string[], name: string): boolean {
  return askedNames(tags).includes(name);
}

/** The shapes a socket's frames go out in. */
export interface SocketShape {
  version: number;
  asked: ReadonlySet<string>;
}

const shapeKey = (shape: SocketShape): string => `${shape.version}:${[...shape.asked].join("+")}`;

const NOTHING_ASKED: ReadonlySet<string> = new Set();
const NO_TAGS: readonly string[] = [];

/** The versions that offer capabilities (a socket of another version asks for none). */
const OFFERING: ReadonlySet<number> = new Set(CAPABILITIES.map((capability) => capability.since));

/**
 * The versions whose sockets may need converting, newest first: every older one this code has
 * shapes for, and the current one while it offers capabilities (a socket may not ask for all).
 */
export const CONVERTED_PROTOCOLS: readonly number[] = RELEASES.map((release) => release.version)
  .filter((version) => version < PROTOCOL_VERSION || OFFERING.has(version))
  .reverse();

/** What a socket of `version` asked for, from its tags (nothing to read when its version offers nothing). */
function askedOf(version: number, tags: readonly string[]): ReadonlySet<string> {
  if (!OFFERING.has(version)) return NOTHING_ASKED;
  const names = askedNames(tags);
  return names.length > 0 ? new Set(names) : NOTHING_ASKED;
}

/**
 * A connect's tags for the fan-out: its version when its frames need converting, the
 * capabilities it asked for, and whether it may read at all and chose the threads it views
 * (view-tags.ts).
 */
export function fanoutTags(request: Request): string[] {
  const url = new URL(request.url);
  const version = requestedProtocol(url.searchParams.get("protocol"));
  const principal = parsePrincipalHeader(request.headers.get(PRINCIPAL_HEADER));
  const reads = principal !== null && mayReadWorkspace(principal);
  const asked = version === null ? [] : askedCapabilities(url.searchParams.get("caps"), version);
  return [
    ...(version !== null && needsConversion(version, new Set(asked)) ? [protocolTag(version)] : []),
    ...capsTags(asked),
    interestTag(url, version, reads),
  ];
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

/** The shapes a socket speaks, from its tags. */
export function socketShape(socket: { readonly tags: readonly string[] }): SocketShape {
  for (const version of CONVERTED_PROTOCOLS)
    if (socket.tags.includes(protocolTag(version))) return { version, asked: askedOf(version, socket.tags) };
  return { version: PROTOCOL_VERSION, asked: askedOf(PROTOCOL_VERSION, socket.tags) };
}

/** What the current version offers: a socket of it that asked for all of these gets frames as written. */
const CURRENT_OFFERS: readonly string[] = CAPABILITIES.filter((c) => c.since === PROTOCOL_VERSION).map((c) => c.name);

/**
 * Whether frames go to a socket of `shape` as the room writes them (`needsConversion`'s answer,
 * without building the conversion steps: every reply and hello asks it).
 */
const asWritten = (shape: SocketShape): boolean =>
  shape.version === PROTOCOL_VERSION && CURRENT_OFFERS.every((name) => shape.asked.has(name));

/** Whether a socket takes frames as the room writes them (the current version, every capability asked). */
export const takesWritten = (socket: { readonly tags: readonly string[] }): boolean => asWritten(socketShape(socket));

/** An event frame's text in `shape`; null when that shape does not get the event. Other frames pass as they are. */
export function frameTextFor(shape: SocketShape, text: string): string | null {
  if (asWritten(shape)) return text;
  const frame = JSON.parse(text) as { type?: unknown; event?: unknown; payload?: unknown };
  if (frame.type !== "event" || typeof frame.event !== "string") return text;
  const payload = eventFor(shape.version, frame.event, frame.payload, shape.asked);
  return payload === null ? null : JSON.stringify({ ...frame, payload });
}

/** A method's response in `shape`. */
export function responseTextFor(shape: SocketShape, method: string, response: ResponseFrame): string {
  if (asWritten(shape)) return JSON.stringify(response);
  if (!response.ok)
    return JSON.stringify({ ...response, error: errorFor(shape.version, response.error, undefined, shape.asked) });
  return JSON.stringify({ ...response, payload: resultFor(shape.version, method, response.payload, shape.asked) });
}

/**
 * The socket as everything that sends to one sees it (the replay pump, the hello, replies):
 * for an older version, one that turns each event frame into that version's before sending.
 */
export function inOwnProtocol<S extends TaggedSocket>(socket: S): S | TaggedSocket {
  const shape = socketShape(socket);
  if (asWritten(shape)) return socket;
  const standIn: TaggedSocket = {
    id: socket.id,
    tags: socket.tags,
    get readyState() {
      return socket.readyState;
    },
    send(text: string) {
      const out = frameTextFor(shape, text);
      if (out !== null) socket.send(out);
    },
    close: (code, reason) => socket.close(code, reason),
  };
  ORIGINAL.set(standIn, socket);
  return standIn;
}
