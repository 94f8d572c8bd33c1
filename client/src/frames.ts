import { Events, type EventName, type EventPayload } from "../../shared/protocol/events";
import { eventFrom, resultFrom } from "../../shared/protocol/cuts/index";
import { ServerFrame, type EventFrame } from "../../shared/protocol/frames";

/** An event whose name this client knows, with its payload validated against the schema. */
export type KnownEvent = {
  [E in EventName]: { known: true; event: E; payload: EventPayload<E>; seq?: number };
}[EventName];

/**
 * An event from a newer server (or one whose payload failed validation). It is still
 * delivered to `"event"` listeners, and its `seq` still counts, so resuming stays exact.
 */
export interface UnknownEvent {
  known: false;
  event: string;
  payload: unknown;
  seq?: number;
}

export type ReceivedEvent = KnownEvent | UnknownEvent;

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

export function decodeServerFrame(data: unknown): Decoded<ServerFrame> {
  if (typeof data !== "string") return { ok: false, message: "binary frame ignored" };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, message: "frame is not JSON" };
  }
  const parsed = ServerFrame.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, message: `malformed frame: ${parsed.error.message}` };
}

function isEventName(name: string): name is EventName {
  return Object.hasOwn(Events, name);
}

/** Validates the payload of a known event; `invalid` explains why it was downgraded. */
export function typeEvent(frame: EventFrame): { event: ReceivedEvent; invalid?: string } {
  const seq = frame.seq === undefined ? {} : { seq: frame.seq };
  const unknown: UnknownEvent = { known: false, event: frame.event, payload: frame.payload, ...seq };
  if (!isEventName(frame.event)) return { event: unknown };
  const parsed = Events[frame.event].safeParse(frame.payload);
  if (!parsed.success) return { event: unknown, invalid: `invalid ${frame.event} payload: ${parsed.error.message}` };
  return { event: { known: true, event: frame.event, payload: parsed.data, ...seq } as KnownEvent };
}

/**
 * A frame from a server of an older `version`, in the current version's shapes (the cuts'
 * way up), so everything after the decoder knows one version. `methodOf` names the
 * request a response answers.
 */
export function inCurrentShapes(
  version: number,
  frame: ServerFrame,
  methodOf: (id: string) => string | undefined,
): ServerFrame {
  if (frame.type === "event") return { ...frame, payload: eventFrom(version, frame.event, frame.payload) };
  if (!frame.ok) return frame;
  const method = methodOf(frame.id);
  return method ? { ...frame, payload: resultFrom(version, method, frame.payload) } : frame;
}
