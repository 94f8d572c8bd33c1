import { z } from "zod";
import { Timestamp } from "./common";
import { PrincipalKind } from "./principal";

/** One entry per connection: a person on two devices shows twice. */
export const PresenceEntry = z.object({
  connectionId: z.string(),
  principalId: z.string(),
  kind: PrincipalKind,
  name: z.string(),
  device: z.string(),
  connectedAt: Timestamp,
  status: z.string().max(100).nullable(),
});
export type PresenceEntry = z.infer<typeof PresenceEntry>;

/** Ordered by connection id; `after` continues after a page's `next` (protocol 7). */
export const PresenceListParams = z
  .object({ after: z.string().max(128).optional(), limit: z.number().int().min(1).max(1000).default(1000) })
  .default({ limit: 1000 });
/** `next` is null on the last page. */
export const PresenceListResult = z.object({ presence: z.array(PresenceEntry), next: z.string().nullable() });
export const PresenceUpdateParams = z.object({ status: z.string().max(100).nullable() });
export const PresenceUpdateResult = z.object({ entry: PresenceEntry });

/**
 * Protocol 6: joins, status changes and leaves, coalesced over a short window into one
 * frame to everyone, so a reconnect storm of N clients costs O(N) frames, not N².
 * Apply `left` first, then `upserted` (a connection that left and came back within one
 * window shows once, current). The single joined/updated/left events are no longer sent.
 */
export const PresenceDiffPayload = z.object({
  upserted: z.array(PresenceEntry),
  left: z.array(z.object({ connectionId: z.string(), principalId: z.string() })),
});

export const PresenceJoinedPayload = z.object({ entry: PresenceEntry });
export const PresenceUpdatedPayload = z.object({ entry: PresenceEntry });
export const PresenceLeftPayload = z.object({ connectionId: z.string(), principalId: z.string() });

/**
 * Protocol 17: one person (or agent) here, however many sockets they have open. The people a
 * room shows are a bounded few (PresenceSummary), so what a socket receives of presence does
 * not grow with the workspace.
 */
export const PresencePerson = z.object({
  principalId: z.string(),
  kind: PrincipalKind,
  name: z.string(),
  /** How many sockets they have open. */
  devices: z.number().int().positive(),
  /** The device of their newest socket. */
  device: z.string(),
  /** The status of their newest socket that set one. */
  status: z.string().max(100).nullable(),
  /** When their first open socket connected. */
  since: Timestamp,
});
export type PresencePerson = z.infer<typeof PresencePerson>;

/**
 * Protocol 17: who is here, bounded at any size, on every hello (resumes too): how many people
 * and sockets, the first people to arrive that fit the room's small budget (the same for
 * everyone, in order of arrival), and how many sockets the viewer's own principal has open.
 * The rest is one `presence.list` away.
 */
export const PresenceSummary = z.object({
  people: z.number().int().nonnegative(),
  connections: z.number().int().nonnegative(),
  shown: z.array(PresencePerson),
  own: z.number().int().nonnegative(),
});
export type PresenceSummary = z.infer<typeof PresenceSummary>;

/**
 * Protocol 17: the counts and the people shown changed; replaces the client's. Coalesced over
 * a short window like the diff it replaces (which only clients of 16 and older get). `shown`
 * is absent when the people shown are the ones the last summary or the socket's hello said,
 * so a window that only moves the counts costs a few bytes per socket.
 */
export const PresenceSummaryPayload = PresenceSummary.omit({ own: true }).extend({
  shown: z.array(PresencePerson).optional(),
});
/** Protocol 17: how many sockets this principal has open now; to their own sockets only. */
export const PresenceOwnPayload = z.object({ own: z.number().int().nonnegative() });
