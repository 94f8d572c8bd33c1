/**
 * How much of a message the preview reads. The card shows a line or two of it, and some of
 * the patterns below cost the square of what they read on a hostile text (a run of `[`),
 * which every render of the canvas would pay.
 */
export const PREVIEW_SOURCE_CHARS = 600;

/**
 * Markdown as the one line a preview shows (the canvas's thread card, an inbox item, a task's
 * outcome in a list): the words without their syntax. Only ever rendered as text, so this shapes, never sanitizes.
 */
export function markdownPreview(markdown: string): string {
  return (
    markdown
      .slice(0, PREVIEW_SOURCE_CHARS)
      // Fenced code keeps its code, not its fences or language tag.
      .replace(/^\s*(```|~~~)[^\n]*$/gm, "")
      // Images and links keep their words.
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
      // A table's separator row goes; its cells read as a list.
      .replace(/^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$/gm, "")
      .replace(/^[ \t]*\|(.*)\|[ \t]*$/gm, (_, cells: string) =>
        cells
          .split("|")
          .map((c) => c.trim())
          .join(" · "),
      )
      // Headings, quotes and list markers at the start of a line.
      .replace(/^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+(\[[ xX]\]\s+)?|\d+[.)]\s+)/gm, "")
      // Emphasis, strong, strikethrough and code spans.
      .replace(/(\*\*|__|~~)(?=\S)([\s\S]*?\S)\1/g, "$2")
      .replace(/(^|[^\w*])[*_](?=\S)([^*_\n]*?\S)[*_](?!\w)/g, "$1$2")
      .replace(/`+([^`]*)`+/g, "$1")
      .replace(/\s+/g, " ")
      .trim()
  );
}
