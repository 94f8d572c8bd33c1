import type { HelloPayload, Snapshot } from "../../../../../shared/protocol/hello";
import type { PresenceEntry } from "../../../../../shared/protocol/presence";
import type { Sql } from "../../../../domain/sql";
import type { SnapshotPart } from "../feature";
import { getSettings } from "../settings";
import { pagePresence } from "./presence";

/**
 * What a hello to a client of protocol 16 or older carries of who is here: a page of sockets,
 * a count cap and a byte share. Clients of 17 get the bounded summary instead (presence-index.ts).
 */
export const PRESENCE_BUDGET = { count: 200, bytes: 32 * 1024 } as const;

/** The first protocol version told presence as a summary: older ones list every socket and get `presence.diff`. */
export const PRESENCE_SUMMARY_SINCE = 17;

/** The bounded snapshot a hello carries: the settings, then each feature's collections. */
export function buildSnapshot(sql: Sql, features: SnapshotPart): Snapshot {
  // Every collection of Snapshot is some feature's: the kernel's feature check (features.ts) makes
  // sure none is given twice, and the hello's schema is what clients read it by.
  return { ...features, settings: getSettings(sql) } as Snapshot;
}

/**
 * A hello as a client of protocol 16 gets it before the cut to 16 (shared/protocol/cuts/v17.ts):
 * its snapshot with a page of every socket, as 16's rooms sent it.
 */
export function withSocketsPage(hello: HelloPayload, presence: PresenceEntry[]): HelloPayload {
  if (!hello.snapshot) return hello;
  const page = pagePresence(presence, undefined, PRESENCE_BUDGET.count, PRESENCE_BUDGET.bytes);
  const snapshot = {
    ...hello.snapshot,
    presence: page.entries,
    more: {
      ...hello.snapshot.more,
      presence: Math.max(0, presence.length - page.entries.length),
      presenceNext: page.next,
    },
  };
  return { ...hello, snapshot };
}
