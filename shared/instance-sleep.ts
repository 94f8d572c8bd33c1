// A hosted instance's sleep (decision 78) in the words people read, derived from the instance
// as the room holds it: the room decides with the same rule the app shows ("stays awake:
// WhatsApp is connected"), so what people read is what the room will do.
import type { Instance } from "./protocol/instances";

/**
 * The channels that keep a gateway awake: each is a connection the gateway itself holds open
 * (WhatsApp's linked session, Slack's socket mode, Discord's gateway socket, Telegram's long
 * polling), so nothing outside could wake it when a message comes in.
 */
const LIVE_CHANNELS = new Set(["whatsapp", "slack", "discord", "telegram"]);

/** What keeps the instance awake whatever the traffic, in words; null when it may sleep once idle. */
export function stayAwakeReason(instance: Pick<Instance, "kind" | "channels" | "sleep">): string | null {
  if (instance.kind === "linked") return null;
  const live = (instance.channels ?? []).find((c) => LIVE_CHANNELS.has(c.channel));
  if (live) return `${live.label} is ${live.state === "connected" ? "connected" : "set up"}`;
  return instance.sleep?.keptAwakeBy ?? null;
}

/** The instance's sleep in a short line for its card ("asleep", "waking… (about 9 s)", "stays awake: …"), or null. */
export function sleepWords(
  instance: Pick<Instance, "kind" | "channels" | "sleep" | "status">,
  now: number,
): string | null {
  const sleep = instance.sleep;
  if (instance.kind === "linked" || instance.status === "stopped") return null;
  if (sleep?.state === "asleep")
    return sleep.refused ? `asleep, could not wake: ${sleep.refused}` : "asleep: the next message wakes it";
  if (sleep?.state === "waking") {
    if (sleep.wakeMs === null) return "waking…";
    const left = Math.max(1, Math.round((sleep.since + sleep.wakeMs - now) / 1000));
    return `waking… (about ${left} s)`;
  }
  const reason = instance.status === "ready" ? stayAwakeReason(instance) : null;
  return reason ? `stays awake: ${reason}` : null;
}

const HOUR_MS = 3_600_000;
const counted = new Intl.NumberFormat("en-US");

/** A stretch of time in hours ("41 h", "1,205 h"); under an hour, in minutes ("25 min"). */
export function hoursWords(ms: number): string {
  if (ms < HOUR_MS) return `${Math.floor(ms / 60_000)} min`;
  return `${counted.format(Math.round(ms / HOUR_MS))} h`;
}

/**
 * A hosted instance's month (the room's `billing.instanceHours`): "Awake 41 h this month ·
 * asleep 279 h · sleeping saved 1,395 credits"; the saving is left out until it slept.
 */
export function sleepHoursWords(hours: { awakeMs: number; asleepMs: number; savedCredits: number }): string {
  const awake = `Awake ${hoursWords(hours.awakeMs)} this month`;
  if (hours.asleepMs === 0) return `${awake} · never asleep`;
  const saved = `sleeping saved ${counted.format(hours.savedCredits)} credit${hours.savedCredits === 1 ? "" : "s"}`;
  return `${awake} · asleep ${hoursWords(hours.asleepMs)} · ${saved}`;
}
