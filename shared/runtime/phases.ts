// Instance states and start phases, and the progress model both hosts report.
import { z } from "zod";

/**
 * `asleep` (decision 78): the gateway process is stopped to save its cost while nobody needs
 * it, its state kept; a provision (PUT) or a device connecting wakes it.
 */
export const instanceStateSchema = z.enum(["provisioning", "starting", "ready", "error", "stopped", "asleep"]);
export type InstanceState = z.infer<typeof instanceStateSchema>;

export const phaseSchema = z.enum([
  "queued",
  "restoring backup",
  "writing config",
  "starting process",
  "waiting for port",
  "waiting for gateway handshake",
  "ready",
  "stopping",
  "stopped",
  "failed",
  "asleep",
]);
export type Phase = z.infer<typeof phaseSchema>;

export const phaseEntrySchema = z.object({ phase: phaseSchema, at: z.string() });
export type PhaseEntry = z.infer<typeof phaseEntrySchema>;

/** States in which a gateway process runs or is about to: these count against the cap. */
export const ACTIVE_STATES: ReadonlySet<InstanceState> = new Set(["provisioning", "starting", "ready"]);

/**
 * Progress bar model: each start phase spans a range and approaches its end over the time
 * it usually takes on a 2-core machine (port open after 4-7 s, handshake ~7-10 s later).
 */
export const PHASE_PROGRESS: Partial<Record<Phase, { from: number; to: number; expectedMs: number }>> = {
  queued: { from: 0, to: 2, expectedMs: 1_000 },
  "restoring backup": { from: 2, to: 8, expectedMs: 3_000 },
  "writing config": { from: 8, to: 12, expectedMs: 300 },
  "starting process": { from: 12, to: 18, expectedMs: 500 },
  "waiting for port": { from: 18, to: 50, expectedMs: 6_000 },
  "waiting for gateway handshake": { from: 50, to: 97, expectedMs: 8_000 },
};

/**
 * Progress of a start: within the current phase's range it approaches `to` without
 * reaching it (a bar that never claims to be done), 100 once ready; phases without a
 * range keep the last value.
 */
export function phaseProgress(
  state: InstanceState,
  phase: Phase,
  phaseSince: number,
  last: number,
  now = Date.now(),
): number {
  if (state === "ready") return 100;
  const range = PHASE_PROGRESS[phase];
  if (!range) return last;
  return Math.round(range.from + (range.to - range.from) * (1 - Math.exp(-(now - phaseSince) / range.expectedMs)));
}
