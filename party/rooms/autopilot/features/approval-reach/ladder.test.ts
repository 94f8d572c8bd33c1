import { describe, expect, it } from "vitest";
import { percentile } from "./store";
import { type Candidate, firstRecipients, inQuietHours, planStep, reminderSurface, stepsFor } from "./ladder";

const at = (iso: string) => new Date(iso).getTime();
const night = { timeZone: "Europe/Berlin", from: "22:00", to: "07:00" };
const person = (id: string, role: Candidate["role"], more: Partial<Candidate> = {}): Candidate => ({
  id,
  name: id,
  role,
  quietHours: null,
  surfaces: ["mail"],
  ...more,
});

describe("the reminder ladder's rules", () => {
  it("reads quiet hours in the person's own zone, across midnight or within a day", () => {
    // 02:00 UTC in winter is 03:00 in Berlin.
    expect(inQuietHours(night, at("2026-01-15T02:00:00Z"))).toBe(true);
    expect(inQuietHours(night, at("2026-01-15T06:00:00Z"))).toBe(false);
    expect(inQuietHours(night, at("2026-01-15T21:00:00Z"))).toBe(true);
    expect(inQuietHours({ timeZone: "UTC", from: "12:00", to: "13:00" }, at("2026-01-15T12:30:00Z"))).toBe(true);
    expect(inQuietHours({ timeZone: "UTC", from: "12:00", to: "12:00" }, at("2026-01-15T12:30:00Z"))).toBe(false);
    expect(inQuietHours(null, at("2026-01-15T02:00:00Z"))).toBe(false);
  });

  it("sends first to the members awake, passing one asleep for the admins; a critical one wakes them", () => {
    const ben = person("ben", "member", { quietHours: night });
    const cara = person("cara", "admin");
    const ann = person("ann", "owner");
    const three = at("2026-01-15T02:00:00Z");
    expect(firstRecipients([ann, ben, cara], three, "high").to.map((c) => c.id)).toEqual(["cara"]);
    expect(firstRecipients([ann, ben, cara], three, "critical").to.map((c) => c.id)).toEqual(["ben"]);
    expect(firstRecipients([ann, ben, cara], at("2026-01-15T10:00:00Z"), "high").to.map((c) => c.id)).toEqual(["ben"]);
    // Nobody reachable: nobody to send to.
    expect(firstRecipients([person("x", "member", { surfaces: [] })], three, "low").to).toEqual([]);
    // Everyone asleep: it still goes, to the first of them.
    expect(firstRecipients([ben], three, "low").to.map((c) => c.id)).toEqual(["ben"]);
  });

  it("a reminder at 03:00 goes to the next person awake; admins and owners are added in turn", () => {
    const ben = person("ben", "member", { quietHours: night });
    const cara = person("cara", "admin");
    const ann = person("ann", "owner");
    const three = at("2026-01-15T02:00:00Z");
    const surface = { afterMs: 60_000, add: "surface" } as const;
    expect(planStep(surface, [ben, cara, ann], new Set(["ben"]), three, "high")).toMatchObject({
      remind: [],
      add: [{ id: "cara" }],
      asleep: [{ id: "ben" }],
    });
    expect(planStep(surface, [ben, cara, ann], new Set(["ben"]), three, "critical")).toMatchObject({
      remind: [{ id: "ben" }],
      add: [],
    });
    const admins = { afterMs: 60_000, add: "admins" } as const;
    expect(planStep(admins, [ben, cara, ann], new Set(["ben"]), at("2026-01-15T10:00:00Z"), "low").add).toEqual([cara]);
    // No admin: the next person awake, the owner.
    expect(planStep(admins, [ben, ann], new Set(["ben"]), at("2026-01-15T10:00:00Z"), "low").add).toEqual([ann]);
    expect(planStep({ afterMs: 1, add: "owners" }, [ben, ann], new Set(["ben", "ann"]), three, "low").add).toEqual([]);
  });

  it("a reminder takes a surface not used yet, chats first; steps can be for some risks only", () => {
    expect(reminderSurface(["app", "slack", "push", "mail"], ["app", "slack"])).toBe("push");
    expect(reminderSurface(["app", "slack", "push", "mail"], ["slack", "push"])).toBe("mail");
    expect(reminderSurface(["slack", "mail"], ["slack", "mail"])).toBe("slack");
    expect(reminderSurface(["app"], ["app"])).toBeNull();
    const ladder = [
      { afterMs: 1000, add: "surface" as const, risks: ["critical" as const] },
      { afterMs: 2000, add: "admins" as const },
    ];
    expect(stepsFor(ladder, "low").map((s) => s.add)).toEqual(["admins"]);
    expect(stepsFor(ladder, "critical").map((s) => s.add)).toEqual(["surface", "admins"]);
    expect(stepsFor(undefined, "low").map((s) => s.afterMs)).toEqual([300_000, 900_000, 3_600_000]);
  });

  it("percentiles by nearest rank", () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([10], 0.95)).toBe(10);
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.95)).toBe(95);
  });
});
