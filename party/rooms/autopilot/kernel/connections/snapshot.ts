import type { Snapshot } from "../../../../../shared/protocol/hello";
import type { PresenceEntry } from "../../../../../shared/protocol/presence";
import type { Sql } from "../../../../domain/sql";
import type { SnapshotPart } from "../feature";
import { getSettings } from "../settings";
import { pagePresence } from "./presence";

/**
 * What one hello may carry of who is here: a count cap and a byte share. The features'
 * collections have budgets of their own (each feature's `snapshot`); together about 320 KiB,
 * so a workspace with hundreds of pending approvals still greets in one small frame, and the
 * rest is one list call away.
 */
export const PRESENCE_BUDGET = { count: 200, bytes: 32 * 1024 } as const;

/** The bounded snapshot a hello carries: who is here and the settings, then each feature's collections. */
export function buildSnapshot(sql: Sql, presence: PresenceEntry[], features: SnapshotPart): Snapshot {
  const people = pagePresence(presence, undefined, PRESENCE_BUDGET.count, PRESENCE_BUDGET.bytes);
  // Every collection of Snapshot is some feature's: the kernel's feature check (features.ts) makes
  // sure none is given twice, and the hello's schema is what clients read it by.
  return {
    ...features,
    presence: people.entries,
    settings: getSettings(sql),
    more: {
      ...features.more,
      presence: Math.max(0, presence.length - people.entries.length),
      presenceNext: people.next,
    },
  } as Snapshot;
}
