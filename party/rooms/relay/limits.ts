import type { Env } from "../../env";
import { positive, type Rate } from "../shared/limits";
import { type Meter, type MeterShape, REFUSALS_BEFORE_CLOSE } from "../shared/meter";

/**
 * The relay's limits (docs/community.md "Limits"; docs/operations.md "Limits"), from `[vars]`;
 * a missing or bad value takes the default. The first group is what NIP-11 calls
 * `limitation` and advertises as is (nip11.ts); the rates and connection caps are ours.
 */
export interface RelayLimits {
  /** Bytes of one WebSocket message, whatever it holds. */
  maxMessageLength: number;
  /** Open subscriptions of one connection. */
  maxSubscriptions: number;
  /** Filters in one REQ. */
  maxFilters: number;
  /** The most events one filter returns (a larger `limit` is cut to it). */
  maxLimit: number;
  /** What a filter without `limit` returns. */
  defaultLimit: number;
  maxSubidLength: number;
  maxEventTags: number;
  /** Characters of an event's content. */
  maxContentLength: number;
  /** Values in one filter list (`ids`, `authors`, `kinds`, each `#x`). */
  maxFilterValues: number;
  /** Seconds into the past an event's created_at may be. */
  createdAtLowerLimit: number;
  /** Seconds into the future an event's created_at may be. */
  createdAtUpperLimit: number;
  /** Every message of one connection (EVENT, REQ, CLOSE, AUTH). */
  messages: Rate;
  /** EVENTs of one connection, per minute. */
  eventsPerMinute: Rate;
  /** EVENTs of everyone in one community together, per second: what keeps one object answering. */
  communityEvents: Rate;
  /** Open connections of one community, and of one client address in it. */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Pubkeys one connection may authenticate (NIP-42 allows several). */
  maxAuthedPubkeys: number;
}

/** A relay's limits are all counts and whole seconds. */
const num = (value: string | undefined, fallback: number) => Math.floor(positive(value, fallback));

export function relayLimits(env: Env): RelayLimits {
  const eventsPerMinute = num(env.RELAY_EVENTS_PER_MINUTE, 120);
  return {
    maxMessageLength: num(env.RELAY_MAX_MESSAGE_LENGTH, 131_072),
    maxSubscriptions: num(env.RELAY_MAX_SUBSCRIPTIONS, 20),
    maxFilters: num(env.RELAY_MAX_FILTERS, 10),
    maxLimit: num(env.RELAY_MAX_LIMIT, 500),
    defaultLimit: num(env.RELAY_DEFAULT_LIMIT, 100),
    maxSubidLength: 64,
    maxEventTags: num(env.RELAY_MAX_EVENT_TAGS, 200),
    maxContentLength: num(env.RELAY_MAX_CONTENT_LENGTH, 65_536),
    maxFilterValues: num(env.RELAY_MAX_FILTER_VALUES, 500),
    createdAtLowerLimit: num(env.RELAY_CREATED_AT_LOWER_LIMIT, 3 * 365 * 24 * 3600),
    createdAtUpperLimit: num(env.RELAY_CREATED_AT_UPPER_LIMIT, 15 * 60),
    messages: { perSecond: num(env.RELAY_MESSAGES_PER_SECOND, 20), burst: num(env.RELAY_MESSAGE_BURST, 60) },
    // A minute's allowance may be spent at once, then it refills evenly.
    eventsPerMinute: { perSecond: eventsPerMinute / 60, burst: eventsPerMinute },
    communityEvents: {
      perSecond: num(env.RELAY_COMMUNITY_EVENTS_PER_SECOND, 300),
      burst: num(env.RELAY_COMMUNITY_EVENT_BURST, 600),
    },
    maxConnections: num(env.RELAY_MAX_CONNECTIONS, 10_000),
    maxConnectionsPerAddress: num(env.RELAY_MAX_CONNECTIONS_PER_ADDRESS, 50),
    maxAuthedPubkeys: 4,
  };
}

export type RelayScope = "messages" | "eventsPerMinute" | "communityEvents";

/**
 * The relay's shape of the one meter (rooms/shared/meter.ts): every message of a connection, its
 * EVENTs per minute, and the EVENTs of the whole community, whose bucket is everyone's: a
 * busy community is no connection's fault and does not count toward hanging up.
 */
export const RELAY_METER: MeterShape<RelayScope> = {
  scopes: ["messages", "eventsPerMinute", "communityEvents"],
  shared: ["communityEvents"],
  requester: "messages",
  refusalsBeforeClose: REFUSALS_BEFORE_CLOSE,
};

export type RelayTake = { ok: true } | { ok: false; reason: string; close: boolean };

/** One message of any kind from a connection, or one EVENT (also counted against the community's), and what a refusal says. */
export function relayTake(
  meter: Meter<RelayScope>,
  kind: "message" | "event",
  connection: string,
  now: number,
): RelayTake {
  const pay = kind === "message" ? (["messages"] as const) : (["eventsPerMinute", "communityEvents"] as const);
  const taken = meter.take({ messages: connection, eventsPerMinute: connection }, now, { pay });
  if (taken.ok) return taken;
  const { messages, eventsPerMinute } = meter.rates();
  const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
  const over =
    taken.limit === "messages"
      ? `over ${messages.perSecond} messages a second`
      : `over ${eventsPerMinute.burst} events a minute from one connection`;
  const reason =
    taken.limit === "communityEvents"
      ? "rate-limited: this community is busy, try again shortly"
      : `rate-limited: ${over}: slow down (try again in ${seconds} s)`;
  return { ok: false, reason, close: taken.close };
}
