import { validateEvent } from "nostr-tools/core";
import * as kinds from "nostr-tools/kinds";
import { getEventHash, type NostrEvent, verifyEvent } from "nostr-tools/pure";
import type { RelayLimits } from "./limits";

/**
 * Whether an event a client sent may be taken, before anything is stored or sent on: its
 * shape, its bounds, its id and signature (nostr-tools: no hand-written crypto), and what
 * the NIPs this relay speaks ask of particular kinds. A refusal is the `invalid:` reason
 * of the OK the client gets; nothing else happens.
 */
export type EventVerdict = { ok: true; event: NostrEvent } | { ok: false; reason: string };

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
/** Elements of one tag and characters of one element: no tag a NIP defines comes near either. */
const MAX_TAG_ELEMENTS = 16;
const MAX_TAG_ELEMENT_LENGTH = 4096;
const NIP10_MARKERS = new Set(["", "root", "reply", "mention"]);
/** NIP-56's report types. */
const REPORT_TYPES = new Set(["nudity", "malware", "profanity", "illegal", "spam", "impersonation", "other"]);

const invalid = (reason: string): EventVerdict => ({ ok: false, reason: `invalid: ${reason}` });

/** Only the seven fields NIP-01 defines, in its order: what is stored and sent on. */
function ownFields(raw: NostrEvent): NostrEvent {
  const { id, pubkey, created_at, kind, tags, content, sig } = raw;
  return { id, pubkey, created_at, kind, tags, content, sig };
}

/** NIP-01's fields and types, and this relay's bounds, or why not (cheap: before any hashing). */
function shapeRefusal(raw: unknown, limits: RelayLimits, nowSeconds: number): string | null {
  if (!validateEvent(raw)) return "not an event (NIP-01's fields and types)";
  const candidate = raw as NostrEvent;
  if (typeof candidate.id !== "string" || !HEX64.test(candidate.id)) return "id is not 64 hex characters";
  if (typeof candidate.sig !== "string" || !HEX128.test(candidate.sig)) return "sig is not 128 hex characters";
  if (!Number.isInteger(candidate.kind) || candidate.kind < 0 || candidate.kind > 65_535)
    return "kind is not an integer 0-65535";
  if (!Number.isInteger(candidate.created_at) || candidate.created_at < 0)
    return "created_at is not a timestamp in seconds";
  if (candidate.created_at > nowSeconds + limits.createdAtUpperLimit)
    return `created_at is more than ${limits.createdAtUpperLimit} s in the future`;
  if (candidate.created_at < nowSeconds - limits.createdAtLowerLimit)
    return `created_at is more than ${limits.createdAtLowerLimit} s in the past`;
  if (candidate.content.length > limits.maxContentLength)
    return `content is longer than ${limits.maxContentLength} characters`;
  if (candidate.tags.length > limits.maxEventTags) return `more than ${limits.maxEventTags} tags`;
  for (const tag of candidate.tags) {
    if (tag.length === 0 || tag.length > MAX_TAG_ELEMENTS)
      return `a tag holds between 1 and ${MAX_TAG_ELEMENTS} strings`;
    if (tag.some((element) => element.length > MAX_TAG_ELEMENT_LENGTH))
      return `a tag's string is longer than ${MAX_TAG_ELEMENT_LENGTH} characters`;
  }
  return null;
}

/** The id is the hash of the event and the signature is its author's (nostr-tools), or why not. */
function cryptoRefusal(event: NostrEvent): string | null {
  if (getEventHash(event) !== event.id) return "id is not the hash of the event";
  if (!verifyEvent(event)) return "bad signature";
  return null;
}

/** The shape and the bounds, what the event's kind asks, then the id and the signature, which cost the most. */
export function checkEvent(raw: unknown, limits: RelayLimits, nowSeconds: number): EventVerdict {
  const shape = shapeRefusal(raw, limits, nowSeconds);
  if (shape) return invalid(shape);
  const event = ownFields(raw as NostrEvent);
  const refusal = kindRefusal(event) ?? cryptoRefusal(event);
  return refusal ? invalid(refusal) : { ok: true, event };
}

/** What NIP-01, NIP-10 and the kinds' own NIPs ask of an event's tags and content, or null. */
function kindRefusal(event: NostrEvent): string | null {
  for (const tag of event.tags) {
    if ((tag[0] === "e" || tag[0] === "p") && !HEX64.test(tag[1] ?? ""))
      return `an ${tag[0]} tag's value is 64 hex characters`;
    // NIP-10: ["e", <id>, <relay>, <marker>, <pubkey>].
    if (tag[0] === "e" && tag[3] !== undefined && !NIP10_MARKERS.has(tag[3]))
      return "an e tag's marker is root, reply or mention (NIP-10)";
  }
  const has = (name: string) => event.tags.some((tag) => tag[0] === name);
  switch (event.kind) {
    case kinds.ClientAuth:
      return "AUTH events (kind 22242) go in an AUTH message, not an EVENT (NIP-42)";
    case kinds.Metadata:
      return profileRefusal(event.content);
    case kinds.EventDeletion:
      return has("e") || has("a") ? null : "a deletion names what it deletes in e or a tags (NIP-09)";
    case kinds.Reaction:
      return has("e") || has("a") ? null : "a reaction names what it reacts to in an e or a tag (NIP-25)";
    case kinds.Report:
      return reportRefusal(event);
    case kinds.RelayList:
      return relayListRefusal(event);
    default:
      return null;
  }
}

/** NIP-01 and NIP-24: a profile is a JSON object; `bot`, when there, says whether an automated account posts. */
function profileRefusal(content: string): string | null {
  let profile: unknown;
  try {
    profile = JSON.parse(content);
  } catch {
    return "a profile's content is a JSON object (NIP-01)";
  }
  if (typeof profile !== "object" || profile === null || Array.isArray(profile))
    return "a profile's content is a JSON object (NIP-01)";
  const bot = (profile as { bot?: unknown }).bot;
  if (bot !== undefined && typeof bot !== "boolean") return "a profile's bot field is true or false (NIP-24)";
  return null;
}

/** NIP-56: a report names the reported pubkey in a p tag; a type, when given, is one of NIP-56's. */
function reportRefusal(event: NostrEvent): string | null {
  if (!event.tags.some((tag) => tag[0] === "p")) return "a report names the reported pubkey in a p tag (NIP-56)";
  for (const tag of event.tags)
    if ((tag[0] === "p" || tag[0] === "e") && tag[2] !== undefined && tag[2] !== "" && !REPORT_TYPES.has(tag[2]))
      return `a report's type is one of ${[...REPORT_TYPES].join(", ")} (NIP-56)`;
  return null;
}

/** NIP-65: r tags hold ws:// or wss:// URLs, marked read, write or neither. */
function relayListRefusal(event: NostrEvent): string | null {
  for (const tag of event.tags) {
    if (tag[0] !== "r") continue;
    let url: URL;
    try {
      url = new URL(tag[1] ?? "");
    } catch {
      return "an r tag holds a relay's URL (NIP-65)";
    }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") return "an r tag holds a ws:// or wss:// URL (NIP-65)";
    if (tag[2] !== undefined && tag[2] !== "read" && tag[2] !== "write")
      return "an r tag's marker is read or write (NIP-65)";
  }
  return null;
}

/** NIP-42: an AUTH event, checked as any event, then against this connection's challenge and this relay. */
export function checkAuthEvent(
  raw: unknown,
  limits: RelayLimits,
  nowSeconds: number,
  expect: { challenge: string; isThisRelay: (url: string) => boolean },
): EventVerdict {
  if ((raw as { kind?: unknown } | null)?.kind !== kinds.ClientAuth)
    return invalid("an AUTH message carries a kind 22242 event (NIP-42)");
  const shape = shapeRefusal(raw, limits, nowSeconds);
  if (shape) return invalid(shape);
  const event = ownFields(raw as NostrEvent);
  const crypto = cryptoRefusal(event);
  if (crypto) return invalid(crypto);
  // NIP-42: the relay accepts an AUTH event created within about ten minutes of now.
  if (Math.abs(event.created_at - nowSeconds) > AUTH_WINDOW_S) return invalid("the AUTH event is too old or too new");
  const tag = (name: string) => event.tags.find((t) => t[0] === name)?.[1];
  if (tag("challenge") !== expect.challenge) return invalid("the AUTH event answers another challenge");
  const relay = tag("relay");
  // A proof for another relay's URL is one a relay in the middle forwards: it proves nothing here.
  if (!relay || !expect.isThisRelay(relay))
    return { ok: false, reason: "restricted: the AUTH event names another relay than this server" };
  return { ok: true, event };
}

const AUTH_WINDOW_S = 600;
