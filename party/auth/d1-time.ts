/** D1 hands a `date` column back as epoch milliseconds or as ISO text, depending on who wrote it. */
export function timeOf(value: string | number | null): number | null {
  if (value === null) return null;
  const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(n) ? n : null;
}
