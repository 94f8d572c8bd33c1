// Message Markdown (client/app/lib/markdown.tsx) rendered to static markup as the app
// renders it: hostile text must come out as text, never as markup or script.
import { createElement, type ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown, safeUrl } from "../app/lib/markdown";
import {
  lineNesting,
  MARKDOWN_CHUNK_CHARS,
  MARKDOWN_MAX_CHARS,
  MAX_LINE_NESTING,
  markdownPieces,
  PLAIN_NOTES,
  topLevelBlocks,
  treeDepth,
} from "../app/lib/markdown-bounds";
import { MESSAGE_FAILED_NOTE, MessageBoundary } from "../app/lib/message-boundary";

const html = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

/** Every element's opening tag in `markup`. */
const tags = (markup: string) =>
  [...markup.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)].map((m) => ({ name: m[1]!.toLowerCase(), attrs: m[2]! }));

/** What could run or load something: script-ish elements, event handlers, script URLs, remote sources. */
function executable(markup: string): string[] {
  const found: string[] = [];
  for (const { name, attrs } of tags(markup)) {
    if (
      [
        "script",
        "iframe",
        "object",
        "embed",
        "img",
        "svg",
        "math",
        "style",
        "link",
        "meta",
        "form",
        "base",
        "video",
        "audio",
        "source",
      ].includes(name)
    )
      found.push(`<${name}>`);
    if (/\son[a-z]+\s*=/i.test(attrs)) found.push(`handler on <${name}>`);
    if (/\s(src|srcset|style|formaction)\s*=/i.test(attrs)) found.push(`${name} ${attrs}`);
    for (const m of attrs.matchAll(/\shref="([^"]*)"/g))
      if (!/^(https?:|mailto:)/i.test(m[1]!)) found.push(`href ${m[1]}`);
  }
  return found;
}

describe("message Markdown", () => {
  it("renders a task list's boxes as states named for a screen reader", () => {
    const out = html("- [x] Tag the release\n- [ ] Write the notes");
    expect(out).toContain('class="contains-task-list"');
    expect(out).toMatch(
      /<input type="checkbox" disabled="" readonly="" aria-label="Done" checked=""\/> Tag the release/i,
    );
    expect(out).toMatch(/<input type="checkbox" disabled="" readonly="" aria-label="Not done"\/> Write the notes/i);
  });

  it("renders the basics: bold, inline code, a fenced code block with a copy button, lists, a table, a blockquote", () => {
    const out = html(
      "**bold** and `code`\n\n```ts\nconst a = 1;\n```\n\n- one\n- two\n\n1. first\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n> quoted",
    );
    expect(out).toContain("<strong>bold</strong>");
    expect(out).toContain("<code>code</code>");
    expect(out).toMatch(/<pre tabindex="0"><code class="language-ts">const a = 1;\n<\/code><\/pre>/);
    expect(out).toContain('aria-label="Copy code"');
    // The language and Copy sit in a bar of their own above the code, never over it.
    expect(out).toMatch(
      /<div class="md-code-head"><span class="md-code-lang">ts<\/span><button[^>]*>Copy<\/button><\/div><pre/,
    );
    expect(out).toContain("<li>one</li>");
    expect(out).toContain("<ol>");
    expect(out).toMatch(/<table>[\s\S]*<td>1<\/td>/);
    expect(out).toMatch(/<blockquote>\s*<p>quoted<\/p>/);
  });

  it("links open in a new tab with no referrer and no endorsement", () => {
    const out = html("[docs](https://example.com/a?b=1) and <https://example.org> and [mail](mailto:a@example.com)");
    expect(out).toContain(
      '<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer nofollow">docs</a>',
    );
    expect(out).toContain('<a href="https://example.org/" target="_blank" rel="noopener noreferrer nofollow">');
    expect(out).toContain('href="mailto:a@example.com"');
  });

  const hostile: [string, string][] = [
    ["a script element", "<script>alert(1)</script>"],
    ["an image with onerror", '<img src=x onerror="alert(1)">'],
    ["raw HTML with a handler", '<div onmouseover="alert(1)">hi</div><a href="javascript:alert(1)">x</a>'],
    ["an iframe and an svg", '<iframe src="https://evil.example"></iframe><svg onload=alert(1)></svg>'],
    ["a javascript: link", "[click](javascript:alert(1))"],
    [
      "an obfuscated javascript: link",
      "[click](JaVaScRiPt:alert(1)) [tab](java\tscript:alert(1)) [ent](&#106;avascript:alert(1))",
    ],
    ["a data: link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
    ["a vbscript: autolink", "<vbscript:msgbox(1)>"],
    ["a reference-style javascript: link", "[x][1]\n\n[1]: javascript:alert(1)"],
    ["a remote image (tracking pixel)", "![pixel](https://tracker.example/p.gif)"],
    ["an image with a javascript: source", "![x](javascript:alert(1))"],
    ["a relative link", "[x](/api/workspaces/w/members) [y](//evil.example/z)"],
    ["HTML inside a code span and block", "`<script>alert(1)</script>`\n\n```\n<img src=x onerror=alert(1)>\n```"],
  ];
  it.each(hostile)("%s renders nothing executable", (_, text) => {
    const out = html(text);
    expect(executable(out)).toEqual([]);
  });

  it("raw HTML shows as the text it is", () => {
    const out = html("<script>alert(1)</script>");
    expect(out).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).not.toContain("<script");
  });

  it("a remote image is a link to it, not loaded", () => {
    const out = html("![pixel](https://tracker.example/p.gif)");
    expect(out).not.toContain("<img");
    expect(out).toContain(
      '<a class="md-image" href="https://tracker.example/p.gif" target="_blank" rel="noopener noreferrer nofollow">[image: pixel]</a>',
    );
  });

  it("a dropped link keeps its words", () => {
    const out = html("[click me](javascript:alert(1))");
    expect(out).toContain("click me");
    expect(out).not.toContain("<a");
  });

  it("partial Markdown of a streaming reply renders (an open fence, open emphasis, half a table)", () => {
    const text = "Here:\n\n```js\nconsole.log(1)\n\n| a | b |\n| - |";
    for (let end = 0; end <= text.length; end++) expect(() => html(text.slice(0, end))).not.toThrow();
    expect(html("**bold but not closed")).toContain("**bold but not closed");
    expect(html("```js\nconsole.log(1)")).toMatch(/<pre tabindex="0"><code class="language-js">console.log\(1\)/);
  });

  it("a long message renders whole", () => {
    const text = Array.from({ length: 2000 }, (_, i) => `- item **${i}**`).join("\n");
    const out = html(text);
    expect(out.match(/<li>/g)).toHaveLength(2000);
  });

  it("safeUrl keeps only absolute http(s) and mailto addresses", () => {
    expect(safeUrl("https://example.com/x")).toBe("https://example.com/x");
    expect(safeUrl("HTTP://EXAMPLE.COM")).toBe("http://example.com/");
    expect(safeUrl("mailto:a@b.c")).toBe("mailto:a@b.c");
    for (const bad of [
      "javascript:alert(1)",
      " javascript:alert(1)",
      "java\nscript:alert(1)",
      "data:text/html,x",
      "vbscript:x",
      "file:///etc/passwd",
      "/relative",
      "#frag",
      "",
      "x".repeat(3000),
    ])
      expect(safeUrl(bad)).toBeUndefined();
  });
});

/** The text a reader sees in `markup` (tags dropped, entities read). */
const visibleText = (markup: string) =>
  markup
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, "&");

const range = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join("");
const atMost = (text: string) => text.slice(0, 32_000);

/**
 * Shapes whose cost grows faster than their length (after CommonMark's pathological tests),
 * each as long as a message may be. Before the bounds the first threw "Maximum call stack
 * size exceeded" (which blanked the app) and others held the page for minutes.
 */
const pathological: [string, string][] = [
  ["nested quotes (the reported message)", `${"> ".repeat(15000)}x`],
  ["nested bullets", `${"- ".repeat(15000)}x`],
  ["nested numbers", `${"1. ".repeat(10000)}x`],
  ["quotes and bullets", `${"> - ".repeat(7500)}x`],
  ["lists nested by indentation", atMost(range(250, (i) => `${" ".repeat(i)}* a\n`))],
  ["strong in strong", `${"**a ".repeat(3750)}x${" a**".repeat(3750)}`],
  ["a run of stars around a word", `${"*".repeat(15000)}x${"*".repeat(15000)}`],
  ["emphasis openers and closers that never match", "*a_ ".repeat(8000)],
  ["links nested in links", `${"[".repeat(6000)}x${"](u)".repeat(6000)}`],
  ["setext headings", "a\n=\n".repeat(8000)],
  ["link openers and emphasis closers", "[ a_".repeat(8000)],
  ["brackets and parentheses", "[ (](".repeat(6400)],
  ["setext headings in blocks of the largest piece", atMost(`${"a\n=\n".repeat(997)}\n\n`.repeat(9))],
  ["strong in strong in blocks", atMost(`${"**a ".repeat(490)}x${" a**".repeat(490)}\n\n`.repeat(9))],
];

describe("what a message's Markdown may cost", () => {
  it.each(pathological)("%s renders, its words kept", (_, text) => {
    expect(text.length).toBeLessThanOrEqual(32_000);
    const out = html(text);
    // Every character that is not Markdown syntax is still on the page.
    const words = (shown: string) => shown.replace(/[\s>*_[\]()=.#-]|\d+[.)]|\(u\)/g, "");
    const notes = Object.values(PLAIN_NOTES).reduce((shown, note) => shown.replaceAll(note, ""), visibleText(out));
    expect(words(notes)).toBe(words(text));
  });

  it("the reported message shows as its text with a note, not formatted", () => {
    const out = html(`${"> ".repeat(15000)}x`);
    expect(out).toContain('<p class="md-plain">&gt; &gt; ');
    expect(out).toContain(PLAIN_NOTES.deep);
    expect(out).not.toContain("<blockquote>");
  });

  it("nesting the parser would accept but the tree builders would follow too deep shows as text with a note", () => {
    const out = html(`${"**a ".repeat(200)}x${" a**".repeat(200)}`);
    expect(out).toContain(PLAIN_NOTES.deep);
    expect(out).not.toContain("<strong>");
    expect(visibleText(out)).toContain(`${"**a ".repeat(200)}x`);
  });

  it("ordinary nesting still renders as Markdown", () => {
    const out = html("> quoted\n> > twice\n\n- one\n  - two\n    - three **bold**");
    expect(out).toMatch(/<blockquote>[\s\S]*<blockquote>/);
    expect(out.match(/<ul>/g)).toHaveLength(3);
    expect(out).toContain("<strong>bold</strong>");
    expect(out).not.toContain("md-note");
  });

  it("a line's nesting counts its container markers and indentation", () => {
    expect(lineNesting("plain words > not a quote")).toBe(0);
    expect(lineNesting("> > - 1. x")).toBe(4);
    expect(lineNesting(">>>x")).toBe(3);
    expect(lineNesting("        - x")).toBe(5);
    expect(lineNesting("-not a bullet")).toBe(0);
    expect(lineNesting("> ".repeat(MAX_LINE_NESTING + 1))).toBe(MAX_LINE_NESTING + 1);
  });

  it("a tree's depth is walked without recursion", () => {
    type Node = { children?: Node[] };
    let deep: Node = {};
    for (let i = 0; i < 200_000; i++) deep = { children: [deep] };
    expect(treeDepth(deep)).toBe(200_000);
    expect(treeDepth({ children: [{}, { children: [{}] }] })).toBe(2);
  });

  it("a text as short as one piece is parsed whole, as it always was", () => {
    const text = "# Title\n\nSome *words*.\n\n- a\n- b\n\n```js\nx\n```\n";
    expect(markdownPieces(text)).toEqual([{ kind: "markdown", text }]);
  });

  it("blocks joined give back the text, CRLF line endings included", () => {
    const texts = [
      "a\r\n\r\nb\r\n- c\r\n- d\r\n",
      "```\ncode\n\nstill code\n```\nafter",
      "1. a\n2. b\n\n  indented\n\n# h\npara\n- x",
      "no line ending at all",
      "",
    ];
    for (const text of texts) expect(topLevelBlocks(text).join("")).toBe(text);
    expect(topLevelBlocks("para\n- one\n- two\n\nnext")).toEqual(["para\n", "- one\n", "- two\n\n", "next"]);
    // A fence's blank lines do not end it; a paragraph swallows "2. x", so that is no block of its own.
    expect(topLevelBlocks("```\na\n\nb\n```\nc\n2. d")).toEqual(["```\na\n\nb\n```\n", "c\n2. d"]);
    // A lone "-" may underline a heading: no cut before it.
    expect(topLevelBlocks("Title\n-\n")).toEqual(["Title\n-\n"]);
  });

  it("a long text is parsed in pieces no longer than MARKDOWN_CHUNK_CHARS, every one Markdown", () => {
    const text = range(2000, (i) => `- item **${i}**\n`);
    const pieces = markdownPieces(text);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.kind).toBe("markdown");
      expect(piece.text.length).toBeLessThanOrEqual(MARKDOWN_CHUNK_CHARS);
    }
    expect(pieces.map((p) => p.text).join("")).toBe(text);
  });

  it("a fenced code block longer than a piece shows as code, unparsed; another long block as text", () => {
    const code = range(1000, (i) => `  line ${i} **not bold** [not](a link)\n`);
    const [piece] = markdownPieces(`\`\`\`ts extra\n${code}\`\`\`\n`);
    expect(piece).toMatchObject({ kind: "code", lang: "ts", code });
    const out = html(`\`\`\`ts\n${code}\`\`\``);
    expect(out).toContain('<pre tabindex="0"><code class="language-ts">  line 0 **not bold** [not](a link)\n');
    expect(out).toContain('aria-label="Copy code"');
    const paragraph = "word ".repeat(MARKDOWN_CHUNK_CHARS);
    expect(markdownPieces(paragraph)).toEqual([{ kind: "plain", text: paragraph, reason: "long" }]);
    expect(html(paragraph)).toContain(PLAIN_NOTES.long);
  });

  it("past MARKDOWN_MAX_CHARS the rest is plain text", () => {
    const text = range(MARKDOWN_MAX_CHARS / 10 + 100, (i) => `${String(i).padStart(6, "0")} *a*\n\n`);
    const pieces = markdownPieces(text);
    const last = pieces[pieces.length - 1]!;
    expect(last.kind).toBe("plain");
    expect(pieces.filter((p) => p.kind === "markdown").reduce((sum, p) => sum + p.text.length, 0)).toBeLessThanOrEqual(
      MARKDOWN_MAX_CHARS,
    );
    expect(pieces.map((p) => p.text).join("")).toBe(text);
  });
});

describe("a message's error boundary", () => {
  // Server rendering has no error boundaries, so its states are rendered one by one here;
  // a browser runs the whole boundary (e2e-chat-browser).
  it("renders the message until it fails, then its text with a note; a new text tries again", () => {
    const child = createElement("p", null, "formatted");
    const boundary = new MessageBoundary({ text: "**hi** <b>there</b>", children: child });
    expect(renderToStaticMarkup(boundary.render() as ReactElement)).toBe("<p>formatted</p>");
    boundary.state = MessageBoundary.getDerivedStateFromError();
    const fallback = renderToStaticMarkup(boundary.render() as ReactElement);
    expect(fallback).toContain('<p class="md-plain">**hi** &lt;b&gt;there&lt;/b&gt;</p>');
    expect(fallback).toContain(MESSAGE_FAILED_NOTE);
    const updates: unknown[] = [];
    boundary.setState = (state: unknown) => updates.push(state);
    boundary.componentDidUpdate({ text: "**hi** <b>there</b>" });
    expect(updates).toEqual([]);
    boundary.componentDidUpdate({ text: "**hi**" });
    expect(updates).toEqual([{ failed: false }]);
  });
});
