// The snapshot with nothing in it: every list empty, nothing left out, and the default
// settings. The room tells it to a principal that may not read the workspace; a client's
// state starts from the same "nothing left out".
import type { Snapshot, SnapshotMore } from "./protocol/hello";
import { DEFAULT_SETTINGS } from "./protocol/settings";

/** A snapshot's `more` when no list has older pages to load. */
export const NOTHING_LEFT_OUT: SnapshotMore = {
  threads: { left: 0, next: null },
  approvals: { left: 0, next: null },
  jobs: { left: 0, next: null },
  projects: { left: 0, next: null },
};

export const EMPTY_SNAPSHOT: Snapshot = {
  threads: [],
  approvals: [],
  jobs: [],
  instances: [],
  settings: DEFAULT_SETTINGS,
  projects: [],
  more: NOTHING_LEFT_OUT,
};
