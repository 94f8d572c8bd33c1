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
