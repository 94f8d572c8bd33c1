// How a message names someone: `@Name`, read by the room (the inbox notes who a message
// mentions) and written by the app's composer (its @mention autocomplete), one rule for both.

/** Whether `text` addresses `name` as `@name` (case-insensitive; not the start of a longer name). */
export function mentions(text: string, name: string): boolean {
  if (!name.trim()) return false;
  const escaped = name.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}_@])@${escaped}(?![\\p{L}\\p{N}_])`, "iu").test(text);
}
