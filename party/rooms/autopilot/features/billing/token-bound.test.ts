import { describe, expect, it } from "vitest";
import { reportedTokens } from "./token-bound";

describe("an endpoint's token figures", () => {
  it("are whole counts from zero up; anything else is no count", () => {
    expect(reportedTokens(1234)).toBe(1234);
    expect(reportedTokens(0)).toBe(0);
    // A fraction of a token is a whole one.
    expect(reportedTokens(2.5)).toBe(3);
    // Negative (it would credit the workspace), not a number, infinite, past any real call, missing.
    for (const figure of [-1, -5_000_000, Number.NaN, Number.POSITIVE_INFINITY, 1e13, undefined, null])
      expect(reportedTokens(figure)).toBeNull();
  });
});
