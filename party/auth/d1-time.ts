/** D1 hands a `date` column back as epoch milliseconds or as ISO text, depending on who wrote it. */
export function timeOf(value: string | number | null): number | null {
  if (value === null) return null;
  const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * A stored time as the auth API has always sent it: what D1 holds (epoch milliseconds or
 * ISO text, depending on who wrote it); a `Date` (better-auth's adapter turns text dates
 * into one) as ISO text.
 */
export const timeText = (value: Date | string | number): string | number =>
  value instanceof Date ? value.toISOString() : value;
