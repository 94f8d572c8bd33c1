import { RoomError } from "../../../../domain/errors";

// Cron schedules read their expression in an IANA time zone. That takes a cron library with
// time zones (croner: no dependencies, zones through Intl); until the project has it, the
// room refuses cron schedules with a typed `unavailable` and runs none.

const notYet = (): RoomError =>
  new RoomError(
    "unavailable",
    "cron schedules are not available on this server yet: use a one-off (once) or an interval (every)",
    { reason: "cron_unavailable" },
  );

/** The first time `expression` names in `timeZone` strictly after `after`; null when it never fires again. */
export function cronNext(_expression: string, _timeZone: string, _after: number): number | null {
  throw notYet();
}

/**
 * Refuses an expression that does not parse, never fires, or fires more often than
 * `minIntervalMs`, each with a plain `bad_request`; answers its first run after `now`.
 */
export function checkCron(_expression: string, _timeZone: string, _now: number, _minIntervalMs: number): number {
  throw notYet();
}
