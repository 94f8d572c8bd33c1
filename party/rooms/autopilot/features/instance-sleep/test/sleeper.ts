// What the sleep room tests share: a real room (its SQLite and its scheduler: the idle alarm
// is a real schedule row), the sleeper built on them with a stand-in for the runtime (its
// answers as runtime-client.ts reads them) and the bridge's view, and the test's clock. The
// clock is vitest's fake Date, which reaches the room (the pool runs the Durable Object in the
// test's isolate): a test moves it past an idle time and rings the alarm itself, so nothing
// waits for real time and no alarm of the room's comes due on its own while a test runs.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Scheduler } from "agents/schedules";
import { afterEach, beforeEach, vi } from "vitest";
import type { DurableEvent } from "../../../../../../shared/protocol/events";
import { RoomError } from "../../../../../domain/errors";
import { type Sql, sqlFromStorage } from "../../../../../domain/sql";
import { asPerson } from "../../../../../test/bridge-peer";
import { uniq } from "../../../../../test/harness";
import { runtimeStatus } from "../../../../../test/instance-ops";
import { commitTo } from "../../../kernel/commit";
import type { Autopilot } from "../../../room";
import { getInstance, queueForGateway } from "../../instance-store";
import { SLEEP_IDLE } from "../clock";
import { type BridgeView, InstanceSleeper } from "../sleeper";

/** The tests' idle time: long, so the alarms the room sets never ring on their own while a test runs. */
export const IDLE = 10 * 60_000;

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;

/** A fresh room's stub. */
export const freshRoom = () => rooms.get(rooms.idFromName(uniq("sleep-")));

/** Runs `fn` inside the room with its SQL and its scheduler. */
export const inSleepRoom = <R>(
  fn: (sql: Sql, scheduler: Scheduler) => Promise<R>,
  stub: DurableObjectStub<Autopilot> = freshRoom(),
): Promise<R> =>
  runInDurableObject(stub, (room: Autopilot, state) => fn(sqlFromStorage(state.storage), room.scheduler));

export function withTestClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** The clock moved on by `ms` (by default, past an idle time). */
export const later = (ms = IDLE + 60_001) => vi.setSystemTime(Date.now() + ms);

/**
 * The times (whole seconds) of the room's idle alarms still to ring. A test rings the alarm by
 * calling `due()` itself, so the row it stands for is not consumed as a real ring's is: a row
 * whose time has come counts as rung.
 */
export const idleAlarms = async (scheduler: Scheduler): Promise<number[]> =>
  (await scheduler.list())
    .filter((row) => row.callback === SLEEP_IDLE && row.time * 1000 > Date.now())
    .map((row) => row.time);

/**
 * The runtime's sleep and wake as the sleeper calls them, recorded; `refuse` makes sleep answer
 * as the runtime does for a device; `provisionRefusal` makes a wake's start answer as the
 * runtime does over its gateway caps.
 */
export function runtimeStandIn(refuse: string | null = null, provisionRefusal: string | null = null) {
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
      if (provisionRefusal) throw new RoomError("conflict", provisionRefusal, { runtimeCode: "capacity_exceeded" });
      return runtimeStatus({ state: "provisioning", phase: "queued" });
    },
  };
  return { runtime, calls, finishSleep: () => finishSleep() };
}
export type RuntimeStandIn = ReturnType<typeof runtimeStandIn>["runtime"];

export function sleeperIn(
  sql: Sql,
  scheduler: Scheduler,
  runtime: RuntimeStandIn,
  {
    bridge = { connected: true, streams: [] },
    events = [],
    idleMs = IDLE,
    startRefusal = () => null,
  }: {
    bridge?: BridgeView;
    events?: DurableEvent[];
    idleMs?: number;
    startRefusal?: (instanceId: string) => string | null;
  } = {},
) {
  const work: Promise<void>[] = [];
  const sleeper = new InstanceSleeper({
    sql,
    commit: commitTo(sql, 1000, (effects) => events.push(...effects.events)),
    workspaceId: () => "ws_test",
    runtime: () => runtime,
    bridge: () => bridge,
    idleMs: () => idleMs,
    keepAliveWhile: (fn) => {
      const p = fn();
      work.push(p);
      return p;
    },
    scheduler,
    startRefusal,
  });
  return { sleeper, settled: () => Promise.all(work), events };
}

/** A message of an OpenClaw thread of `inst` queued for its gateway, as chat.send queues it. */
export const queueMessage = (sql: Sql, id: string, threadId = "thr_1") =>
  asPerson(sql, (ctx) =>
    queueForGateway(
      ctx,
      { id: threadId, gateway: { instanceId: "inst", sessionKey: "s1" } } as Parameters<typeof queueForGateway>[1],
      { id, text: "hi", attachments: [] } as unknown as Parameters<typeof queueForGateway>[2],
    ),
  );

export const sleepOf = (sql: Sql) => getInstance(sql, "inst")?.sleep;
