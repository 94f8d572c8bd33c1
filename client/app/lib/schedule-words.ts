import { Cron } from "croner";
import cronstrue from "cronstrue";
import type { Schedule, ScheduleRun, ScheduleWhen } from "../../../shared/protocol/schedules";
import { markdownPreview } from "./markdown-preview";

/**
 * A schedule in words a person reads: its times ("every weekday at 09:00, Berlin time"), its
 * next run in the viewer's own time zone, what it does, and how a run went. Cron expressions
 * are read by cronstrue (English, 24-hour clock); the picker's choices are written as cron by
 * `pickerCron` and read back by `pickerOf`, so an edit opens on the choice it was made with.
 */

/** The viewer's IANA time zone. */
export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "Berlin time" for Europe/Berlin, "UTC" for UTC; a zone without a city keeps its name. */
export function zoneWords(timeZone: string): string {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return "UTC";
  const city = timeZone.split("/").at(-1)?.replace(/_/g, " ");
  return city ? `${city} time` : timeZone;
}

/**
 * Whom a schedule runs as, said to the viewer: a new one (no owner yet) and the viewer's own
 * run as them; one someone else made keeps running as its owner, whoever edits it.
 */
export function runsAsWords(owner: { id: string; name: string } | null, viewerId: string | null): string {
  return owner === null || owner.id === viewerId ? "It runs as you" : `It runs as ${owner.name}`;
}

/**
 * The zones a search picks from a long list, in the list's order: each word typed must be in
 * the zone's name, with "/" and "_" read as spaces ("new york" finds America/New_York).
 */
export function zonesMatching(query: string, zones: readonly string[]): string[] {
  const words = query
    .toLowerCase()
    .split(/[\s/_]+/)
    .filter(Boolean);
  if (words.length === 0) return [...zones];
  return zones.filter((zone) => {
    const name = zone.toLowerCase().replace(/[/_]/g, " ");
    return words.every((word) => name.includes(word));
  });
}

const lowerFirst = (text: string) => (text ? `${text[0]!.toLowerCase()}${text.slice(1)}` : text);

/** An interval in words: "15 minutes", "2 hours", "day", "3 days". */
export function intervalWords(ms: number): string {
  const units: Array<[number, string]> = [
    [7 * 86_400_000, "week"],
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ];
  for (const [size, unit] of units) {
    if (ms % size === 0) {
      const n = ms / size;
      return n === 1 ? unit : `${n} ${unit}s`;
    }
  }
  return `${Math.round(ms / 1000)} seconds`;
}

/** A moment in the viewer's time: "Thu 27 Nov, 09:00". */
export function momentWords(at: number, timeZone?: string): string {
  return new Date(at).toLocaleString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  });
}

/** A cron expression in words, or null when cronstrue cannot read it. */
export function cronWords(expression: string): string | null {
  try {
    return lowerFirst(cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: false }));
  } catch {
    return null;
  }
}

/** When a schedule runs, in words: "every weekday at 09:00, Berlin time", "every 15 minutes", "once, Thu 27 Nov, 09:00". */
export function whenWords(when: ScheduleWhen): string {
  switch (when.kind) {
    case "once":
      return `once, ${momentWords(when.at)}`;
    case "every":
      return `every ${intervalWords(when.everyMs)}`;
    case "cron": {
      const picked = pickerOf(when);
      const words = picked.repeat === "custom" ? cronWords(when.expression) : pickedWords(picked);
      return `${words ?? `by the cron expression ${when.expression}`}, ${zoneWords(when.timeZone)}`;
    }
    case "hook":
      return "when its webhook is called";
  }
}

/** The next run in the viewer's time, with how far off it is; why there is none otherwise. */
export function nextRunWords(schedule: Pick<Schedule, "status" | "nextRunAt" | "when">): string {
  if (schedule.when.kind === "hook") return schedule.status === "active" ? "when its webhook is called" : "paused";
  if (schedule.nextRunAt === null)
    return schedule.status === "paused"
      ? "paused: no next run"
      : schedule.status === "active"
        ? "running now"
        : "will not run again";
  return momentWords(schedule.nextRunAt);
}

/** The words a schedule's action carries: a prompt's text, a task's goal. */
export const actionText = (action: Schedule["action"]): string =>
  action.kind === "prompt" ? action.text : action.goal;

/** What it does, in words: "posts “…”", "gives the Autopilot the task “…”" (its Markdown as the words it shows). */
export function actionWords(schedule: Pick<Schedule, "action">): string {
  const { action } = schedule;
  return action.kind === "prompt"
    ? `posts “${markdownPreview(action.text)}”`
    : `gives the Autopilot the task “${markdownPreview(action.goal)}”`;
}

/** What started a run, in words: "on time", "run now by Bob", "from its webhook". */
export function triggerWords(run: Pick<ScheduleRun, "trigger" | "by">): string {
  if (run.trigger === "hook") return "from its webhook";
  return run.trigger === "now" ? `run now${run.by ? ` by ${run.by.name}` : ""}` : "on time";
}

// --- the picker --------------------------------------------------------------

export type Repeat = "once" | "interval" | "hourly" | "daily" | "weekdays" | "weekly" | "monthly" | "custom" | "hook";

/** The picker's state: what repeats, at what time of day (HH:MM), on which day, in which zone. */
export interface Picked {
  repeat: Repeat;
  /** For `once`: a local date and time (the datetime-local input's value). */
  at: string;
  /** For `interval`: minutes. */
  minutes: number;
  /** HH:MM, for daily, weekdays, weekly and monthly; the minute for hourly. */
  time: string;
  /** 0 (Sunday) to 6, for weekly. */
  weekday: number;
  /** 1 to 28, for monthly. */
  monthDay: number;
  /** For custom. */
  expression: string;
  timeZone: string;
}

export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const pad = (n: number) => String(n).padStart(2, "0");

/** A datetime-local value for `at` in the viewer's zone. */
export function localInput(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function defaultPicked(now = Date.now()): Picked {
  return {
    repeat: "weekdays",
    at: localInput(now + 3_600_000),
    minutes: 60,
    time: "09:00",
    weekday: 1,
    monthDay: 1,
    expression: "0 9 * * 1-5",
    timeZone: viewerZone(),
  };
}

const hoursMinutes = (time: string): [number, number] => {
  const [h, m] = time.split(":").map(Number);
  return [Number.isInteger(h) ? h! : 9, Number.isInteger(m) ? m! : 0];
};

/** The cron expression a choice stands for (custom: as typed). */
export function pickerCron(p: Picked): string {
  const [h, m] = hoursMinutes(p.time);
  switch (p.repeat) {
    case "hourly":
      return `${m} * * * *`;
    case "daily":
      return `${m} ${h} * * *`;
    case "weekdays":
      return `${m} ${h} * * 1-5`;
    case "weekly":
      return `${m} ${h} * * ${p.weekday}`;
    case "monthly":
      return `${m} ${h} ${p.monthDay} * *`;
    default:
      return p.expression.trim();
  }
}

/** The times a choice stands for, as a schedule's `when`; null while incomplete. */
export function pickerWhen(p: Picked): ScheduleWhen | null {
  if (p.repeat === "once") {
    const at = new Date(p.at).getTime();
    return Number.isFinite(at) ? { kind: "once", at } : null;
  }
  if (p.repeat === "interval")
    return Number.isInteger(p.minutes) && p.minutes > 0 ? { kind: "every", everyMs: p.minutes * 60_000 } : null;
  if (p.repeat === "hook") return { kind: "hook" };
  const expression = pickerCron(p);
  return expression ? { kind: "cron", expression, timeZone: p.timeZone } : null;
}

/** A choice in words, as `whenWords` says it (without the zone). */
function pickedWords(p: Picked): string | null {
  const [h, m] = hoursMinutes(p.time);
  const time = `${pad(h)}:${pad(m)}`;
  switch (p.repeat) {
    case "hourly":
      return m === 0 ? "every hour, on the hour" : `every hour at ${pad(m)} past`;
    case "daily":
      return `every day at ${time}`;
    case "weekdays":
      return `every weekday at ${time}`;
    case "weekly":
      return `every ${WEEKDAYS[p.weekday]} at ${time}`;
    case "monthly":
      return `on day ${p.monthDay} of every month at ${time}`;
    default:
      return cronWords(p.expression);
  }
}

/** The picker's choice a schedule's times were made with (custom for any other cron expression). */
export function pickerOf(when: ScheduleWhen, now = Date.now()): Picked {
  const base = defaultPicked(now);
  if (when.kind === "once") return { ...base, repeat: "once", at: localInput(when.at) };
  if (when.kind === "hook") return { ...base, repeat: "hook" };
  // The picker counts whole minutes.
  if (when.kind === "every")
    return { ...base, repeat: "interval", minutes: Math.max(1, Math.round(when.everyMs / 60_000)) };
  const picked = { ...base, timeZone: when.timeZone, expression: when.expression };
  const fields = when.expression.trim().split(/\s+/);
  if (fields.length !== 5) return { ...picked, repeat: "custom" };
  const [min, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const n = (f: string) => (/^\d{1,2}$/.test(f) ? Number(f) : null);
  const [mm, hh, day, weekday] = [n(min), n(hour), n(dom), n(dow)];
  if (mm === null || month !== "*") return { ...picked, repeat: "custom" };
  if (hour === "*" && dom === "*" && dow === "*") return { ...picked, repeat: "hourly", time: `00:${pad(mm)}` };
  if (hh === null) return { ...picked, repeat: "custom" };
  const time = `${pad(hh)}:${pad(mm)}`;
  if (dom === "*" && dow === "*") return { ...picked, repeat: "daily", time };
  if (dom === "*" && dow === "1-5") return { ...picked, repeat: "weekdays", time };
  if (dom === "*" && weekday !== null && weekday <= 6) return { ...picked, repeat: "weekly", time, weekday };
  if (dow === "*" && day !== null && day >= 1 && day <= 28)
    return { ...picked, repeat: "monthly", time, monthDay: day };
  return { ...picked, repeat: "custom" };
}

/** Whether two times say the same (an interval's start and a one-off's seconds aside: the picker shows neither). */
export function sameWhen(a: ScheduleWhen, b: ScheduleWhen): boolean {
  if (a.kind === "once" && b.kind === "once") return Math.floor(a.at / 60_000) === Math.floor(b.at / 60_000);
  if (a.kind === "every" && b.kind === "every") return a.everyMs === b.everyMs;
  if (a.kind === "cron" && b.kind === "cron")
    return a.expression.trim() === b.expression.trim() && a.timeZone === b.timeZone;
  return a.kind === "hook" && b.kind === "hook";
}

/** When a choice runs first after `now` (the room decides; this is the preview), or null. */
export function previewNextRun(when: ScheduleWhen, now = Date.now()): number | null {
  switch (when.kind) {
    case "once":
      return when.at > now ? when.at : null;
    case "every":
      return now + when.everyMs;
    case "hook":
      return null;
    case "cron":
      try {
        return (
          new Cron(when.expression, { timezone: when.timeZone, paused: true }).nextRun(new Date(now))?.getTime() ?? null
        );
      } catch {
        return null;
      }
  }
}
