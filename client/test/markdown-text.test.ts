import { describe, expect, it } from "vitest";
import { labelledMarkdownText, markdownPlain, markdownText } from "../app/lib/markdown-text";

describe("Markdown as the words it shows (previews, results, run logs, snippets)", () => {
  it("drops what the walk saw raw: headings, strong text, a table's pipes and separator row", () => {
    expect(markdownText("## House rules\n\nBe **kind**.")).toBe("House rules Be kind.");
    expect(markdownText("| Day | Owner |\n|---|---|\n| Mon | **Ada** |")).toBe("Day · Owner Mon · Ada");
    expect(markdownText("SAY: **Stand-up reminder** — post `status`")).toBe("SAY: Stand-up reminder — post status");
  });

  it("reads like the messages' renderer: syntax only where Markdown says so", () => {
    expect(markdownText("issue #12 and a # sign, 2 * 3 * 4, snake_case_name")).toBe(
      "issue #12 and a # sign, 2 * 3 * 4, snake_case_name",
    );
    expect(markdownText("escaped \\*stars\\* and &amp; entity")).toBe("escaped *stars* and & entity");
    expect(markdownText("![the diagram](https://example.test/d.png) then [docs](https://example.test)")).toBe(
      "the diagram then docs",
    );
    expect(markdownText("- [x] build\n- [ ] ~~deploy~~\n\n> quoted\n\n---\n\n1. first")).toBe(
      "build deploy quoted first",
    );
    expect(markdownText("```ts\nconst a = 1;\n```\n\n    indented code")).toBe("const a = 1; indented code");
    // Raw HTML is text in this app (it never becomes markup): it stays as written.
    expect(markdownText("<b>hi</b>")).toBe("<b>hi</b>");
  });

  it("keeps a label the room wrote before someone's Markdown", () => {
    expect(labelledMarkdownText("Task done: ## Report\n\nAll **8 steps** ran.")).toBe(
      "Task done: Report All 8 steps ran.",
    );
    expect(labelledMarkdownText("Ada Lovelace: ## House rules")).toBe("Ada Lovelace: House rules");
    expect(labelledMarkdownText("# no label here")).toBe("no label here");
  });

  it("says where each source character landed, for a snippet's match ranges", () => {
    const source = "# Plan **now**";
    const { text, at } = markdownPlain(source);
    expect(text).toBe("Plan now");
    expect(at[source.indexOf("now")]).toBe(text.indexOf("now"));
    expect(at[0]).toBe(-1);
  });

  it("stays bounded on hostile text: deep nesting does not overflow, long text is cut", () => {
    expect(markdownText(`${"> ".repeat(1500)}deep`)).toBe("deep");
    expect(markdownText(`${"*".repeat(20_000)}x`).length).toBeLessThanOrEqual(4000);
    expect(markdownText("word ".repeat(2000), 100).length).toBeLessThanOrEqual(100);
  });
});
