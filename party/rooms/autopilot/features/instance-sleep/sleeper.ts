// The room's half of sleep (decision 78): it knows what keeps a hosted instance awake (its
// live channels, a reply being written, a gateway approval waiting, messages on their way, a
// device the runtime says is connected), so it decides when an idle one sleeps and wakes it on
// traffic. The runtime stops and starts the gateway; the bridge follows its status, and the
// outbox delivers what waited once it is connected again: nothing is sent twice or lost.
import type { Scheduler } from "agents/schedules";
import type { Instance, InstanceSleep } from "../../../../../shared/protocol/instances";
import { stayAwakeReason } from "../../../../../shared/instance-sleep";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { Commit } from "../../kernel/commit";
import {
  awaitingReply,
  getInstance,
  instanceActor,
  listInstances,
  pendingGatewayApprovals,
  putInstance,
  queuedFor,
  type RuntimeClient,
} from "../instance-store";
import { appendMessage, getThread } from "../threads";
import { dropClock, SLEEP_IDLE, storedClock, storedClocks, writeClock, writeEvery } from "./clock";

/** What the sleeper reads of an instance's bridge. */
export interface BridgeView {
  readonly connected: boolean;
  readonly streams: readonly unknown[];
}

export interface SleeperDeps {
  sql: Sql;
  commit: Commit;
  workspaceId(): string;
  /** The runtime, or null when none is configured (then nothing sleeps). */
  runtime(): Pick<RuntimeClient, "sleep" | "provision"> | null;
  bridge(instanceId: string): BridgeView | undefined;
  /** How long an instance is idle before it sleeps (ms); 0: never. */
  idleMs(): number;
  keepAliveWhile(work: () => Promise<void>): Promise<void>;
  /** The room's scheduler: one `sleepIdleInstances` alarm at the earliest time an instance is due. */
  scheduler: Pick<Scheduler, "set" | "list" | "cancel">;
  /** Why the instance may not start now (its plan's limit of running instances), in words; null: it may. */
  startRefusal(instanceId: string): string | null;
}

/** How long after a message was sent its reply is waited for before its turn no longer keeps the gateway awake. */
const REPLY_WAIT_MS = 30 * 60_000;

/** How often a wait for a woken gateway looks whether its bridge is connected. */
const CONNECTED_POLL_MS = 250;

/** What keeps an instance awake right now, in words; null when it may sleep. */
export function keptAwakeBy(
  sql: Sql,
  instance: Instance,
  bridge: BridgeView | undefined,
  now = Date.now(),
): string | null {
  const always = stayAwakeReason({ ...instance, sleep: undefined });
  if (always) return always;
  // Named before the reply: a turn stopped at an approval waits for a person, not for its writing.
  if (pendingGatewayApprovals(sql, instance.id).length > 0) return "a gateway approval is waiting";
  if (bridge && bridge.streams.length > 0) return "a reply is being written";
  if (awaitingReply(sql, instance.id, now - REPLY_WAIT_MS)) return "a reply is being written";
  if (queuedFor(sql, instance.id).length > 0) return "messages are on their way to it";
  return null;
}

/** An instance the room may put to sleep: hosted, ready, awake and connected. */
const sleepable = (instance: Instance | null, bridge: BridgeView | undefined): instance is Instance =>
  !!instance &&
  instance.kind !== "linked" &&
  instance.status === "ready" &&
  (instance.sleep?.state ?? "awake") === "awake" &&
  !!bridge?.connected;

/** An instance with an idle clock: hosted, not deleted, not asleep (one starting or waking is looked at again when due). */
const clocked = (instance: Instance | null): instance is Instance =>
  !!instance && instance.kind !== "linked" && instance.status !== "stopped" && instance.sleep?.state !== "asleep";

export class InstanceSleeper {
  readonly #d: SleeperDeps;
  /**
   * Each instance's activity as this object saw it (`at`) and as storage has it (`stored`):
   * a message only moves `at`; storage is written once it lags by `writeEvery` (clock.ts).
   */
  readonly #seen = new Map<string, { at: number; stored: number }>();
  /** The time (whole seconds) of the alarm this object set or found; null: none known. */
  #armedAt: number | null = null;
  /** Alarm changes, one after another (each reads the rows the one before left). */
  #arming: Promise<void> = Promise.resolve();
  /** A sleep on its way to the runtime: a wake waits for it, so the start comes after the stop. */
  readonly #sleeping = new Map<string, Promise<unknown>>();

  constructor(deps: SleeperDeps) {
    this.#d = deps;
  }

  /** Idle time in ms; 0 when nothing can sleep (sleep off, or no runtime to stop a gateway). */
  #idleMs(): number {
    return this.#d.runtime() ? Math.max(0, this.#d.idleMs()) : 0;
  }

  /**
   * The room started: an instance left waking (the room restarted during a wake) is started
   * again (a provision is idempotent), one asleep with messages waiting is woken, and an awake
   * one's stored clock goes on where it was (one with none starts now). With sleep off, the
   * clocks and their alarm are dropped: turned on again, every instance starts a fresh clock.
   */
  start(): void {
    // No runtime: nothing sleeps or wakes, and the clocks are left as they are.
    if (!this.#d.runtime()) return;
    const on = this.#idleMs() > 0;
    const stored = new Set(storedClocks(this.#d.sql).map((c) => c.instanceId));
    for (const instance of listInstances(this.#d.sql)) {
      if (instance.kind === "linked" || instance.status === "stopped") continue;
      if (instance.sleep?.state === "waking") this.#provision(instance.id);
      else if (instance.sleep?.state === "asleep" && queuedFor(this.#d.sql, instance.id).length > 0)
        this.wake(instance.id);
      else if (on && !stored.has(instance.id)) this.activity(instance.id);
    }
    if (!on) for (const id of stored) dropClock(this.#d.sql, id);
    if (on || stored.size > 0) void this.#arm();
  }

  /** Something happened on the instance (a message, a run, a connect): its idle clock starts again. */
  activity(instanceId: string, now = Date.now()): void {
    const idle = this.#idleMs();
    if (idle <= 0) return;
    let seen = this.#seen.get(instanceId);
    if (!seen) {
      const stored = storedClock(this.#d.sql, instanceId);
      seen = { at: stored ?? now, stored: stored ?? -Infinity };
      this.#seen.set(instanceId, seen);
    }
    seen.at = Math.max(seen.at, now);
    if (now - seen.stored < writeEvery(idle)) return;
    // Only an instance that can sleep gets a clock (a linked one never does, an asleep one once it wakes).
    if (!clocked(getInstance(this.#d.sql, instanceId))) {
      this.#seen.delete(instanceId);
      return;
    }
    seen.stored = now;
    writeClock(this.#d.sql, instanceId, now);
    // An alarm set for an earlier time stays: it finds this instance not due yet and sets the next.
    const wanted = Math.ceil((now + idle) / 1000);
    if (this.#armedAt === null || this.#armedAt > wanted) void this.#arm();
  }

  /**
   * When the instance's idle time runs out: from what this object saw, or else from storage,
   * plus what storage may lag behind (so never before its real idle time).
   */
  #dueAt(instanceId: string, storedAt: number, idle: number): number {
    const seen = this.#seen.get(instanceId);
    return seen && seen.stored === storedAt ? seen.at + idle : storedAt + idle + writeEvery(idle);
  }

  /** The `sleepIdleInstances` alarm rang: each instance whose idle time ran out is looked at; then the next alarm. */
  async due(): Promise<void> {
    if (!this.#d.runtime()) return;
    this.#armedAt = null;
    const idle = this.#idleMs();
    const now = Date.now();
    if (idle > 0)
      for (const { instanceId, at } of storedClocks(this.#d.sql))
        if (this.#dueAt(instanceId, at, idle) <= now) this.#look(instanceId, now);
    await this.#arm();
  }

  /** Its idle time ran out: the instance sleeps unless something keeps it awake (then its clock starts again). */
  #look(instanceId: string, now: number): void {
    const bridge = this.#d.bridge(instanceId);
    const runtime = this.#d.runtime();
    const instance = getInstance(this.#d.sql, instanceId);
    if (!runtime || !clocked(instance)) {
      this.#forget(instanceId);
      return;
    }
    // Not connected yet, or starting: looked at again after another idle stretch.
    if (!sleepable(instance, bridge)) return this.activity(instanceId, now);
    const reason = keptAwakeBy(this.#d.sql, instance, bridge, now);
    if (reason) {
      this.#setSleep(instanceId, (sleep) => ({ ...sleep, keptAwakeBy: reason }), false);
      return this.activity(instanceId, now);
    }
    // Asleep in the room first: traffic from now on wakes it (after the stop below).
    this.#setSleep(instanceId, (sleep, at) => ({ ...sleep, state: "asleep", since: at, keptAwakeBy: null }), true);
    this.#forget(instanceId);
    const asked = runtime.sleep(this.#d.workspaceId(), instanceId);
    const settled = asked.catch(() => undefined);
    this.#sleeping.set(instanceId, settled);
    void this.#d.keepAliveWhile(async () => {
      try {
        await asked;
      } catch (error) {
        // The runtime keeps it awake (a device or node connected through it): the room says why and looks again later.
        const why =
          error instanceof RoomError && error.details?.runtimeCode === "conflict" && /device/.test(error.message)
            ? "a device or node is connected"
            : null;
        if (!why)
          console.error(JSON.stringify({ msg: "could not put a gateway to sleep", instanceId, error: String(error) }));
        this.#setSleep(instanceId, (sleep, at) => ({ ...sleep, state: "awake", since: at, keptAwakeBy: why }), true);
        this.activity(instanceId);
      } finally {
        if (this.#sleeping.get(instanceId) === settled) this.#sleeping.delete(instanceId);
      }
    });
  }

  /** The instance has no idle clock any more (asleep, deleted, linked). */
  #forget(instanceId: string): void {
    this.#seen.delete(instanceId);
    dropClock(this.#d.sql, instanceId);
  }

  /** Resolves once the alarm changes asked for so far are made. */
  alarmSet(): Promise<void> {
    return this.#arming;
  }

  /**
   * Keeps one alarm, at the earliest time an instance is due (none when none is). Scheduled
   * times are whole seconds, rounded up, and at least a second ahead: workerd's clock moves
   * only with I/O, and an alarm for now would ring again at once. An alarm already set for an
   * earlier time is kept: when it rings it finds nothing due and sets the next one.
   */
  #arm(): Promise<void> {
    this.#arming = this.#arming
      .then(async () => {
        const idle = this.#idleMs();
        const now = Date.now();
        const next =
          idle > 0
            ? storedClocks(this.#d.sql).reduce(
                (min, c) => Math.min(min, this.#dueAt(c.instanceId, c.at, idle)),
                Infinity,
              )
            : Infinity;
        const wanted = next === Infinity ? null : Math.ceil(Math.max(next, now + 1000) / 1000);
        if (wanted !== null && this.#armedAt !== null && this.#armedAt <= wanted && this.#armedAt * 1000 > now) return;
        let kept = false;
        for (const row of await this.#d.scheduler.list()) {
          // A row whose time has come is the one ringing now (or about to): it is left to run.
          if (row.callback !== SLEEP_IDLE || row.time * 1000 <= now) continue;
          if (!kept && row.time === wanted) kept = true;
          else await this.#d.scheduler.cancel(row.id);
        }
        // Idempotent on its time: two arms at once (a start and a message) write one row.
        if (wanted !== null && !kept)
          await this.#d.scheduler.set(new Date(wanted * 1000), SLEEP_IDLE, { at: wanted }, { idempotent: true });
        this.#armedAt = wanted;
      })
      .catch((error: unknown) =>
        console.error(
          JSON.stringify({
            msg: "could not set the idle alarm",
            workspace: this.#d.workspaceId(),
            error: String(error),
          }),
        ),
      );
    return this.#arming;
  }

  /**
   * A message in one of the instance's threads: with messages queued for its gateway it is
   * woken if it sleeps; any other (the Autopilot's answers there) restarts its idle clock. The
   * instance's own (its replies, or its word that it could not wake) wakes nothing, so a
   * refused wake's word in the thread does not ask for another.
   */
  message(instanceId: string, message: { threadId: string; author: { id: string } }): void {
    const own = message.author.id === instanceActor({ id: instanceId, name: "" }).id;
    if (!own && queuedFor(this.#d.sql, instanceId).length > 0) this.wake(instanceId, [message.threadId]);
    else this.activity(instanceId);
  }

  /**
   * Traffic for the instance: an asleep one is woken (its bridge connects once the gateway is
   * ready), unless the plan no longer lets it run (the workspace went over its limit while it
   * slept): then it stays asleep, saying why, and `threadIds` (where messages wait for it) are
   * told; their messages stay queued for the next wake.
   */
  wake(instanceId: string, threadIds: readonly string[] = []): void {
    const instance = getInstance(this.#d.sql, instanceId);
    if (instance?.sleep?.state !== "asleep") {
      if (instance?.sleep?.state !== "waking") this.activity(instanceId);
      return;
    }
    const refused = this.#d.startRefusal(instanceId);
    if (refused) {
      this.#refuse(instanceId, refused, threadIds);
      return;
    }
    this.#setSleep(instanceId, (sleep, now) => ({ ...sleep, state: "waking", since: now, refused: null }), true);
    this.#provision(instanceId, threadIds);
  }

  /**
   * Wakes the instance if it sleeps and waits until its bridge is connected (a decision made
   * while it slept then reaches its gateway); false when it is not connected by `timeoutMs`.
   */
  async awake(instanceId: string, timeoutMs: number): Promise<boolean> {
    const state = getInstance(this.#d.sql, instanceId)?.sleep?.state;
    // Awake (or never slept): as it is, connected or not; the caller's own request says which.
    if (state !== "asleep" && state !== "waking") return !!this.#d.bridge(instanceId)?.connected;
    this.wake(instanceId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = getInstance(this.#d.sql, instanceId)?.sleep;
      if (this.#d.bridge(instanceId)?.connected && now?.state !== "asleep") return true;
      // Refused (the plan's limit): it stays asleep; the caller's request fails saying it is.
      if (Date.now() >= deadline || (now?.state === "asleep" && now.refused)) return false;
      await new Promise((resolve) => setTimeout(resolve, CONNECTED_POLL_MS));
    }
  }

  #provision(instanceId: string, threadIds: readonly string[] = []): void {
    const runtime = this.#d.runtime();
    if (!runtime) return;
    void this.#d.keepAliveWhile(async () => {
      await this.#sleeping.get(instanceId);
      try {
        await runtime.provision(this.#d.workspaceId(), instanceId);
      } catch (error) {
        // The runtime runs as many gateways as it may: this one stays asleep until the next traffic tries again.
        if (error instanceof RoomError && error.code === "conflict") {
          this.#refuse(instanceId, `the runtime could not start it: ${error.message}`, threadIds);
          return;
        }
        // Left waking: the room's next start, or the next traffic's wake, asks again.
        console.error(JSON.stringify({ msg: "could not wake a gateway", instanceId, error: String(error) }));
      }
    });
  }

  /** A wake refused: the instance stays asleep with the reason on it, and the threads whose messages wait are told. */
  #refuse(instanceId: string, why: string, threadIds: readonly string[]): void {
    this.#d.commit(null, (ctx) => {
      const instance = getInstance(ctx.sql, instanceId);
      if (!instance || instance.status === "stopped") return;
      const sleep: InstanceSleep = {
        ...(instance.sleep ?? { wakeMs: null, keptAwakeBy: null }),
        state: "asleep",
        since: instance.sleep?.since ?? ctx.now,
        refused: why,
      };
      putInstance(ctx, { ...instance, sleep, updatedAt: ctx.now });
      for (const threadId of new Set(threadIds)) {
        const thread = getThread(ctx.sql, threadId);
        if (!thread) continue;
        appendMessage(
          ctx,
          thread,
          instanceActor(instance),
          `${instance.name} is asleep and could not wake: ${why} Messages to it wait and are sent when it next wakes (a new message tries again).`,
          { kind: "error" },
        );
      }
    });
  }

  /** Writes the instance's sleep (`publish`: an event for every client; else only when it changed what people read). */
  #setSleep(instanceId: string, next: (sleep: InstanceSleep, now: number) => InstanceSleep, publish: boolean): void {
    this.#d.commit(null, (ctx) => {
      const instance = getInstance(ctx.sql, instanceId);
      if (!instance || instance.status === "stopped") return;
      const current: InstanceSleep = instance.sleep ?? {
        state: "awake",
        since: ctx.now,
        wakeMs: null,
        keptAwakeBy: null,
      };
      const sleep = next(current, ctx.now);
      if (!publish && sleep.keptAwakeBy === current.keptAwakeBy && instance.sleep) return;
      putInstance(ctx, { ...instance, sleep, updatedAt: ctx.now });
    });
  }
}
