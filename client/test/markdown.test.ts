// Message Markdown (client/app/lib/markdown.tsx) rendered to static markup as the app
// renders it: hostile text must come out as text, never as markup or script.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown, safeUrl } from "../app/lib/markdown";

const html = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

/** Every element's opening tag in `markup`. */
const tags = (markup: string) => [...markup.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)].map((m) => ({ name: m[1]!.toLowerCase(), attrs: m[2]! }));

/** What could run or load something: script-ish elements, event handlers, script URLs, remote sources. */
function executable(markup: string): string[] {
  const found: string[] = [];
  for (const { name, attrs } of tags(markup)) {
    if (["script", "iframe", "object", "embed", "img", "svg", "math", "style", "link", "meta", "form", "base", "video", "audio", "source"].includes(name)) found.push(`<${name}>`);
    if (/\son[a-z]+\s*=/i.test(attrs)) found.push(`handler on <${name}>`);
    if (/\s(src|srcset|style|formaction)\s*=/i.test(attrs)) found.push(`${name} ${attrs}`);
    for (const m of attrs.matchAll(/\shref="([^"]*)"/g)) if (!/^(https?:|mailto:)/i.test(m[1]!)) found.push(`href ${m[1]}`);
  }
  return found;
}

describe("message Markdown", () => {
  it("renders the basics: bold, inline code, a fenced code block with a copy button, lists, a table, a blockquote", () => {
    const out = html("**bold** and `code`\n\n```ts\nconst a = 1;\n```\n\n- one\n- two\n\n1. first\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n> quoted");
    expect(out).toContain("<strong>bold</strong>");
    expect(out).toContain("<code>code</code>");
    expect(out).toMatch(/<pre><code class="language-ts">const a = 1;\n<\/code><\/pre>/);
    expect(out).toContain('aria-label="Copy code"');
    expect(out).toContain("<li>one</li>");
    expect(out).toContain("<ol>");
    expect(out).toMatch(/<table>[\s\S]*<td>1<\/td>/);
    expect(out).toMatch(/<blockquote>\s*<p>quoted<\/p>/);
  });

  it("links open in a new tab with no referrer and no endorsement", () => {
    const out = html("[docs](https://example.com/a?b=1) and <https://example.org> and [mail](mailto:a@example.com)");
    expect(out).toContain('<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer nofollow">docs</a>');
    expect(out).toContain('<a href="https://example.org/" target="_blank" rel="noopener noreferrer nofollow">');
    expect(out).toContain('href="mailto:a@example.com"');
  });

  const hostile: [string, string][] = [
    ["a script element", "<script>alert(1)</script>"],
    ["an image with onerror", '<img src=x onerror="alert(1)">'],
    ["raw HTML with a handler", '<div onmouseover="alert(1)">hi</div><a href="javascript:alert(1)">x</a>'],
    ["an iframe and an svg", '<iframe src="https://evil.example"></iframe><svg onload=alert(1)></svg>'],
    ["a javascript: link", "[click](javascript:alert(1))"],
    ["an obfuscated javascript: link", "[click](JaVaScRiPt:alert(1)) [tab](java\tscript:alert(1)) [ent](&#106;avascript:alert(1))"],
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
    expect(out).toContain('<a class="md-image" href="https://tracker.example/p.gif" target="_blank" rel="noopener noreferrer nofollow">[image: pixel]</a>');
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
    expect(html("```js\nconsole.log(1)")).toMatch(/<pre><code class="language-js">console.log\(1\)/);
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
    for (const bad of ["javascript:alert(1)", " javascript:alert(1)", "java\nscript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd", "/relative", "#frag", "", "x".repeat(3000)])
      expect(safeUrl(bad)).toBeUndefined();
  });
});
