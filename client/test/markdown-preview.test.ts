import { describe, expect, it } from "vitest";
import { markdownPreview, PREVIEW_SOURCE_CHARS } from "../app/lib/markdown-preview";

describe("a message's preview line", () => {
  it("shows the words without the Markdown syntax", () => {
    expect(markdownPreview("Ship it **today**, see [the notes](https://example.test/n).")).toBe(
      "Ship it today, see the notes.",
    );
    expect(markdownPreview("# Release\n\n- [x] build\n- [ ] *deploy*\n\n> quoted `code`")).toBe(
      "Release build deploy quoted code",
    );
    expect(markdownPreview("```ts\nconst a = 1;\n```\nafter ~~that~~ __this__")).toBe("const a = 1; after that this");
    expect(markdownPreview("![diagram](https://example.test/x.png) 1. first")).toBe("diagram 1. first");
    expect(markdownPreview("## Result\n\n| step | state |\n|---|:---:|\n| build | **ok** |")).toBe(
      "Result step · state build · ok",
    );
  });

  it("reads Markdown as the messages' renderer does: an escape keeps its character, a table its cells", () => {
    expect(markdownPreview("escaped \\*stars\\* stay")).toBe("escaped *stars* stay");
    expect(markdownPreview("| Day | Owner |\n|---|---|\n| Thu | Ada |")).toBe("Day · Owner Thu · Ada");
  });

  it("leaves plain text and lone symbols as they are", () => {
    expect(markdownPreview("2 * 3 = 6 and snake_case_name")).toBe("2 * 3 = 6 and snake_case_name");
    expect(markdownPreview("<script>alert(1)</script>")).toBe("<script>alert(1)</script>");
  });

  it("reads only the start of a long message (a hostile one costs every canvas render the square of what is read)", () => {
    for (const text of ["word ".repeat(6400), `${"[".repeat(15000)}x${"](u)".repeat(4000)}`, "[a](<b".repeat(5000)]) {
      const preview = markdownPreview(text);
      expect(preview.length).toBeLessThanOrEqual(PREVIEW_SOURCE_CHARS);
      expect(preview.length).toBeGreaterThan(0);
    }
    expect(markdownPreview(`Hello **there**${" filler".repeat(5000)}`)).toMatch(/^Hello there filler/);
  });
});
