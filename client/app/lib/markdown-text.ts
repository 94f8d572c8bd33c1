import type { Nodes } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";

// Markdown as the words it renders to, for the one-line places that show text, not
// formatting: a canvas card, an inbox item, a task's result, a run log line, a search
// snippet, a schedule's line. The same parser as the messages (micromark with GitHub's
// extensions, markdown.tsx) decides what is syntax, so a `#` inside a sentence stays and a
// heading's goes. Pure: no DOM; the result is only ever rendered as text.

/** How much of a text is parsed at most: the parser's worst shapes cost the square of what it reads. */
export const MARKDOWN_TEXT_MAX = 4000;

/** What is kept of a text: the words, and where each character of the source landed in them (-1: it was syntax). */
export interface PlainText {
  text: string;
  /** For each character of the (bounded) source: its index in `text`, or -1. */
  at: Int32Array;
}

type Node = Nodes & { children?: Node[]; value?: string; alt?: string | null };

/** Characters of `source` between `start` and `end` that spell `value`, in order (escapes and entities drop out). */
function keepAligned(keep: Uint8Array, source: string, start: number, end: number, value: string): void {
  let v = 0;
  for (let i = start; i < end && v < value.length; i++) {
    if (source[i] === value[v]) {
      keep[i] = 1;
      v++;
    }
  }
}

/**
 * Marks the source characters that are words: text, code (inline and fenced, without their
 * fences), raw HTML (shown as the text it is) and an image's description. The tree is walked
 * without recursion: a hostile text may nest as deep as its length allows.
 */
function markWords(tree: Node, source: string, keep: Uint8Array): void {
  const stack: Node[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const start = node.position?.start.offset;
    const end = node.position?.end.offset;
    if (start !== undefined && end !== undefined) {
      if (node.type === "text" || node.type === "html") keepAligned(keep, source, start, end, node.value ?? "");
      else if (node.type === "inlineCode" || node.type === "code") {
        // Past the opening fence or backticks: the value is what is between them.
        const value = node.value ?? "";
        const skip =
          node.type === "inlineCode" ? 1 : FENCE.test(source.slice(start, start + 6)) ? lineEnd(source, start) : 0;
        const from = value ? source.indexOf(value[0]!, start + skip) : -1;
        if (from >= 0 && from < end) keepAligned(keep, source, from, end, value);
      } else if (node.type === "image" && node.alt) keepAligned(keep, source, start + 2, end, node.alt);
    }
    if (node.children) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
}

/** A fenced code block's opening (an indented one has none: its code starts on its first line). */
const FENCE = /^ {0,3}(```|~~~)/;

/** The length of the line at `start` (a fence's opening line), counted from it. */
const lineEnd = (source: string, start: number): number => {
  const newline = source.indexOf("\n", start);
  return newline === -1 ? source.length - start : newline - start + 1;
};

/**
 * `markdown` as its words, with where each source character landed: syntax goes; what
 * separates words becomes one space (a line break, blanks) or " · " (a table's cell border
 * within a row). Reads at most `max` characters. `cut`: the text was cut out of a longer one
 * (a search snippet), so a lone backtick is the half of a code span the cut left, and goes.
 */
export function markdownPlain(markdown: string, max = MARKDOWN_TEXT_MAX, { cut = false } = {}): PlainText {
  const source = markdown.slice(0, max);
  const keep = new Uint8Array(source.length);
  try {
    const tree = fromMarkdown(source, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }) as Node;
    markWords(tree, source, keep);
  } catch {
    // A text the parser cannot read shows as it is.
    keep.fill(1);
  }
  const at = new Int32Array(source.length).fill(-1);
  let text = "";
  // What stands between the last word kept and the next: nothing, blanks, a cell border, a line break.
  let blank = false;
  let cell = false;
  let line = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\n") line = true;
    else if (/\s/.test(ch)) blank = true;
    else if (!keep[i] || (cut && ch === "`")) cell ||= ch === "|";
    else {
      if (text !== "") text += line || (blank && !cell) ? " " : cell ? " · " : "";
      blank = cell = line = false;
      text += ch;
      at[i] = text.length - 1;
    }
  }
  return { text, at };
}

/** `markdown` as the words it shows, on one line. */
export const markdownText = (markdown: string, max = MARKDOWN_TEXT_MAX): string => markdownPlain(markdown, max).text;

/**
 * A line the room wrote as a label and then someone's Markdown (`Task done: ## Report …`,
 * `Ada: **shipped**`): the label kept as it is, the rest as its words. A line without such a
 * label is read as Markdown whole.
 */
export function labelledMarkdownText(line: string, max = MARKDOWN_TEXT_MAX): string {
  const label = /^[^\n:]{1,80}: /.exec(line)?.[0];
  return label ? `${label}${markdownText(line.slice(label.length), max)}` : markdownText(line, max);
}
