import { markdownText } from "./markdown-text";

/**
 * How much of a message the preview reads. The card shows a line or two of it, and the
 * parser's worst shapes cost the square of what they read on a hostile text (a run of `[`),
 * which every render of the canvas would pay.
 */
export const PREVIEW_SOURCE_CHARS = 600;

/** Previews made lately, by their text: a canvas re-renders its cards far more often than their texts change. */
const made = new Map<string, string>();
const MADE_KEPT = 500;

/**
 * Markdown as the one line a preview shows (the canvas's thread card, an inbox item, a task's
 * outcome in a list): the words without their syntax (markdown-text.ts). Only ever rendered
 * as text, so this shapes, never sanitizes.
 */
export function markdownPreview(markdown: string): string {
  const source = markdown.slice(0, PREVIEW_SOURCE_CHARS);
  const kept = made.get(source);
  if (kept !== undefined) return kept;
  const preview = markdownText(source, PREVIEW_SOURCE_CHARS);
  if (made.size >= MADE_KEPT) made.delete(made.keys().next().value!);
  made.set(source, preview);
  return preview;
}
