// The room's half of sleep (sleeper.ts, decision 78) in a real room's storage, with a stand-in
// for the runtime (its answers as runtime-client.ts reads them) and the bridge's view: an idle
// instance sleeps once; a live channel, a waiting message or a connected device keeps it awake
// and says so; traffic wakes it once, after the stop; a room restarted mid-wake asks again; the
// runtime's status moves it asleep → waking → awake, and asleep hours are not metered. The
// real runtime and gateway: runtime/test/e2e-gateway.test.ts and client/test/e2e-bridge.test.ts.
import { describe, expect, it, vi } from "vitest";
import { sleepWords } from "../../../../../shared/instance-sleep";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import type { Instance } from "../../../../../shared/protocol/instances";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { asPerson, inRoom, seedInstance } from "../../../../test/bridge-peer";
import { runtimeStatus } from "../../../../test/instance-ops";
import { commitTo } from "../../kernel/commit";
import { getInstance, markOutbound, mirrorStatus, queueForGateway } from "../instance-store";
import { isRunning } from "../metering/billing-meters";
import { type BridgeView, InstanceSleeper } from "./sleeper";

/** The runtime's sleep and wake as the sleeper calls them, recorded; `refuse` makes sleep answer as the runtime does for a device. */
function runtimeStandIn(refuse: string | null = null) {
  const calls: string[] = [];
  let finishSleep: () => void = () => {};
  const runtime = {
    sleep: async (_ws: string, id: string) => {
      calls.push(`sleep ${id}`);
      if (refuse) throw new RoomError("conflict", refuse, { runtimeCode: "conflict" });
      await new Promise<void>((resolve) => (finishSleep = resolve));
      calls.push(`slept ${id}`);
      return runtimeStatus({ state: "asleep", phase: "asleep" });
    },
    provision: async (_ws: string, id: string) => {
      calls.push(`provision ${id}`);
      return runtimeStatus({ state: "provisioning", phase: "queued" });
    },
  };
  return { runtime, calls, finishSleep: () => finishSleep() };
}

function sleeperIn(
  sql: Sql,
  runtime: ReturnType<typeof runtimeStandIn>["runtime"],
  bridge: BridgeView = { connected: true, streams: [] },
  events: DurableEvent[] = [],
) {
  const work: Promise<void>[] = [];
  const sleeper = new InstanceSleeper({
    sql,
    commit: commitTo(sql, 1000, (effects) => events.push(...effects.events)),
    workspaceId: () => "ws_test",
    runtime: () => runtime,
    bridge: () => bridge,
    idleMs: () => 20,
    keepAliveWhile: (fn) => {
      const p = fn();
      work.push(p);
      return p;
    },
  });
  return { sleeper, settled: () => Promise.all(work), looked: () => work.length, events };
}

/** A message of an OpenClaw thread of `inst` queued for its gateway, as chat.send queues it. */
const queueMessage = (sql: Sql, id: string) =>
  asPerson(sql, (ctx) =>
    queueForGateway(
      ctx,
      { id: "thr_1", gateway: { instanceId: "inst", sessionKey: "s1" } } as Parameters<typeof queueForGateway>[1],
      { id, text: "hi", attachments: [] } as unknown as Parameters<typeof queueForGateway>[2],
    ),
  );

const sleepOf = (sql: Sql) => getInstance(sql, "inst")?.sleep;

describe("an idle hosted instance", () => {
  it("sleeps once its idle time passed: asleep for every client, the runtime asked once, its hours no longer metered", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls, finishSleep } = runtimeStandIn();
      const { sleeper, events } = sleeperIn(sql, runtime);
      sleeper.activity("inst");
      await vi.waitFor(() => expect(calls).toEqual(["sleep inst"]));
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
      sleeper.stop();
    });
  });

  it("with a live channel never sleeps, and says why", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, {
        kind: "hosted",
        bridge: "connected",
        channels: [{ channel: "whatsapp", label: "WhatsApp", state: "connected" }],
      });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, runtime);
      sleeper.activity("inst");
      await vi.waitFor(() => expect(sleepOf(sql)?.keptAwakeBy).toBe("WhatsApp is connected"));
      expect(calls).toEqual([]);
      expect(sleepOf(sql)?.state).toBe("awake");
      expect(sleepWords(getInstance(sql, "inst")!, Date.now())).toBe("stays awake: WhatsApp is connected");
      sleeper.stop();
    });
  });

  it("stays awake while a reply is written, then while a message waits to be sent", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls } = runtimeStandIn();
      const bridge = { connected: true, streams: [{ runId: "r1" }] as unknown[] };
      const { sleeper } = sleeperIn(sql, runtime, bridge);
      sleeper.activity("inst");
      await vi.waitFor(() => expect(sleepOf(sql)?.keptAwakeBy).toBe("a reply is being written"));
      bridge.streams = [];
      queueMessage(sql, "msg_1");
      await vi.waitFor(() => expect(sleepOf(sql)?.keptAwakeBy).toBe("messages are on their way to it"));
      expect(calls).toEqual([]);
      sleeper.stop();
    });
  });

  it("stays awake while a message it was sent has no reply yet, before any token streamed", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      queueMessage(sql, "msg_3");
      markOutbound(sql, "msg_3", "sent");
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, runtime);
      sleeper.activity("inst");
      await vi.waitFor(() => expect(sleepOf(sql)?.keptAwakeBy).toBe("a reply is being written"));
      expect(calls).toEqual([]);
      sleeper.stop();
    });
  });

  it("with a device connected through the runtime stays awake: the runtime refuses, the room says why", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls } = runtimeStandIn("instance ws_test/inst stays awake: a device or node is connected");
      const { sleeper } = sleeperIn(sql, runtime);
      sleeper.activity("inst");
      await vi.waitFor(() => expect(sleepOf(sql)?.keptAwakeBy).toBe("a device or node is connected"));
      expect(sleepOf(sql)?.state).toBe("awake");
      expect(calls[0]).toBe("sleep inst");
      sleeper.stop();
    });
  });

  it("a linked gateway is not ours to stop: it never sleeps", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, { kind: "linked", bridge: "connected" });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper, settled, looked } = sleeperIn(sql, runtime);
      sleeper.activity("inst");
      // Its idle time passed and the room looked: nothing asked of the runtime, nothing written.
      await vi.waitFor(() => expect(looked()).toBe(1));
      await settled();
      expect(calls).toEqual([]);
      expect(sleepOf(sql)).toBeUndefined();
      sleeper.stop();
    });
  });
});

describe("traffic for an asleep instance", () => {
  it("wakes it once, after its stop reached the runtime; the runtime's start moves it waking → awake with its wake time", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, { kind: "hosted", bridge: "connected" });
      const { runtime, calls, finishSleep } = runtimeStandIn();
      const { sleeper, settled } = sleeperIn(sql, runtime);
      sleeper.activity("inst");
      await vi.waitFor(() => expect(calls).toEqual(["sleep inst"]));
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
      sleeper.stop();
    });
  });

  it("a room restarted during a wake asks the runtime again; one asleep with a message waiting is woken at the start", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, {
        kind: "hosted",
        bridge: "offline",
        sleep: { state: "waking", since: 1, wakeMs: 8000, keptAwakeBy: null },
      });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper, settled } = sleeperIn(sql, runtime, { connected: false, streams: [] });
      sleeper.start();
      await vi.waitFor(() => expect(calls).toEqual(["provision inst"]));
      await settled();
      sleeper.stop();
      // "waking… (about N s)": from the last wake's time.
      expect(sleepWords(getInstance(sql, "inst")!, 3001)).toBe("waking… (about 5 s)");
    });
    await inRoom(async (sql) => {
      seedInstance(sql, {
        kind: "hosted",
        bridge: "offline",
        sleep: { state: "asleep", since: 1, wakeMs: null, keptAwakeBy: null },
      });
      queueMessage(sql, "msg_2");
      const { runtime, calls } = runtimeStandIn();
      const { sleeper, settled } = sleeperIn(sql, runtime, { connected: false, streams: [] });
      sleeper.start();
      expect(sleepOf(sql)?.state).toBe("waking");
      await vi.waitFor(() => expect(calls).toEqual(["provision inst"]));
      await settled();
      sleeper.stop();
    });
  });

  it("a decision made while it slept waits for the wake: it runs once the bridge is connected again", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, {
        kind: "hosted",
        bridge: "offline",
        sleep: { state: "asleep", since: 1, wakeMs: null, keptAwakeBy: null },
      });
      const { runtime, calls } = runtimeStandIn();
      const bridge = { connected: false, streams: [] };
      const { sleeper } = sleeperIn(sql, runtime, bridge);
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
      sleeper.stop();
    });
    await inRoom(async (sql) => {
      // Never slept and not connected: nothing to wait for, the decision's own request says why it fails.
      seedInstance(sql, { kind: "hosted", bridge: "offline" });
      const { runtime, calls } = runtimeStandIn();
      const { sleeper } = sleeperIn(sql, runtime, { connected: false, streams: [] });
      expect(await sleeper.awake("inst", 60_000)).toBe(false);
      expect(calls).toEqual([]);
      sleeper.stop();
    });
  });
});
