// Cutting text to a length for display or a bound, never inside a surrogate pair.

/** `text` cut to at most `max` UTF-16 units, never inside a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = max > 0 && /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return text.slice(0, end);
}

/** `text` within `max` UTF-16 units, ending in "…" when it was cut. */
export const clip = (text: string, max: number): string => (text.length > max ? `${cutText(text, max - 1)}…` : text);
