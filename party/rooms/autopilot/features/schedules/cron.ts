import { Cron } from "croner";
import { RoomError } from "../../../../domain/errors";

// Cron schedules read their expression in an IANA time zone (croner: no dependencies, zones
// through Intl). A `Cron` made without a function schedules nothing: it only answers when
// the expression fires next; the room's own alarm does the waiting.

/** How many of its next runs an expression is checked over for runs closer than the minimum. */
const RUNS_CHECKED = 12;

function parse(expression: string, timeZone: string): Cron {
  try {
    return new Cron(expression, { timezone: timeZone, paused: true });
  } catch (error) {
    throw new RoomError(
      "bad_request",
      `the cron expression "${expression.slice(0, 100)}" does not parse: ${error instanceof Error ? error.message : String(error)}`,
      { field: "when.expression" },
    );
  }
}

/** The first time `expression` names in `timeZone` strictly after `after`; null when it never fires again. */
export function cronNext(expression: string, timeZone: string, after: number): number | null {
  return parse(expression, timeZone).nextRun(new Date(after))?.getTime() ?? null;
}

/**
 * Refuses an expression that does not parse, never fires, or fires more often than
 * `minIntervalMs`, each with a plain `bad_request`; answers its first run after `now`.
 */
export function checkCron(expression: string, timeZone: string, now: number, minIntervalMs: number): number {
  const cron = parse(expression, timeZone);
  const runs = cron.nextRuns(RUNS_CHECKED, new Date(now)).map((run) => run.getTime());
  const first = runs[0];
  if (first === undefined)
    throw new RoomError("bad_request", `the cron expression "${expression.slice(0, 100)}" never fires`, {
      field: "when.expression",
    });
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]! - runs[i - 1]! < minIntervalMs)
      throw new RoomError(
        "bad_request",
        `the cron expression "${expression.slice(0, 100)}" fires more often than once every ${Math.round(minIntervalMs / 1000)} s, the shortest this workspace allows`,
        { field: "when.expression", minIntervalMs },
      );
  }
  return first;
}
