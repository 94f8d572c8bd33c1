import { describe, expect, it } from "vitest";
import {
  actionWords,
  cronWords,
  defaultPicked,
  intervalWords,
  pickerCron,
  pickerOf,
  pickerWhen,
  previewNextRun,
  runsAsWords,
  whenWords,
  zonesMatching,
  zoneWords,
} from "../app/lib/schedule-words";

describe("a schedule in words", () => {
  it("says its times as a person would, with the zone by its city", () => {
    expect(whenWords({ kind: "cron", expression: "0 9 * * 1-5", timeZone: "Europe/Berlin" })).toBe(
      "every weekday at 09:00, Berlin time",
    );
    expect(whenWords({ kind: "cron", expression: "30 8 1 * *", timeZone: "America/New_York" })).toBe(
      "on day 1 of every month at 08:30, New York time",
    );
    expect(whenWords({ kind: "cron", expression: "0 * * * *", timeZone: "UTC" })).toBe("every hour, on the hour, UTC");
    expect(whenWords({ kind: "cron", expression: "*/15 9-17 * * 1-5", timeZone: "UTC" })).toMatch(
      /^every 15 minutes, between 09:00 and 17:59, monday through friday, UTC$/i,
    );
    expect(whenWords({ kind: "every", everyMs: 15 * 60_000 })).toBe("every 15 minutes");
    expect(whenWords({ kind: "every", everyMs: 86_400_000 })).toBe("every day");
    expect(intervalWords(2 * 3_600_000)).toBe("2 hours");
    expect(zoneWords("America/Argentina/Buenos_Aires")).toBe("Buenos Aires time");
    expect(cronWords("not cron")).toBeNull();
  });

  it("the picker writes cron for each choice and reads it back to the same choice", () => {
    const base = { ...defaultPicked(0), timeZone: "Europe/Berlin", time: "09:30" };
    const cases = [
      [{ ...base, repeat: "daily" as const }, "30 9 * * *"],
      [{ ...base, repeat: "weekdays" as const }, "30 9 * * 1-5"],
      [{ ...base, repeat: "weekly" as const, weekday: 3 }, "30 9 * * 3"],
      [{ ...base, repeat: "monthly" as const, monthDay: 15 }, "30 9 15 * *"],
      [{ ...base, repeat: "hourly" as const, time: "00:30" }, "30 * * * *"],
    ] as const;
    for (const [picked, cron] of cases) {
      expect(pickerCron(picked)).toBe(cron);
      const when = pickerWhen(picked);
      expect(when).toEqual({ kind: "cron", expression: cron, timeZone: "Europe/Berlin" });
      expect(pickerOf(when!).repeat).toBe(picked.repeat);
      expect(pickerCron(pickerOf(when!))).toBe(cron);
    }
    expect(pickerOf({ kind: "cron", expression: "0 9 * 1 *", timeZone: "UTC" }).repeat).toBe("custom");
    expect(pickerWhen({ ...base, repeat: "interval", minutes: 20 })).toEqual({ kind: "every", everyMs: 1_200_000 });
    expect(pickerWhen({ ...base, repeat: "interval", minutes: 0 })).toBeNull();
  });

  it("previews the next run in the schedule's zone", () => {
    const now = Date.UTC(2026, 10, 26, 12, 0); // a Thursday, 13:00 in Berlin
    const next = previewNextRun({ kind: "cron", expression: "0 9 * * 1-5", timeZone: "Europe/Berlin" }, now);
    expect(next).toBe(Date.UTC(2026, 10, 27, 8, 0));
    expect(previewNextRun({ kind: "once", at: now - 1 }, now)).toBeNull();
  });

  it("says what it does as the words its Markdown shows (the walk saw “posts “SAY: **Stand-up reminder**…””)", () => {
    expect(
      actionWords({ action: { kind: "prompt", threadId: "thr_1", text: "SAY: **Stand-up reminder**\n\n- blockers?" } }),
    ).toBe("posts “SAY: Stand-up reminder blockers?”");
    expect(actionWords({ action: { kind: "task", goal: "## Weekly digest\nSummarise `#support`" } })).toBe(
      "gives the Autopilot the task “Weekly digest Summarise #support”",
    );
  });
});

describe("the schedule dialog's words", () => {
  it("tells Bob that Alice's schedule runs as Alice, and a new one or his own as him", () => {
    const alice = { id: "u_alice", name: "Alice Owner" };
    expect(runsAsWords(alice, "u_bob")).toBe("It runs as Alice Owner");
    expect(runsAsWords(alice, "u_alice")).toBe("It runs as you");
    expect(runsAsWords(null, "u_bob")).toBe("It runs as you");
  });

  it("finds a time zone by any words of its name", () => {
    const zones = ["UTC", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Europe/Berlin"];
    expect(zonesMatching("new york", zones)).toEqual(["America/New_York"]);
    expect(zonesMatching("TOKYO", zones)).toEqual(["Asia/Tokyo"]);
    expect(zonesMatching("america", zones)).toEqual(["America/New_York", "America/Los_Angeles"]);
    expect(zonesMatching("  ", zones)).toEqual(zones);
    expect(zonesMatching("atlantis", zones)).toEqual([]);
  });
});
