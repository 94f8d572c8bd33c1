// The tests' clock (decision 85) in workerd: the route does not exist without DEV_TEST_CLOCK
// (these tests' Worker, like production, has no such var), the moved `Date` is what the rooms
// read, and a room's alarm asked for on the moved clock is set at the real time it stands for.
import { runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { alarmsOnTestClock, removeTestClock, setTestClock } from "../domain/test-clock";
import { autopilotStub, uniq } from "../test/harness";

const DAY = 24 * 3600_000;

afterEach(() => removeTestClock());

describe("the dev clock route", () => {
  it("is a 404 without DEV_TEST_CLOCK, on loopback too, for reads and moves alike", async () => {
    for (const origin of ["http://127.0.0.1", "http://localhost", "http://autopilot.test"]) {
      const read = await SELF.fetch(`${origin}/api/dev/clock`);
      expect(read.status).toBe(404);
      const move = await SELF.fetch(`${origin}/api/dev/clock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ offsetMs: -DAY }),
      });
      expect(move.status).toBe(404);
    }
  });
});

describe("the moved clock", () => {
  it("moves Date.now() and new Date(), and leaves a Date of a given time, Date() and instanceof as they were", () => {
    const real = Date.now();
    setTestClock(-3 * DAY);
    expect(Date.now() - real).toBeGreaterThan(-3 * DAY - 60_000);
    expect(Date.now() - real).toBeLessThanOrEqual(-3 * DAY + 60_000);
    expect(Math.abs(Date.parse(new Date().toISOString()) - Date.now())).toBeLessThan(60_000);
    expect(new Date(0).toISOString()).toBe("1970-01-01T00:00:00.000Z");
    expect(new Date() instanceof Date).toBe(true);
    expect(Date.UTC(2026, 0, 1)).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(typeof Date()).toBe("string");
    setTestClock(0);
    expect(Math.abs(Date.now() - real)).toBeLessThan(60_000);
  });

  it("refuses an offset beyond a month either way", () => {
    expect(() => setTestClock(32 * DAY)).toThrow(RangeError);
    expect(() => setTestClock(-32 * DAY)).toThrow(RangeError);
    expect(() => setTestClock(0.5)).toThrow(RangeError);
  });

  it("sets a room's alarm at the real time a moved time stands for, and reads it back moved; without the var it leaves storage alone", async () => {
    const stub = autopilotStub(uniq("clock-"));
    await runInDurableObject(stub, async (_room, state) => {
      const storage = state.storage;
      const realSet = storage.setAlarm;
      alarmsOnTestClock(storage, {});
      expect(storage.setAlarm).toBe(realSet);

      const realGet = storage.getAlarm.bind(storage);
      alarmsOnTestClock(storage, { DEV_TEST_CLOCK: "1" });
      try {
        setTestClock(-2 * DAY);
        const asked = Date.now() + 3600_000;
        await storage.setAlarm(asked);
        // workerd holds the real time: an hour from the real now, not two days ago (which would ring at once).
        const held = (await realGet())!;
        expect(held - asked).toBe(2 * DAY);
        expect(await storage.getAlarm()).toBe(asked);
        // The clock moves on: the same alarm reads as due later, by as much.
        setTestClock(-1 * DAY);
        expect(await storage.getAlarm()).toBe(asked + DAY);
      } finally {
        await storage.deleteAlarm();
        // The prototype's own again.
        delete (storage as Partial<DurableObjectStorage>).setAlarm;
        delete (storage as Partial<DurableObjectStorage>).getAlarm;
      }
    });
  });
});
