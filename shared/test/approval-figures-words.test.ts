import { describe, expect, it } from "vitest";
import { figuresParts, shortDuration } from "../approval-reach-words";
import type { ApprovalFigures } from "../protocol/approvals";

const none = { count: 0, p50Ms: null, p95Ms: null };
const base: ApprovalFigures = {
  since: 1,
  pending: 0,
  decided: 0,
  expiredTold: 0,
  expiredNobodyTold: 0,
  nobodyReachable: 0,
  toFirstNotice: none,
  toDecision: none,
};
const line = (f: ApprovalFigures) =>
  figuresParts(f)
    .map((p) => (p.bad ? `[${p.text}]` : p.text))
    .join(" · ");

describe("approval figures in /admin's words", () => {
  it("says durations in the largest whole unit, short", () => {
    expect(
      [0, 40_000, 59_400, 60_000, 179_000, 2 * 3600_000, 47 * 3600_000, 3 * 86_400_000].map(shortDuration),
    ).toEqual(["under 1 s", "40 s", "59 s", "1 min", "2 min", "2 h", "47 h", "3 d"]);
  });

  it("reads a workspace's figures as a line, marking expired approvals nobody was told of", () => {
    expect(line({ ...base, since: null })).toBe("No approvals yet");
    expect(line(base)).toBe(
      "0 decided · 0 expired with someone told · 0 expired with nobody told · first notice none yet · decided none yet",
    );
    expect(
      line({
        ...base,
        decided: 12,
        pending: 2,
        expiredTold: 1,
        expiredNobodyTold: 3,
        toFirstNotice: { count: 13, p50Ms: 40_000, p95Ms: 180_000 },
        toDecision: { count: 12, p50Ms: 9 * 60_000, p95Ms: 3 * 3600_000 },
      }),
    ).toBe(
      "12 decided · 2 pending · 1 expired with someone told · [3 expired with nobody told] · first notice p50 40 s, p95 3 min · decided p50 9 min, p95 3 h",
    );
  });
});
