// The room's half of sleep (sleeper.ts, decision 78) in a real room's storage and scheduler,
// with a stand-in for the runtime and the bridge's view (test/sleeper.ts): an idle instance
// sleeps once its idle alarm rings; a live channel, a waiting message or a connected device
// keeps it awake and says so; traffic wakes it once, after the stop; a room restarted mid-wake
// asks again; the runtime's status moves it asleep → waking → awake, and asleep hours are not
// metered. The clock's storage and alarm: clock.room.test.ts; wakes the plan refuses:
// wake-limits.room.test.ts. The real runtime and gateway: runtime/test/e2e-gateway.test.ts and
// client/test/e2e-bridge.test.ts.
import { describe, expect, it, vi } from "vitest";
import { sleepWords } from "../../../../../shared/instance-sleep";
import type { Instance } from "../../../../../shared/protocol/instances";
import { seedInstance } from "../../../../test/bridge-peer";
import { runtimeStatus } from "../../../../test/instance-ops";
import { commitTo } from "../../kernel/commit";
import { getInstance, markOutbound, mirrorStatus, recordGatewayRequest } from "../instance-store";
import { isRunning } from "../metering/billing-meters";
import { storedClock } from "./clock";
import {
  idleAlarms,
  inSleepRoom,
  later,
  queueMessage,
  runtimeStandIn,
  sleeperIn,
  sleepOf,
  withTestClock,
} from "./test/sleeper";

withTestClock();

describe("an idle hosted instance", () => {
  it("sleeps once its idle time passed: asleep for every client, the runtime asked once, its hours no longer metered", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls, finishSleep } = runtimeStandIn();
      const { sleeper, events } = sleeperIn(sql, scheduler, runtime);
      sleeper.activity("inst");
      // The alarm rings before the idle time ran out: nothing to do yet.
      later(60_000);
      await sleeper.due();
      expect(calls).toEqual([]);
      later();
      await sleeper.due();
      expect(calls).toEqual(["sleep inst"]);
      // Asleep in the room before the runtime answers: traffic from now on wakes it.
      expect(sleepOf(sql)).toMatchObject({ state: "asleep", keptAwakeBy: null });
      finishSleep();
      await vi.waitFor(() => expect(calls).toEqual(["sleep inst", "slept inst"]));
      const published = events.filter((e) => e.event === "instance.updated").at(-1);
      expect((published?.payload as { instance: Instance } | undefined)?.instance.sleep?.state).toBe("asleep");
      // The runtime's status then says so too: still ready for older clients, asleep in its phase.
      const mirrored = mirrorStatus(
        { sql, commit: commitTo(sql, 1000, () => {}) },
        "inst",
        runtimeStatus({ state: "asleep", phase: "asleep" }),
      )!;
      expect(mirrored).toMatchObject({ status: "ready", phase: "asleep", bridge: "offline", bridgeError: null });
      expect(isRunning(mirrored)).toBe(false);
      expect(sleepWords(mirrored, Date.now())).toBe("asleep: the next message wakes it");
      // Asleep, it has no clock and the room no idle alarm.
      expect(storedClock(sql, "inst")).toBeNull();
      expect(await idleAlarms(scheduler)).toEqual([]);
    });
  });

  it("with a live channel never sleeps, and says why", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, {
        kind: "hosted",
        bridge: "connected",
        channels: [{ channel: "whatsapp", label: "WhatsApp", state: "connected" }],
      });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, scheduler, runtime);
      sleeper.activity("inst");
      later();
      await sleeper.due();
      expect(sleepOf(sql)?.keptAwakeBy).toBe("WhatsApp is connected");
      expect(calls).toEqual([]);
      // Its clock starts again: the room looks again after another idle time.
      expect(await idleAlarms(scheduler)).toHaveLength(1);
      expect(sleepOf(sql)?.state).toBe("awake");
      expect(sleepWords(getInstance(sql, "inst")!, Date.now())).toBe("stays awake: WhatsApp is connected");
    });
  });

  it("stays awake while a reply is written, then while a message waits to be sent", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls } = runtimeStandIn();
      const bridge = { connected: true, streams: [{ runId: "r1" }] as unknown[] };
      const { sleeper } = sleeperIn(sql, scheduler, runtime, { bridge });
      sleeper.activity("inst");
      later();
      await sleeper.due();
      expect(sleepOf(sql)?.keptAwakeBy).toBe("a reply is being written");
      bridge.streams = [];
      queueMessage(sql, "msg_1");
      later();
      await sleeper.due();
      expect(sleepOf(sql)?.keptAwakeBy).toBe("messages are on their way to it");
      expect(calls).toEqual([]);
    });
  });

  it("stays awake while a gateway approval waits, named before the reply it holds up", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      queueMessage(sql, "msg_4");
      markOutbound(sql, "msg_4", "sent");
      commitTo(sql, 1000, () => {})(null, (ctx) =>
        recordGatewayRequest(ctx, {
          instanceId: "inst",
          requestId: "ex-1",
          title: "Inst wants to run: ls",
          details: "Command: ls",
          risk: "high",
          threadId: null,
          expiresAt: null,
          action: { kind: "exec", instanceId: "inst", requestId: "ex-1", command: "ls", cwd: null, sessionKey: null },
        }),
      );
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, scheduler, runtime, {
        bridge: { connected: true, streams: [{ runId: "msg_4" }] },
      });
      sleeper.activity("inst");
      later();
      await sleeper.due();
      expect(sleepOf(sql)?.keptAwakeBy).toBe("a gateway approval is waiting");
      expect(calls).toEqual([]);
    });
  });

  it("stays awake while a message it was sent has no reply yet, before any token streamed", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      queueMessage(sql, "msg_3");
      markOutbound(sql, "msg_3", "sent");
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, scheduler, runtime);
      sleeper.activity("inst");
      later();
      await sleeper.due();
      expect(sleepOf(sql)?.keptAwakeBy).toBe("a reply is being written");
      expect(calls).toEqual([]);
    });
  });

  it("with a device connected through the runtime stays awake: the runtime refuses, the room says why", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls } = runtimeStandIn("instance ws_test/inst stays awake: a device or node is connected");
      const { sleeper, settled } = sleeperIn(sql, scheduler, runtime);
      sleeper.activity("inst");
      later();
      await sleeper.due();
      await settled();
      expect(sleepOf(sql)?.keptAwakeBy).toBe("a device or node is connected");
      expect(sleepOf(sql)?.state).toBe("awake");
      expect(calls[0]).toBe("sleep inst");
    });
  });

  it("a linked gateway is not ours to stop: it never sleeps", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "linked", bridge: "connected" });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, scheduler, runtime);
      sleeper.activity("inst");
      await sleeper.alarmSet();
      // No clock, no alarm; its idle time passes and an alarm rings: nothing asked of the runtime, nothing written.
      expect(storedClock(sql, "inst")).toBeNull();
      expect(await idleAlarms(scheduler)).toEqual([]);
      later();
      await sleeper.due();
      expect(calls).toEqual([]);
      expect(sleepOf(sql)).toBeUndefined();
    });
  });
});

describe("traffic for an asleep instance", () => {
  it("wakes it once, after its stop reached the runtime; the runtime's start moves it waking → awake with its wake time", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls, finishSleep } = runtimeStandIn();
      const { sleeper, settled } = sleeperIn(sql, scheduler, runtime);
      sleeper.activity("inst");
      later();
      await sleeper.due();
      expect(calls).toEqual(["sleep inst"]);
      // A message comes while the stop is on its way: the start waits for it.
      sleeper.wake("inst");
      sleeper.wake("inst");
      expect(sleepOf(sql)?.state).toBe("waking");
      expect(calls).toEqual(["sleep inst"]);
      finishSleep();
      await vi.waitFor(() => expect(calls).toEqual(["sleep inst", "slept inst", "provision inst"]));
      await settled();
      const commit = commitTo(sql, 1000, () => {});
      mirrorStatus({ sql, commit }, "inst", runtimeStatus({ state: "starting", phase: "waiting for port" }));
      expect(sleepOf(sql)?.state).toBe("waking");
      expect(sleepWords(getInstance(sql, "inst")!, sleepOf(sql)!.since)).toBe("waking…");
      mirrorStatus({ sql, commit }, "inst", runtimeStatus({ state: "ready", phase: "ready", startupMs: 9000 }));
      expect(sleepOf(sql)).toMatchObject({ state: "awake", wakeMs: 9000 });
      expect(isRunning(getInstance(sql, "inst")!)).toBe(true);
    });
  });

  it("a room restarted during a wake asks the runtime again; one asleep with a message waiting is woken at the start", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, {
        kind: "hosted",
        bridge: "offline",
        sleep: { state: "waking", since: 1, wakeMs: 8000, keptAwakeBy: null },
      });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper, settled } = sleeperIn(sql, scheduler, runtime, { bridge: { connected: false, streams: [] } });
      sleeper.start();
      await vi.waitFor(() => expect(calls).toEqual(["provision inst"]));
      await settled();
      // "waking… (about N s)": from the last wake's time.
      expect(sleepWords(getInstance(sql, "inst")!, 3001)).toBe("waking… (about 5 s)");
    });
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, {
        kind: "hosted",
        bridge: "offline",
        sleep: { state: "asleep", since: 1, wakeMs: null, keptAwakeBy: null },
      });
      queueMessage(sql, "msg_2");
      const { runtime, calls } = runtimeStandIn();
      const { sleeper, settled } = sleeperIn(sql, scheduler, runtime, { bridge: { connected: false, streams: [] } });
      sleeper.start();
      expect(sleepOf(sql)?.state).toBe("waking");
      await vi.waitFor(() => expect(calls).toEqual(["provision inst"]));
      await settled();
    });
  });

  it("a decision made while it slept waits for the wake: it runs once the bridge is connected again", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, {
        kind: "hosted",
        bridge: "offline",
        sleep: { state: "asleep", since: 1, wakeMs: null, keptAwakeBy: null },
      });
      const { runtime, calls } = runtimeStandIn();
      const bridge = { connected: false, streams: [] };
      const { sleeper } = sleeperIn(sql, scheduler, runtime, { bridge });
      const awake = sleeper.awake("inst", 60_000);
      await vi.waitFor(() => expect(calls).toEqual(["provision inst"]));
      mirrorStatus(
        { sql, commit: commitTo(sql, 1000, () => {}) },
        "inst",
        runtimeStatus({ state: "ready", phase: "ready", startupMs: 5000 }),
      );
      bridge.connected = true;
      expect(await awake).toBe(true);
      expect(calls).toEqual(["provision inst"]);
    });
    await inSleepRoom(async (sql, scheduler) => {
      // Never slept and not connected: nothing to wait for, the decision's own request says why it fails.
      seedInstance(sql, { kind: "hosted", bridge: "offline" });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, scheduler, runtime, { bridge: { connected: false, streams: [] } });
      expect(await sleeper.awake("inst", 60_000)).toBe(false);
      expect(calls).toEqual([]);
    });
  });
});
