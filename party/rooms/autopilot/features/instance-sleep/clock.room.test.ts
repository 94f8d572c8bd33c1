// The idle clock (clock.ts, decision 78) in a real room's SQLite and scheduler: a burst of
// traffic is one write, not one per message; the clock survives the room's eviction (a new
// object reads it back and sleeps the instance no earlier than its idle time) and is kept by
// one schedule row, with no timer in memory; with sleep off nothing is kept or scheduled.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { seedInstance } from "../../../../test/bridge-peer";
import { FIRST_BEAT_AFTER_MS } from "../../kernel/keep-alive";
import { storedClock, writeEvery } from "./clock";
import {
  freshRoom,
  IDLE,
  idleAlarms,
  inSleepRoom,
  later,
  runtimeStandIn,
  sleeperIn,
  sleepOf,
  withTestClock,
} from "./test/sleeper";

withTestClock();

/** The alarm's time (whole seconds) for a due time. */
const second = (at: number) => Math.ceil(at / 1000);

describe("the idle clock", () => {
  it("is written once for a burst of traffic, and the burst still restarts it", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, scheduler, runtime);
      const t0 = Date.now();
      sleeper.activity("inst", t0);
      await sleeper.alarmSet();
      expect(storedClock(sql, "inst")).toBe(t0);
      expect(await idleAlarms(scheduler)).toEqual([second(t0 + IDLE)]);
      // Fifty messages within a minute: the stored time stays, only the room's memory moves.
      for (let i = 1; i <= 50; i++) sleeper.activity("inst", t0 + i * 1000);
      await sleeper.alarmSet();
      expect(storedClock(sql, "inst")).toBe(t0);
      // The alarm set for the first rings and finds it not due: idle from the last message, not the first.
      vi.setSystemTime(t0 + IDLE + 10_000);
      await sleeper.due();
      expect(calls).toEqual([]);
      expect(await idleAlarms(scheduler)).toEqual([second(t0 + 50_000 + IDLE)]);
      // A message a minute on is written.
      sleeper.activity("inst", t0 + writeEvery(IDLE) + 1000);
      expect(storedClock(sql, "inst")).toBe(t0 + writeEvery(IDLE) + 1000);
    });
  });

  it("survives the room's eviction: read back from storage, one alarm, no timer, never sleeping early", async () => {
    const room = freshRoom();
    const t0 = Date.now();
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, scheduler, runtime);
      // The clock keeps no timer: nothing would hold the room in memory for the idle time. (The
      // room's own keep-alive, holding it for its start's work meanwhile, waits for its first beat.)
      const timers = vi.spyOn(globalThis, "setTimeout");
      try {
        sleeper.activity("inst", t0);
        sleeper.activity("inst", t0 + 5000);
        await sleeper.alarmSet();
        expect(timers.mock.calls.filter(([, ms]) => ms !== FIRST_BEAT_AFTER_MS)).toEqual([]);
      } finally {
        timers.mockRestore();
      }
      // Set for the last message's due time (the room's memory), stored is the first's.
      expect(await idleAlarms(scheduler)).toEqual([second(t0 + 5000 + IDLE)]);
      expect(storedClock(sql, "inst")).toBe(t0);
    }, room);
    await evictDurableObject(room);

    await inSleepRoom(async (sql, scheduler) => {
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, scheduler, runtime);
      // A new object: the message five seconds on was only in the old one's memory, so the
      // stored time counts with what storage may lag behind.
      sleeper.start();
      await sleeper.alarmSet();
      expect(storedClock(sql, "inst")).toBe(t0);
      const due = t0 + IDLE + writeEvery(IDLE);
      expect(await idleAlarms(scheduler)).toEqual([second(due)]);
      vi.setSystemTime(t0 + 5000 + IDLE + 1000);
      await sleeper.due();
      expect(calls).toEqual([]);
      vi.setSystemTime(due);
      await sleeper.due();
      expect(calls).toEqual(["sleep inst"]);
      expect(sleepOf(sql)?.state).toBe("asleep");
      expect(await idleAlarms(scheduler)).toEqual([]);
    }, room);
  });

  it("with sleep off keeps nothing and schedules nothing; turned off, it drops the clocks and their alarm", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls } = runtimeStandIn();
      const on = sleeperIn(sql, scheduler, runtime).sleeper;
      on.start();
      await on.alarmSet();
      expect(storedClock(sql, "inst")).not.toBeNull();
      expect(await idleAlarms(scheduler)).toHaveLength(1);
      // The operator set INSTANCE_SLEEP_AFTER_SECONDS=0: the room's next start.
      const off = sleeperIn(sql, scheduler, runtime, { idleMs: 0 }).sleeper;
      off.start();
      await off.alarmSet();
      expect(storedClock(sql, "inst")).toBeNull();
      expect(await idleAlarms(scheduler)).toEqual([]);
      off.activity("inst");
      await off.alarmSet();
      later();
      await off.due();
      expect(storedClock(sql, "inst")).toBeNull();
      expect(await idleAlarms(scheduler)).toEqual([]);
      expect(calls).toEqual([]);
    });
  });
});
