import { memo, type ReactNode, useEffect, useMemo, useRef, useState } from "react";
import ReactMarkdown, { type Components, type ExtraProps } from "react-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import type { Processor } from "unified";
import { MAX_TREE_DEPTH, type MarkdownPiece, markdownPieces, PLAIN_NOTES, treeDepth } from "./markdown-bounds";

// Message text rendered as Markdown. Every message is hostile (people, agent keys, the
// Autopilot's model and OpenClaw gateways all write them), so nothing here lets the
// text choose markup: react-markdown builds React elements from the Markdown syntax
// tree (no innerHTML anywhere), raw HTML in the text is shown as text (no rehype-raw),
// and a link or image address survives only as an absolute http(s) or mailto URL. What a
// text may cost to render is bounded too (markdown-bounds.ts): nesting too deep or a block
// too long shows as plain text.

/** Schemes a link may use; anything else (javascript:, data:, vbscript:, relative paths) is dropped. */
const SAFE_PROTOCOL = /^(https?|mailto):$/i;

/** `url` when it is an absolute http(s) or mailto URL, otherwise undefined. */
export function safeUrl(url: string | null | undefined): string | undefined {
  if (!url || url.length > 2048) return undefined;
  // Browsers ignore control characters and leading blanks in a scheme (`java\tscript:`), so
  // the URL parser decides what the scheme is, not a string match on the raw text.
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  return SAFE_PROTOCOL.test(parsed.protocol) ? parsed.href : undefined;
}

/** Copies a code block's text; says so for a moment. */
function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = () => {
    clearTimeout(timer.current);
    navigator.clipboard
      .writeText(text)
      .then(
        () => setState("copied"),
        () => setState("failed"),
      )
      .finally(() => {
        timer.current = setTimeout(() => setState("idle"), 1500);
      });
  };
  return (
    <button type="button" className="md-copy" onClick={copy} aria-label="Copy code">
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : "Copy"}
    </button>
  );
}

/**
 * A code block: its language and Copy in a bar of their own above the code, so the button
 * never covers a line. The code scrolls sideways; it takes focus so the keyboard can scroll it.
 */
function CodeBlock({ text, lang, children }: { text: string; lang?: string | undefined; children: ReactNode }) {
  return (
    <div className="md-code">
      <div className="md-code-head">
        <span className="md-code-lang">{lang ?? ""}</span>
        <CopyButton text={text} />
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a block that scrolls sideways must be reachable by keyboard to scroll */}
      <pre tabIndex={0}>{children}</pre>
    </div>
  );
}

/** A fenced block's language, from its code element's `language-…` class. */
function languageOf(node: ExtraProps["node"]): string | undefined {
  const code = node?.children?.[0] as { properties?: { className?: unknown } } | undefined;
  const classes = code?.properties?.className;
  const found = Array.isArray(classes) ? classes.find((c) => typeof c === "string" && c.startsWith("language-")) : null;
  return typeof found === "string" ? found.slice("language-".length).slice(0, 24) : undefined;
}

/** The plain text of a hast node's children (a code block's contents, for the copy button). */
function textOf(node: ExtraProps["node"]): string {
  if (!node) return "";
  let out = "";
  const walk = (n: { type: string; value?: string; children?: unknown[] }) => {
    if (n.type === "text") out += n.value ?? "";
    for (const child of n.children ?? []) walk(child as typeof n);
  };
  walk(node);
  return out;
}

const components: Components = {
  a({ href, children }) {
    const safe = safeUrl(href);
    if (!safe) return <span className="md-link-dropped">{children}</span>;
    return (
      <a href={safe} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    );
  },
  // A remote image would load as soon as the message shows (a tracking pixel, or a request
  // from every reader to a host the writer picked): shown as a link to it instead.
  img({ src, alt }) {
    const safe = safeUrl(typeof src === "string" ? src : undefined);
    const label = `image: ${alt || "untitled"}`;
    if (!safe) return <span className="md-image">[{label}]</span>;
    return (
      <a className="md-image" href={safe} target="_blank" rel="noopener noreferrer nofollow">
        [{label}]
      </a>
    );
  },
  pre({ node, children }) {
    return (
      <CodeBlock text={textOf(node).replace(/\n$/, "")} lang={languageOf(node)}>
        {children}
      </CodeBlock>
    );
  },
  // A task list's box says what it is to a screen reader (it is a state, not a control).
  input({ type, checked }) {
    if (type !== "checkbox") return null;
    return <input type="checkbox" checked={!!checked} disabled readOnly aria-label={checked ? "Done" : "Not done"} />;
  },
  table({ children }) {
    return (
      <div className="md-table">
        <table>{children}</table>
      </div>
    );
  },
};

/**
 * GitHub's Markdown (tables, strikethrough, task lists, autolinks) for parsing only: what
 * remark-gfm does less its Markdown writer, which nothing here uses and which would
 * otherwise ship in the app.
 */
function gfmParse(this: Processor): void {
  // The fields remark-parse reads (its types declare them; it is not imported here).
  const data = this.data() as { micromarkExtensions?: unknown[]; fromMarkdownExtensions?: unknown[] };
  data.micromarkExtensions = [...(data.micromarkExtensions ?? []), gfm()];
  data.fromMarkdownExtensions = [...(data.fromMarkdownExtensions ?? []), gfmFromMarkdown()];
}

/** A tree nested deeper than MAX_TREE_DEPTH, which the tree builders after the parser follow by recursion. */
interface TreeNode {
  type: string;
  value?: string;
  children?: TreeNode[];
  data?: { hProperties?: Record<string, unknown> };
}

/** A document whose tree is nested too deeply becomes its own text, as a paragraph, with a note under it. */
function boundDepth() {
  return (tree: TreeNode, file: { value: unknown }) => {
    if (treeDepth(tree) <= MAX_TREE_DEPTH) return;
    const paragraph = (className: string, value: string): TreeNode => ({
      type: "paragraph",
      data: { hProperties: { className: [className] } },
      children: [{ type: "text", value }],
    });
    tree.children = [paragraph("md-plain", String(file.value)), paragraph("md-note", PLAIN_NOTES.deep)];
  };
}

const plugins = [gfmParse, boundDepth];

/** Every address in the tree (react-markdown's own filter would keep relative ones); the components check again. */
const urlTransform = (url: string) => safeUrl(url) ?? null;

/** One piece of a text; re-rendered only when its own text changes (a streamed reply grows at its end). */
const Piece = memo(
  function Piece({ piece }: { piece: MarkdownPiece }) {
    switch (piece.kind) {
      case "markdown":
        return (
          <ReactMarkdown remarkPlugins={plugins} components={components} urlTransform={urlTransform}>
            {piece.text}
          </ReactMarkdown>
        );
      case "code":
        return (
          <CodeBlock text={piece.code.replace(/\n$/, "")} lang={piece.lang ?? undefined}>
            <code className={piece.lang ? `language-${piece.lang}` : undefined}>{piece.code}</code>
          </CodeBlock>
        );
      case "plain":
        return (
          <>
            <p className="md-plain">{piece.text}</p>
            <p className="md-note">{PLAIN_NOTES[piece.reason]}</p>
          </>
        );
    }
  },
  (before, after) => before.piece.kind === after.piece.kind && before.piece.text === after.piece.text,
);

/**
 * `text` as Markdown, in pieces of bounded cost (markdown-bounds.ts). Memoized on the text,
 * and each piece on its own, so a thread re-rendering (a new message, a streamed delta of
 * another reply) re-parses only what changed; a reply still streaming re-parses its last
 * piece at each delta, which Markdown tolerates (an unclosed fence or emphasis renders as
 * what it is so far).
 */
export const Markdown = memo(function Markdown({ text, className }: { text: string; className?: string }) {
  const pieces = useMemo(() => markdownPieces(text), [text]);
  return (
    <div className={className ? `md ${className}` : "md"}>
      {pieces.map((piece, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a text's pieces are in its order; an edit re-renders the ones after it
        <Piece key={index} piece={piece} />
      ))}
    </div>
  );
});
