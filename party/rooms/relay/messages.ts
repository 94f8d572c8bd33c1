import type { Filter } from "nostr-tools/filter";
import type { NostrEvent } from "nostr-tools/pure";
import type { RelayLimits } from "./limits";

/**
 * What a client may send (NIP-01, NIP-42), read from one WebSocket message. Every field of
 * a hostile message is checked here before anything looks at it: a refusal names the
 * NIP-01 prefix the answer carries (`invalid:`), and the subscription id when there is one.
 */
export type ClientMessage =
  | { type: "EVENT"; event: unknown }
  | { type: "REQ"; subId: string; filters: Filter[] }
  | { type: "CLOSE"; subId: string }
  | { type: "AUTH"; event: unknown };

export type Parsed = { ok: true; message: ClientMessage } | { ok: false; subId?: string; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;
const TAG_KEY = /^#[a-zA-Z]$/;
/** The longest tag value a filter may ask for (an `a` coordinate is the longest in use). */
const MAX_TAG_VALUE_LENGTH = 1024;

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

function list<T>(value: unknown, limits: RelayLimits, item: (v: unknown) => v is T, what: string): T[] | string {
  if (!Array.isArray(value)) return `${what} must be a list`;
  if (value.length > limits.maxFilterValues) return `${what} holds more than ${limits.maxFilterValues} values`;
  for (const v of value) if (!item(v)) return `${what} holds a value that is not one`;
  return value as T[];
}

const isHex64 = (v: unknown): v is string => typeof v === "string" && HEX64.test(v);
const isKind = (v: unknown): v is number => isInt(v, 0, 65_535);
const isTagValue = (v: unknown): v is string => typeof v === "string" && v.length <= MAX_TAG_VALUE_LENGTH;

/** One filter of a REQ, or why it is not one. */
export function readFilter(raw: unknown, limits: RelayLimits): Filter | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "a filter must be an object";
  const filter: Filter = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === "ids" || key === "authors") {
      const values = list(value, limits, isHex64, `${key} (64 hex characters each)`);
      if (typeof values === "string") return values;
      filter[key] = values;
    } else if (key === "kinds") {
      const values = list(value, limits, isKind, "kinds (integers 0-65535)");
      if (typeof values === "string") return values;
      filter.kinds = values;
    } else if (key === "since" || key === "until") {
      if (!isInt(value, 0, Number.MAX_SAFE_INTEGER)) return `${key} must be a timestamp in seconds`;
      filter[key] = value;
    } else if (key === "limit") {
      if (!isInt(value, 0, Number.MAX_SAFE_INTEGER)) return "limit must be a non-negative integer";
      filter.limit = value;
    } else if (TAG_KEY.test(key)) {
      const values = list(value, limits, isTagValue, `${key} (strings of at most ${MAX_TAG_VALUE_LENGTH} characters)`);
      if (typeof values === "string") return values;
      filter[key as `#${string}`] = values;
    } else if (key === "search") {
      return "search (NIP-50) is not supported here";
    } else {
      return `unknown filter field ${JSON.stringify(key.slice(0, 32))}`;
    }
  }
  return filter;
}

/**
 * A WebSocket message as a client message. Size is checked by the caller before this
 * parses anything. Unknown message types are refused (a NOTICE), as NIP-01 allows.
 */
export function readClientMessage(text: string, limits: RelayLimits): Parsed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: "invalid: not JSON" };
  }
  if (!Array.isArray(data) || typeof data[0] !== "string")
    return { ok: false, reason: "invalid: a message is a JSON array that starts with its type" };
  const [type, ...rest] = data as [string, ...unknown[]];
  switch (type) {
    case "EVENT":
    case "AUTH":
      if (rest.length !== 1) return { ok: false, reason: `invalid: ${type} carries exactly one event` };
      return { ok: true, message: { type, event: rest[0] } };
    case "CLOSE": {
      const subId = rest[0];
      if (rest.length !== 1 || !validSubId(subId, limits))
        return { ok: false, reason: "invalid: CLOSE carries one subscription id" };
      return { ok: true, message: { type, subId } };
    }
    case "REQ": {
      const subId = rest[0];
      if (!validSubId(subId, limits))
        return {
          ok: false,
          reason: `invalid: a subscription id is a non-empty string of at most ${limits.maxSubidLength} characters`,
        };
      const rawFilters = rest.slice(1);
      if (rawFilters.length === 0) return { ok: false, subId, reason: "invalid: a REQ needs at least one filter" };
      if (rawFilters.length > limits.maxFilters)
        return { ok: false, subId, reason: `invalid: at most ${limits.maxFilters} filters in one REQ` };
      const filters: Filter[] = [];
      for (const raw of rawFilters) {
        const filter = readFilter(raw, limits);
        if (typeof filter === "string") return { ok: false, subId, reason: `invalid: ${filter}` };
        filters.push(filter);
      }
      return { ok: true, message: { type, subId, filters } };
    }
    default:
      return { ok: false, reason: `invalid: unknown message type ${JSON.stringify(type.slice(0, 16))}` };
  }
}

function validSubId(subId: unknown, limits: RelayLimits): subId is string {
  return typeof subId === "string" && subId.length > 0 && subId.length <= limits.maxSubidLength;
}

/** The event id a refused EVENT or AUTH is answered for, if the hostile value has a usable one. */
export function eventIdOf(event: unknown): string {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === "string" && id.length <= 64 ? id : "";
}

/** The frames the relay sends (NIP-01, NIP-42). */
export const frames = {
  event: (subId: string, eventJson: string) => `["EVENT",${JSON.stringify(subId)},${eventJson}]`,
  eose: (subId: string) => JSON.stringify(["EOSE", subId]),
  closed: (subId: string, reason: string) => JSON.stringify(["CLOSED", subId, reason]),
  ok: (id: string, accepted: boolean, reason: string) => JSON.stringify(["OK", id, accepted, reason]),
  notice: (text: string) => JSON.stringify(["NOTICE", text]),
  auth: (challenge: string) => JSON.stringify(["AUTH", challenge]),
};

export type { Filter, NostrEvent };

/** An event as plain data, for RPC (nostr-tools' type carries a symbol key RPC cannot send). */
export type PlainEvent = Pick<NostrEvent, "id" | "pubkey" | "created_at" | "kind" | "tags" | "content" | "sig">;
