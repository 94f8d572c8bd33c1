// The room's half of sleep (decision 78): it knows what keeps a hosted instance awake (its
// live channels, a reply being written, a gateway approval waiting, messages on their way, a
// device the runtime says is connected), so it decides when an idle one sleeps and wakes it on
// traffic. The runtime stops and starts the gateway; the bridge follows its status, and the
// outbox delivers what waited once it is connected again: nothing is sent twice or lost.
import type { Instance, InstanceSleep } from "../../../../../shared/protocol/instances";
import { stayAwakeReason } from "../../../../../shared/instance-sleep";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { Commit } from "../../kernel/commit";
import {
  awaitingReply,
  getInstance,
  listInstances,
  pendingGatewayApprovals,
  putInstance,
  queuedFor,
  type RuntimeClient,
} from "../instance-store";

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
  if (bridge && bridge.streams.length > 0) return "a reply is being written";
  if (awaitingReply(sql, instance.id, now - REPLY_WAIT_MS)) return "a reply is being written";
  if (pendingGatewayApprovals(sql, instance.id).length > 0) return "a gateway approval is waiting";
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

export class InstanceSleeper {
  readonly #d: SleeperDeps;
  /** Each awake instance's idle clock. */
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** A sleep on its way to the runtime: a wake waits for it, so the start comes after the stop. */
  readonly #sleeping = new Map<string, Promise<unknown>>();

  constructor(deps: SleeperDeps) {
    this.#d = deps;
  }

  /**
   * The room started: an instance left waking (the room restarted during a wake) is started
   * again (a provision is idempotent), one asleep with messages waiting is woken, and every
   * awake one's idle clock starts.
   */
  start(): void {
    for (const instance of listInstances(this.#d.sql)) {
      if (instance.kind === "linked" || instance.status === "stopped") continue;
      if (instance.sleep?.state === "waking") this.#provision(instance.id);
      else if (instance.sleep?.state === "asleep" && queuedFor(this.#d.sql, instance.id).length > 0)
        this.wake(instance.id);
      else this.activity(instance.id);
    }
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Something happened on the instance (a message, a run, a connect): its idle clock starts again. */
  activity(instanceId: string): void {
    const idle = this.#d.idleMs();
    clearTimeout(this.#timers.get(instanceId));
    this.#timers.delete(instanceId);
    if (idle <= 0) return;
    this.#timers.set(
      instanceId,
      setTimeout(() => {
        this.#timers.delete(instanceId);
        void this.#d.keepAliveWhile(() => this.#idle(instanceId));
      }, idle),
    );
  }

  /** The idle clock ran out: the instance sleeps unless something keeps it awake (then it looks again later). */
  async #idle(instanceId: string): Promise<void> {
    const bridge = this.#d.bridge(instanceId);
    const runtime = this.#d.runtime();
    const instance = getInstance(this.#d.sql, instanceId);
    if (!runtime || !sleepable(instance, bridge)) {
      // Not connected yet, or starting: looked at again after another idle stretch (a linked one never is).
      if (instance && instance.kind !== "linked" && instance.status !== "stopped" && instance.sleep?.state !== "asleep")
        this.activity(instanceId);
      return;
    }
    const reason = keptAwakeBy(this.#d.sql, instance, bridge);
    if (reason) {
      this.#setSleep(instanceId, (sleep) => ({ ...sleep, keptAwakeBy: reason }), false);
      this.activity(instanceId);
      return;
    }
    // Asleep in the room first: traffic from now on wakes it (after the stop below).
    this.#setSleep(instanceId, (sleep, now) => ({ ...sleep, state: "asleep", since: now, keptAwakeBy: null }), true);
    const asked = runtime.sleep(this.#d.workspaceId(), instanceId);
    this.#sleeping.set(
      instanceId,
      asked.catch(() => undefined),
    );
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
      this.#setSleep(instanceId, (sleep, now) => ({ ...sleep, state: "awake", since: now, keptAwakeBy: why }), true);
      this.activity(instanceId);
    } finally {
      this.#sleeping.delete(instanceId);
    }
  }

  /** Traffic for the instance: an asleep one is woken (its bridge connects once the gateway is ready). */
  wake(instanceId: string): void {
    const instance = getInstance(this.#d.sql, instanceId);
    if (instance?.sleep?.state !== "asleep") {
      if (instance?.sleep?.state !== "waking") this.activity(instanceId);
      return;
    }
    this.#setSleep(instanceId, (sleep, now) => ({ ...sleep, state: "waking", since: now }), true);
    this.#provision(instanceId);
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
      if (this.#d.bridge(instanceId)?.connected && getInstance(this.#d.sql, instanceId)?.sleep?.state !== "asleep")
        return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, CONNECTED_POLL_MS));
    }
  }

  #provision(instanceId: string): void {
    const runtime = this.#d.runtime();
    if (!runtime) return;
    void this.#d.keepAliveWhile(async () => {
      await this.#sleeping.get(instanceId);
      try {
        await runtime.provision(this.#d.workspaceId(), instanceId);
      } catch (error) {
        // Left waking: the room's next start, or the next traffic's wake, asks again.
        console.error(JSON.stringify({ msg: "could not wake a gateway", instanceId, error: String(error) }));
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
