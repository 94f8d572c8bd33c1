import { describe, expect, it } from "vitest";
import { plainSnippet, snippetRuns } from "../app/palette/items";

const marked = (text: string, ranges: [number, number][]) => {
  const plain = plainSnippet(text, ranges);
  return snippetRuns(plain.text, plain.ranges)
    .map((run) => (run.match ? `[${run.text}]` : run.text))
    .join("");
};

describe("a search snippet without its Markdown", () => {
  it("keeps the words of a task list, strong text and code, on one line", () => {
    const text = "Release checklist:\n\n- [x] Tag the release\n- [ ] Write the **notes** for `2.4`\n\nRun:";
    expect(plainSnippet(text).text).toBe("Release checklist: Tag the release Write the notes for 2.4 Run:");
  });

  it("moves the match ranges with the text", () => {
    const text = "# Plan\n\n> see **the notes** and `deploy` now";
    const notes = text.indexOf("notes");
    const deploy = text.indexOf("deploy");
    expect(
      marked(text, [
        [notes, notes + 5],
        [deploy, deploy + 6],
      ]),
    ).toBe("Plan see the [notes] and [deploy] now");
  });

  it("keeps a link's words and drops its address; drops fence lines, keeps their code", () => {
    expect(plainSnippet("See [the guide](https://example.test/g) first\n```sh\nnpm test\n```").text).toBe(
      "See the guide first npm test",
    );
  });

  it("reads a table as its cells, without pipes or its separator row (the walk saw “| Day | Owner | |---|---|”)", () => {
    const text = "| Day | Owner |\n|---|---|\n| Mon | **Ada** |";
    const ada = text.indexOf("Ada");
    expect(plainSnippet(text, [[ada, ada + 3]])).toEqual({ text: "Day · Owner Mon · Ada", ranges: [[18, 21]] });
  });

  it("leaves what is not syntax alone: snake_case, 2 * 3, a lone bracket", () => {
    expect(plainSnippet("call read_file_now with 2 * 3 [draft").text).toBe("call read_file_now with 2 * 3 [draft");
  });

  it("drops a match that was only syntax, and a cut's stray backtick", () => {
    const text = "…cut `here and **bold**";
    expect(plainSnippet(text, [[text.indexOf("**"), text.indexOf("**") + 2]])).toEqual({
      text: "…cut here and bold",
      ranges: [],
    });
  });
});
