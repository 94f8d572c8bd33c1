// What a message's Markdown may cost to render. Every message is hostile, and the parser
// (micromark) and the tree builders after it have shapes that cost far more than their
// length: nesting that the tree builders follow by recursion (`"> ".repeat(15000)` overflows
// the stack and, unbounded, took the whole app down) and delimiter, bracket and heading runs
// whose cost grows with the square of the document. So a message is cut into pieces at its
// top-level blocks, each piece parsed as its own document of bounded length, and whatever
// is nested too deeply or too long to parse is shown as the text it is.
//
// Pure functions (no React): the renderer (markdown.tsx) and its unit test use them.

/** The longest text parsed as one Markdown document; a longer message is parsed block by block. */
export const MARKDOWN_CHUNK_CHARS = 4000;
/** How much of one text goes to the parser at most (the longest message the room accepts); the rest shows as plain text. */
export const MARKDOWN_MAX_CHARS = 32_000;
/** Container markers (`>`, list bullets, list numbers and indentation) that may open on one line. */
export const MAX_LINE_NESTING = 32;
/** How deep a parsed tree may be (blocks and inline, e.g. emphasis in emphasis) before it is shown as text. */
export const MAX_TREE_DEPTH = 100;

export type PlainReason = "deep" | "long";

/** One piece of a message, rendered on its own. */
export type MarkdownPiece =
  | { kind: "markdown"; text: string }
  /** A fenced code block too long to parse as Markdown: its lines shown as code, unparsed. */
  | { kind: "code"; text: string; code: string; lang: string | null }
  | { kind: "plain"; text: string; reason: PlainReason };

/** Why a piece is shown as plain text, said under it. */
export const PLAIN_NOTES: Record<PlainReason, string> = {
  deep: "Shown as plain text: nested too deeply to format.",
  long: "Shown as plain text: too long to format.",
};

/** A fence's opening line: up to three spaces, three or more backticks or tildes, then its info string. */
const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;
/** One container marker at a position: a quote, or a bullet or number followed by a blank or the line's end. */
const CONTAINER_MARKER = />|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)/y;

interface Fence {
  char: string;
  length: number;
  indent: number;
}

/** The fence `line` opens, or null. A backtick fence's info string may not hold a backtick (CommonMark). */
function openingFence(line: string): (Fence & { info: string }) | null {
  const m = FENCE_OPEN.exec(line);
  if (!m) return null;
  const [, indent, marker, info] = m as unknown as [string, string, string, string];
  if (marker[0] === "`" && info.includes("`")) return null;
  return { char: marker[0]!, length: marker.length, indent: indent.length, info: info.trim() };
}

/** Whether `line` closes `fence`: the same character, at least as many, nothing after but blanks. */
function closesFence(line: string, fence: Fence): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return !!m && m[1]![0] === fence.char && m[1]!.length >= fence.length;
}

const isBlank = (line: string) => /^[ \t]*$/.test(line);
/**
 * A line at the margin that starts a block of its own even right after other lines: a
 * bullet item with words (which a paragraph cannot swallow; a lone `-` could underline a
 * heading) or a heading.
 */
const STARTS_BLOCK = /^(?:[-+*][ \t]+\S|#{1,6}(?:[ \t]|$))/;
/** An ordered item at the margin; it starts a block of its own only after another one (a paragraph swallows `2. x`). */
const ORDERED_ITEM = /^\d{1,9}[.)][ \t]+\S/;

/**
 * How many containers `line` may open: its container markers, each level of indentation
 * before the first counted as one (a nested list is opened by indenting). An upper bound
 * that needs no parse; the parsed tree's own depth is checked after (treeDepth).
 */
export function lineNesting(line: string): number {
  let index = 0;
  let columns = 0;
  while (index < line.length && (line[index] === " " || line[index] === "\t")) {
    columns += line[index] === "\t" ? 4 : 1;
    index++;
  }
  let markers = 0;
  for (;;) {
    CONTAINER_MARKER.lastIndex = index;
    const m = CONTAINER_MARKER.exec(line);
    if (!m) break;
    markers++;
    index += m[0].length;
    while (index < line.length && (line[index] === " " || line[index] === "\t")) index++;
  }
  return markers + Math.floor(columns / 2);
}

/**
 * `text` cut into its top-level blocks, each ending where the next begins (joined, they are
 * `text`): before a line that starts at the margin after a blank line (which ends every open
 * paragraph, list and quote), before a list item or heading at the margin (a long list
 * parsed in parts is the same items in consecutive lists), and around each fenced code
 * block, whose blank lines do not end it. Lines keep their endings, so each block parses as
 * it would in place; only reference definitions and footnotes do not reach across blocks
 * parsed apart.
 */
export function topLevelBlocks(text: string): string[] {
  const blocks: string[] = [];
  let start = 0;
  let fence: Fence | null = null;
  let afterBlank = false;
  let afterOrderedItem = false;
  const cut = (at: number) => {
    if (at > start) blocks.push(text.slice(start, at));
    start = at;
  };
  for (let pos = 0; pos < text.length; ) {
    const newline = text.indexOf("\n", pos);
    const end = newline === -1 ? text.length : newline + 1;
    const line = text.slice(pos, newline === -1 ? text.length : newline).replace(/\r$/, "");
    if (fence) {
      if (closesFence(line, fence)) {
        fence = null;
        cut(end);
      }
    } else {
      const opened = openingFence(line);
      if (opened) {
        cut(pos);
        fence = opened;
      } else if (
        afterBlank
          ? !isBlank(line) && line[0] !== " " && line[0] !== "\t"
          : STARTS_BLOCK.test(line) || (afterOrderedItem && ORDERED_ITEM.test(line))
      ) {
        cut(pos);
      }
      afterBlank = !opened && isBlank(line);
      afterOrderedItem = !opened && ORDERED_ITEM.test(line);
    }
    pos = end;
  }
  cut(text.length);
  return blocks;
}

/** A block too long to parse: a fenced code block shown as code, anything else as plain text. */
function oversized(block: string): MarkdownPiece {
  const lines = block
    .replace(/\r?\n$/, "")
    .split("\n")
    .map((line) => line.replace(/\r$/, ""));
  const fence = openingFence(lines[0]!);
  if (!fence)
    return {
      kind: "plain",
      text: block,
      reason: lines.some((line) => lineNesting(line) > MAX_LINE_NESTING) ? "deep" : "long",
    };
  let body = lines.slice(1);
  if (body.length && closesFence(body[body.length - 1]!, fence)) body = body.slice(0, -1);
  // Content lines lose as much indentation as the opening fence had (CommonMark).
  const outdent = new RegExp(`^ {0,${fence.indent}}`);
  const code = body.map((line) => line.replace(outdent, "")).join("\n");
  const lang = /^[^\s`~]{1,40}/.exec(fence.info)?.[0] ?? null;
  // As the Markdown renderer gives a code block's text: ending in a line break.
  return { kind: "code", text: block, code: code ? `${code}\n` : "", lang };
}

/** A piece of at most MARKDOWN_CHUNK_CHARS: Markdown unless a line opens too many containers. */
function judged(chunk: string): MarkdownPiece {
  const tooDeep = chunk.split("\n").some((line) => lineNesting(line) > MAX_LINE_NESTING);
  return tooDeep ? { kind: "plain", text: chunk, reason: "deep" } : { kind: "markdown", text: chunk };
}

/**
 * `text` as the pieces it renders as: whole top-level blocks grouped into Markdown documents
 * of at most MARKDOWN_CHUNK_CHARS (a text that short is one piece, parsed as it always
 * was); a longer block plain text (a fenced code block: code, which needs no parse); a piece
 * with a line nested deeper than MAX_LINE_NESTING plain text; once MARKDOWN_MAX_CHARS have
 * gone to the parser, the rest plain text.
 */
export function markdownPieces(text: string): MarkdownPiece[] {
  const pieces: MarkdownPiece[] = [];
  let chunk = "";
  let offset = 0;
  let parsed = 0;
  const flush = () => {
    if (chunk) pieces.push(judged(chunk));
    chunk = "";
  };
  for (const block of topLevelBlocks(text)) {
    if (block.length > MARKDOWN_CHUNK_CHARS) {
      flush();
      pieces.push(oversized(block));
    } else if (parsed + block.length > MARKDOWN_MAX_CHARS) {
      flush();
      pieces.push({ kind: "plain", text: text.slice(offset), reason: "long" });
      return pieces;
    } else {
      parsed += block.length;
      if (chunk.length + block.length > MARKDOWN_CHUNK_CHARS) flush();
      chunk += block;
    }
    offset += block.length;
  }
  flush();
  return pieces;
}

/** How deep a syntax tree goes (the root is depth 0), walked without recursion. */
export function treeDepth(root: { children?: unknown[] }): number {
  let deepest = 0;
  const stack: [{ children?: unknown[] }, number][] = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    for (const child of node.children ?? []) stack.push([child as { children?: unknown[] }, depth + 1]);
  }
  return deepest;
}
