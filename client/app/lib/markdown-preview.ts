import { markdownText } from "./markdown-text";

/**
 * How much of a message the preview reads. The card shows a line or two of it, and the
 * parser's worst shapes cost the square of what they read on a hostile text (a run of `[`),
 * which every render of the canvas would pay.
 */
export const PREVIEW_SOURCE_CHARS = 600;

/**
 * Markdown as the one line a preview shows (the canvas's thread card, an inbox item, a task's
 * outcome in a list): the words without their syntax (markdown-text.ts). Only ever rendered
 * as text, so this shapes, never sanitizes.
 */
export const markdownPreview = (markdown: string): string => markdownText(markdown, PREVIEW_SOURCE_CHARS);
