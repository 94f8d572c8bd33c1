import { describe, expect, it } from "vitest";
import { countText, timeUntil } from "../app/lib/format";

describe("how long until a deadline", () => {
  it("reads alike for items filed minutes apart: hours up to two days, never 'tomorrow'", () => {
    const now = Date.UTC(2026, 10, 26, 12, 0);
    const hour = 3_600_000;
    expect(timeUntil(now + 23.6 * hour, now)).toBe("in 24 hours");
    expect(timeUntil(now + 24.2 * hour, now)).toBe("in 24 hours");
    expect(timeUntil(now + 47 * hour, now)).toBe("in 47 hours");
    expect(timeUntil(now + 72 * hour, now)).toBe("in 3 days");
    expect(timeUntil(now + 20 * 60_000, now)).toBe("in 20 minutes");
    expect(timeUntil(now - 5000, now)).toBe("in 1 minute");
  });
});

describe("a count and its noun", () => {
  it("says 1 entry and 0 or 2 entries, never 1 entries", () => {
    expect(countText(1, "entry", "entries")).toBe("1 entry");
    expect(countText(0, "entry", "entries")).toBe("0 entries");
    expect(countText(1204, "entry", "entries")).toBe("1,204 entries");
  });
});
