// A task step's text goes out from its first visible character (decision 87).
import { describe, expect, it } from "vitest";
import { type StepDelta, visibleDeltas } from "./step-text";

const sent = (pieces: StepDelta[]) => {
  const out: StepDelta[] = [];
  const take = visibleDeltas((delta) => out.push(delta));
  for (const piece of pieces) take(piece);
  return out;
};

describe("a task step's text as it goes out", () => {
  it("nothing for a step whose text is only whitespace", () => {
    expect(sent([])).toEqual([]);
    expect(
      sent([
        { offset: 0, text: " " },
        { offset: 1, text: "\n\n" },
      ]),
    ).toEqual([]);
  });

  it("the whitespace before the first visible character with it at offset 0, then each piece where it goes", () => {
    expect(
      sent([
        { offset: 0, text: "\n" },
        { offset: 1, text: " Do" },
        { offset: 4, text: "ne." },
      ]),
    ).toEqual([
      { offset: 0, text: "\n Do" },
      { offset: 4, text: "ne." },
    ]);
  });

  it("a piece that rewrites what came before keeps the whole text the same as the model's", () => {
    const out = sent([
      { offset: 0, text: "  " },
      { offset: 1, text: "ab" },
      { offset: 2, text: "cd" },
    ]);
    let text = "";
    for (const delta of out) text = text.slice(0, delta.offset) + delta.text;
    expect(text).toBe(" acd");
  });
});
