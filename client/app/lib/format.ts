/** Small, locale-aware formatting shared by panels and nodes. */
const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function relativeTime(at: number, now = Date.now()): string {
  const seconds = Math.round((at - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.round(seconds / 86_400), "day");
}

const always = new Intl.RelativeTimeFormat(undefined, { numeric: "always" });

/**
 * How long until a deadline, the same way for every item: "in 45 minutes", "in 24 hours",
 * "in 3 days" (never "tomorrow" beside "in 23 hours" for items filed minutes apart). Hours up
 * to two days, so a day-long expiry reads alike whether it is 23.6 or 24.2 hours away.
 */
export function timeUntil(at: number, now = Date.now()): string {
  const minutes = Math.max(1, Math.round((at - now) / 60_000));
  if (minutes < 60) return always.format(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours < 48) return always.format(hours, "hour");
  return always.format(Math.round(hours / 24), "day");
}

export function clockTime(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join("");
}

const count = new Intl.NumberFormat("en-US");

/** "1 entry", "0 entries", "1,204 entries": a count with its noun in the right number. */
export function countText(n: number, one: string, many: string): string {
  return `${count.format(n)} ${n === 1 ? one : many}`;
}
