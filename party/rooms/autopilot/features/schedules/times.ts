import type { ScheduleWhen } from "../../../../../shared/protocol/schedules";
import { RoomError } from "../../../../domain/errors";
import { cronNext, checkCron } from "./cron";

/** How far ahead a schedule may start: a time further out is a mistake, and out of the alarm's range too. */
export const MAX_SCHEDULE_AHEAD_MS = 10 * 366 * 24 * 60 * 60 * 1000;

/** What bounds a new schedule's times (the room's limits). */
export interface ScheduleBounds {
  minIntervalMs: number;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * The first occurrence strictly after `after`, or null when there is none (a one-off whose
 * time passed). `createdAt` anchors an `every` schedule without a `startAt`: its first run is
 * one interval after it was created.
 */
export function nextOccurrence(when: ScheduleWhen, createdAt: number, after: number): number | null {
  switch (when.kind) {
    case "once":
      return when.at > after ? when.at : null;
    case "every": {
      const first = when.startAt ?? createdAt + when.everyMs;
      if (first > after) return first;
      return first + (Math.floor((after - first) / when.everyMs) + 1) * when.everyMs;
    }
    case "cron":
      return cronNext(when.expression, when.timeZone, after);
    case "hook":
      return null;
  }
}

/**
 * How many occurrences from `occurrenceAt` up to `now` one firing stands for: a room that
 * was down (or asleep past its alarm) acts once for all it missed.
 */
export function occurrencesSince(when: ScheduleWhen, createdAt: number, occurrenceAt: number, now: number): number {
  if (when.kind === "every") return Math.max(1, Math.floor((now - occurrenceAt) / when.everyMs) + 1);
  // A cron schedule walks its occurrences, at most this many: the count is for people to read.
  let count = 1;
  let at = nextOccurrence(when, createdAt, occurrenceAt);
  while (at !== null && at <= now && count < 1000) {
    count++;
    at = nextOccurrence(when, createdAt, at);
  }
  return count;
}

/** Refuses times a schedule must not have, each with a plain `bad_request`; answers its first run (none for a hook's). */
export function checkWhen(when: ScheduleWhen, now: number, bounds: ScheduleBounds): number | null {
  const latest = now + MAX_SCHEDULE_AHEAD_MS;
  switch (when.kind) {
    case "once":
      if (when.at <= now)
        throw new RoomError("bad_request", "that time has passed: a one-off schedule needs a time in the future", {
          at: when.at,
          now,
        });
      if (when.at > latest)
        throw new RoomError("bad_request", "that time is more than ten years away", { at: when.at });
      return when.at;
    case "every":
      if (when.everyMs < bounds.minIntervalMs)
        throw new RoomError(
          "bad_request",
          `a schedule runs at most every ${seconds(bounds.minIntervalMs)} in this workspace: ${seconds(when.everyMs)} is too often`,
          { everyMs: when.everyMs, minIntervalMs: bounds.minIntervalMs },
        );
      if (when.startAt !== undefined && when.startAt > latest)
        throw new RoomError("bad_request", "that start is more than ten years away", { startAt: when.startAt });
      // Known to be a number: an `every` schedule always has a next occurrence.
      return nextOccurrence(when, now, now) as number;
    case "cron": {
      checkTimeZone(when.timeZone);
      return checkCron(when.expression, when.timeZone, now, bounds.minIntervalMs);
    }
    case "hook":
      return null;
  }
}

/** An IANA time zone the runtime knows (`Europe/Berlin`), or a plain `bad_request`. */
export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    throw new RoomError(
      "bad_request",
      `unknown time zone "${timeZone}": name one from the IANA time zone database, such as Europe/Berlin`,
      { timeZone },
    );
  }
}
