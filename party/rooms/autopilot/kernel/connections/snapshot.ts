import type { Snapshot } from "../../../../../shared/protocol/hello";
import type { Sql } from "../../../../domain/sql";
import type { SnapshotPart } from "../feature";
import { getSettings } from "../settings";

/** The bounded snapshot a hello carries: the settings, then each feature's collections. */
export function buildSnapshot(sql: Sql, features: SnapshotPart): Snapshot {
  // Every collection of Snapshot is some feature's: the kernel's feature check (features.ts) makes
  // sure none is given twice, and the hello's schema is what clients read it by.
  return { ...features, settings: getSettings(sql) } as Snapshot;
}
