// The phases a start walks through, in the order both hosts report them: what the tests
// that watch a start (unit and end to end) expect to see, once.
import type { Phase } from "../../shared/runtime/phases";

/** A start with no backup to restore. */
export const START_PHASES: readonly Phase[] = [
  "queued",
  "writing config",
  "starting process",
  "waiting for port",
  "waiting for gateway handshake",
  "ready",
];

/** A start that restores the latest backup before it writes the config. */
export const RESTORING_START_PHASES: readonly Phase[] = ["queued", "restoring backup", ...START_PHASES.slice(1)];

/** The phases a status or record went through, by name. */
export const phaseNames = (status: { phases: readonly { phase: string }[] }) => status.phases.map((p) => p.phase);
