import { describe, expect, it } from "vitest";
import { hoursWords, sleepHoursWords } from "../instance-sleep";

const HOUR = 3_600_000;

describe("a hosted instance's month in words", () => {
  it("says hours, or minutes under an hour", () => {
    expect([0, 25 * 60_000, HOUR, 41.4 * HOUR, 1205 * HOUR].map(hoursWords)).toEqual([
      "0 min",
      "25 min",
      "1 h",
      "41 h",
      "1,205 h",
    ]);
  });

  it("says awake, asleep and what sleeping saved", () => {
    expect(sleepHoursWords({ awakeMs: 41 * HOUR, asleepMs: 279 * HOUR, savedCredits: 1395 })).toBe(
      "Awake 41 h this month · asleep 279 h · sleeping saved 1,395 credits",
    );
    expect(sleepHoursWords({ awakeMs: 3 * HOUR, asleepMs: 0, savedCredits: 0 })).toBe(
      "Awake 3 h this month · never asleep",
    );
    expect(sleepHoursWords({ awakeMs: 0, asleepMs: 40 * 60_000, savedCredits: 1 })).toBe(
      "Awake 0 min this month · asleep 40 min · sleeping saved 1 credit",
    );
  });
});
