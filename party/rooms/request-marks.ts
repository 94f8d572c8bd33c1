/**
 * bench:storm's split of a writer's ack: with the var `BENCH_UPGRADE_TIMING=1` (the bench
 * sets it; never set in production) the Autopilot room logs when each request frame
 * reached its handler, on workerd's wall clock, and the bench matches the line to the ack
 * by request id — so it can tell the time a frame queued before the room handled it from
 * the time after (the commit, the response's way out). Only the id and the time are logged.
 */
export const REQUEST_REACHED_LOG = "bench request reached the room";

/** The room's log line for one request frame as its handler starts (workerd's clock stands still while it runs). */
export function requestReachedLine(id: string, at: number): string {
  return JSON.stringify({ msg: REQUEST_REACHED_LOG, id, at });
}
