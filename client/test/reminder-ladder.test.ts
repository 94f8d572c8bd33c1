// The reminder ladder and quiet hours as the app's forms hold them (panels/ReminderLadderSettings.tsx,
// inbox/QuietHoursField.tsx): what they send is what the room's schema takes, and what it would
// refuse is refused before, in words that say what to do.
import { describe, expect, it } from "vitest";
import { DEFAULT_REMINDER_LADDER, ReminderLadder } from "../../shared/protocol/settings";
import { quietHoursProblem } from "../app/inbox/QuietHoursField";
import { type DraftStep, draftOf, ladderOf } from "../app/panels/ReminderLadderSettings";

const step = (minutes: string, more: Partial<DraftStep> = {}): DraftStep => ({
  minutes,
  add: "surface",
  risks: null,
  ...more,
});

describe("the reminder ladder's form", () => {
  it("shows the room's ladder and sends it back unchanged", () => {
    expect(draftOf(DEFAULT_REMINDER_LADDER).map((s) => s.minutes)).toEqual(["5", "15", "60"]);
    expect(ladderOf(draftOf(DEFAULT_REMINDER_LADDER))).toEqual(DEFAULT_REMINDER_LADDER);
  });

  it("sends waits in the room's bounds, risks only when not every one, and nothing the schema refuses", () => {
    const sent = ladderOf([
      step("0.02"),
      step("1440", { add: "admins", risks: ["low", "medium", "high", "critical"] }),
      step("90", { add: "owners", risks: ["high", "critical"] }),
    ]);
    expect(sent).toEqual([
      { afterMs: 1200, add: "surface" },
      { afterMs: 24 * 60 * 60_000, add: "admins" },
      { afterMs: 90 * 60_000, add: "owners", risks: ["high", "critical"] },
    ]);
    expect(ReminderLadder.safeParse(sent).success).toBe(true);
    expect(ladderOf([])).toEqual([]);
  });

  it("refuses a wait out of bounds or no risk at all, saying which step and what to do", () => {
    for (const minutes of ["", "0", "-5", "1441", "soon"])
      expect(() => ladderOf([step("5"), step(minutes)])).toThrow(/^Step 2: enter how many minutes/);
    expect(() => ladderOf([step("5", { risks: [] })])).toThrow("Step 1 is for no risk: tick at least one");
  });
});

describe("quiet hours' field", () => {
  it("takes a span, across midnight too, and refuses none or an empty end in words", () => {
    expect(quietHoursProblem(null)).toBeNull();
    expect(quietHoursProblem({ timeZone: "Asia/Tokyo", from: "23:00", to: "06:30" })).toBeNull();
    expect(quietHoursProblem({ timeZone: "UTC", from: "22:00", to: "22:00" })).toMatch(
      /^Quiet hours start and end at the same time: choose two different times, or turn quiet hours off/,
    );
    expect(quietHoursProblem({ timeZone: "UTC", from: "22:00", to: "" })).toMatch(
      /^Quiet hours need a start and an end/,
    );
  });
});
