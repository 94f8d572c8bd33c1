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

export const PresenceListParams = z.object({}).default({});
export const PresenceListResult = z.object({ presence: z.array(PresenceEntry) });
export const PresenceUpdateParams = z.object({ status: z.string().max(100).nullable() });
export const PresenceUpdateResult = z.object({ entry: PresenceEntry });

export const PresenceJoinedPayload = z.object({ entry: PresenceEntry });
export const PresenceUpdatedPayload = z.object({ entry: PresenceEntry });
export const PresenceLeftPayload = z.object({ connectionId: z.string(), principalId: z.string() });
