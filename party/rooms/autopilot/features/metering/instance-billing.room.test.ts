// What the workspace's OpenClaw instances cost, in the real room (workerd, its SQLite): a
// gateway's model use is billed once per reading of the runtime's counters, by the difference
// and with the watermark in the same transaction; an instance's running time once per interval,
// from its status and the daily housekeeping (the room's real scheduler); and a start over the
// plan's limit of running instances, or out of credits, is refused before anything starts:
// when it is asked, and again when its approval runs. No runtime is configured here, so nothing
// can start: what these tests see is the room's own decision.
import { OLDEST_PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LedgerEntry } from "../../../../../shared/protocol/billing";
import type { Instance } from "../../../../../shared/protocol/instances";
import { readBillingConfig } from "../billing/config";
import { type Sql, sqlFromStorage } from "../../../../domain/sql";
import { appendLedger, ledgerEntries } from "../billing/billing";
import { closeInstanceTime, meterInstanceStatus, recordGatewayUsage, runningSince } from "./billing-meters";
import { asleepSince, instanceHours, meterInstanceSleep } from "./sleep-hours";
import { getInstance, putInstance } from "../instance-store/instances";
import type { Autopilot } from "../../room";
import { asRoom, inRoom } from "../../../../test/bridge-peer";
import { createKey, idem, openTeam, RawSocket, signUp } from "../../../../test/harness";

const ns = env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> };
const autopilot = (ws: string) => ns.Autopilot.get(ns.Autopilot.idFromName(ws));
const inAutopilot = <R>(ws: string, fn: (sql: Sql, room: Autopilot) => R | Promise<R>): Promise<R> =>
  runInDurableObject(autopilot(ws), (room: Autopilot, state) => fn(sqlFromStorage(state.storage), room));

/** The room's defaults (no BILLING_* vars here): gateway tokens 1000/3000 credits per million, 100 an hour, 10 instances. */
const config = readBillingConfig({});
const HOUR = 3_600_000;

const usageEntries = (sql: Sql, purpose: LedgerEntry["purpose"]) =>
  ledgerEntries(sql, { kind: "usage", limit: 100 }).items.filter((e) => e.purpose === purpose);

const hosted = (id: string, status: Instance["status"], at = Date.now()): Instance => ({
  id,
  name: id,
  status,
  phase: status === "ready" ? "ready" : "queued",
  progress: status === "ready" ? 100 : 0,
  error: null,
  threadIds: [],
  jobId: null,
  createdBy: { id: "user_1", kind: "user", name: "Ada" },
  createdAt: at,
  updatedAt: at,
});

describe("a gateway's model use is billed once", () => {
  it("each reading bills the difference from the watermark, by an id made of the counters; repeats, stale and lower readings bill nothing", async () => {
    await inRoom(async (sql) => {
      const t = Date.now();
      expect(recordGatewayUsage(sql, config, "work", { promptTokens: 1000, completionTokens: 200 }, t)).toBe(2);
      // The same counters again (two runs ended, one reading each): nothing more.
      expect(recordGatewayUsage(sql, config, "work", { promptTokens: 1000, completionTokens: 200 }, t + 1)).toBeNull();
      expect(recordGatewayUsage(sql, config, "work", { promptTokens: 1500, completionTokens: 260 }, t + 2)).toBe(1);
      // A reading below the watermark (an answer from before the last one, a runtime that lost
      // its count) is left out, not billed from zero again; nor does it move the watermark.
      expect(recordGatewayUsage(sql, config, "work", { promptTokens: 1400, completionTokens: 300 }, t + 3)).toBeNull();
      expect(recordGatewayUsage(sql, config, "work", { promptTokens: 1500, completionTokens: 260 }, t + 4)).toBeNull();
      expect(recordGatewayUsage(sql, config, "other", { promptTokens: 10, completionTokens: 0 }, t + 5)).toBe(1);
      const entries = usageEntries(sql, "gateway");
      expect(entries.map((e) => [e.id, e.amount, e.inputTokens, e.outputTokens, e.instanceId]).sort()).toEqual(
        [
          ["gateway:other:10:0", -1, 10, 0, "other"],
          ["gateway:work:1000:200", -2, 1000, 200, "work"],
          ["gateway:work:1500:260", -1, 500, 60, "work"],
        ].sort(),
      );
      // What was billed adds up to the runtime's counters, exactly.
      const work = entries.filter((e) => e.instanceId === "work");
      expect(work.reduce((n, e) => n + (e.inputTokens ?? 0), 0)).toBe(1500);
      expect(work.reduce((n, e) => n + (e.outputTokens ?? 0), 0)).toBe(260);
    });
  });
});

describe("an instance's running time is billed once per interval", () => {
  it("opens when it runs, bills prorated hours (rounded up) when it stops, and the housekeeping's cut goes on from where it billed", async () => {
    await inRoom(async (sql) => {
      const t0 = Date.UTC(2026, 10, 3, 8);
      expect(meterInstanceStatus(sql, config, hosted("lab", "provisioning"), t0)).toBe(0);
      // Phases while it starts and once ready: the same interval.
      meterInstanceStatus(sql, config, hosted("lab", "starting"), t0 + 5_000);
      meterInstanceStatus(sql, config, hosted("lab", "ready"), t0 + 20_000);
      expect(runningSince(sql, "lab")).toBe(t0);
      // The daily housekeeping bills up to now and goes on from there; the same cut twice is one entry.
      expect(closeInstanceTime(sql, config, "lab", t0 + 1.5 * HOUR, true)).toBe(150);
      expect(closeInstanceTime(sql, config, "lab", t0 + 1.5 * HOUR, true)).toBe(0);
      expect(runningSince(sql, "lab")).toBe(t0 + 1.5 * HOUR);
      // It fails a minute later: a minute of 100 an hour is rounded up to 2 credits.
      expect(meterInstanceStatus(sql, config, hosted("lab", "error"), t0 + 1.5 * HOUR + 60_000)).toBe(2);
      expect(meterInstanceStatus(sql, config, hosted("lab", "stopped"), t0 + 2 * HOUR)).toBe(0);
      expect(runningSince(sql, "lab")).toBeNull();
      // A linked gateway runs on its owner's machine: nothing to bill.
      meterInstanceStatus(sql, config, { ...hosted("home", "ready"), kind: "linked" }, t0);
      expect(runningSince(sql, "home")).toBeNull();
      expect(
        usageEntries(sql, "instance_time")
          .map((e) => [e.id, e.amount, e.seconds])
          .sort(),
      ).toEqual(
        [
          [`instance:lab:${t0}:${t0 + 1.5 * HOUR}`, -150, 5400],
          [`instance:lab:${t0 + 1.5 * HOUR}:${t0 + 1.5 * HOUR + 60_000}`, -2, 60],
        ].sort(),
      );
    });
  });

  it("the room's daily housekeeping (its real scheduler) bills running instances up to now, once", async () => {
    const { ws, ownerSocket } = await openTeam("member");
    await inAutopilot(ws, (sql) => asRoom(sql, (ctx) => putInstance(ctx, hosted("busy", "ready"))));
    const due = async () => {
      await inAutopilot(ws, (_sql, room) => room.scheduler.set(new Date(), "meterInstances"));
      expect(await runDurableObjectAlarm(autopilot(ws))).toBe(true);
    };
    // Written behind the room's back (no status change seen): the first housekeeping opens its interval.
    await due();
    const opened = await inAutopilot(ws, (sql) => runningSince(sql, "busy"));
    expect(opened).toEqual(expect.any(Number));
    await due();
    const after = await inAutopilot(ws, (sql) => ({
      since: runningSince(sql, "busy"),
      entries: usageEntries(sql, "instance_time"),
    }));
    expect(after.entries).toHaveLength(1);
    expect(after.entries[0]).toMatchObject({ id: `instance:busy:${opened}:${after.since}`, instanceId: "busy" });
    expect(after.since).toBeGreaterThanOrEqual(opened!);
    // Billing's rollup per instance counts it.
    const { groups } = await ownerSocket.ok("billing.summary", { groupBy: "instance" });
    expect(groups).toEqual([expect.objectContaining({ key: "busy", credits: -after.entries[0]!.amount, entries: 1 })]);
    ownerSocket.close();
  });
});

describe("an instance start over the plan's limit, or out of credits, is refused before anything starts", () => {
  it("the plan's limit counts running instances: an eleventh is refused with a reason, a restart of a running one is not", async () => {
    const { ws, ownerSocket: o, agentSocket: g } = await openTeam("member");
    await inAutopilot(ws, (sql) =>
      asRoom(sql, (ctx) => {
        for (let i = 0; i < 10; i++) putInstance(ctx, hosted(`run-${i}`, "ready"));
        // One that failed runs nothing and does not count.
        putInstance(ctx, hosted("broken", "error"));
      }),
    );
    for (const [method, params] of [
      ["instances.provision", { instanceId: "eleventh", idempotencyKey: idem() }],
      ["instances.startChat", { instanceId: "eleventh", text: "hello", idempotencyKey: idem() }],
      ["instances.restart", { instanceId: "broken", idempotencyKey: idem() }],
    ] as const) {
      const refused = await g.call(method, params);
      expect(refused, method).toMatchObject({
        ok: false,
        error: {
          code: "conflict",
          message: expect.stringContaining("at most 10 OpenClaw instances"),
          details: { reason: "plan_limit", maxInstances: 10, running: 10 },
        },
      });
    }
    // Nothing was asked: no approval, no thread from the chat start.
    expect((await o.ok("approvals.list", {})).approvals).toEqual([]);
    expect((await o.ok("threads.list", {})).threads).toEqual([]);
    // A running instance's restart does not add one.
    expect((await g.ok("instances.restart", { instanceId: "run-3", idempotencyKey: idem() })).approval).toMatchObject({
      status: "pending",
      action: { operation: "restart", instanceId: "run-3" },
    });
    for (const s of [o, g]) s.close();
  });

  it("over a budget: a start whose hour would cross the workspace's or the agent key's budget is refused with the reason; raised, it is asked", async () => {
    const { ws, ownerSocket: o, agentSocket: g } = await openTeam("member");
    const hour = config.prices.instanceHour;
    const setBudget = (scope: "workspace" | "key", limit: number | null, subjectId?: string) =>
      o.ok("billing.setBudget", { scope, ...(subjectId ? { subjectId } : {}), limit, idempotencyKey: idem() });
    await setBudget("workspace", hour - 1);
    expect(await g.call("instances.provision", { instanceId: "over", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: {
        code: "conflict",
        message: expect.stringContaining("cross the workspace's budget"),
        details: { reason: "over_budget", budget: { scope: "workspace", subjectId: null }, needed: hour },
      },
    });
    await setBudget("workspace", null);
    const agentId = (await g.hello()).principal.id;
    await setBudget("key", 1, agentId);
    expect(await g.call("instances.provision", { instanceId: "over", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "conflict", details: { reason: "over_budget", budget: { scope: "key", subjectId: agentId } } },
    });
    // Nothing was asked while it was over.
    expect((await o.ok("approvals.list", {})).approvals).toEqual([]);
    await setBudget("key", hour * 10, agentId);
    const { approval } = await g.ok("instances.provision", { instanceId: "over", idempotencyKey: idem() });
    expect(approval).toMatchObject({ status: "pending", action: { operation: "provision", instanceId: "over" } });
    // The approval says what an hour costs, and what a month of it would.
    expect(approval.details).toContain(
      `While it runs it costs ${hour.toLocaleString("en-US")} credits an hour (about ${(hour * 730).toLocaleString("en-US")} credits if it runs all month).`,
    );
    expect(await inAutopilot(ws, (sql) => usageEntries(sql, "instance_time"))).toEqual([]);
    for (const s of [o, g]) s.close();
  });

  it("a key's budget is set for this workspace's keys only: another workspace's key is not_found, and nothing is set", async () => {
    const { ownerSocket: o, agentSocket: g } = await openTeam("member");
    const other = await signUp();
    // A key's principal id, as its budget names it (`agent_<key id>`).
    const theirs = `agent_${(await createKey(other, other.workspaceId, ["read"])).id}`;
    const set = (subjectId: string, limit: number) =>
      o.call("billing.setBudget", { scope: "key", subjectId, limit, idempotencyKey: idem() });
    for (const subjectId of [theirs, "agent_nokey"])
      expect(await set(subjectId, 10)).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect((await o.ok("billing.summary", {})).state.budgets).toEqual([]);
    const ours = (await g.hello()).principal.id;
    expect(await set(ours, 10)).toMatchObject({ ok: true });
    expect((await o.ok("billing.summary", {})).state.budgets).toEqual([
      expect.objectContaining({ scope: "key", subjectId: ours, limit: 10 }),
    ]);
    for (const s of [o, g]) s.close();
  });

  it("out of credits: payment_required when asked (forbidden with the reason for a 9 client), and an approval decided later fails its job with the reason and starts nothing", async () => {
    const { ws, owner, ownerSocket: o, agentSocket: g } = await openTeam("member");
    // Asked while there are credits; decided once they are gone.
    const { approval } = await g.ok("instances.provision", { instanceId: "later", idempotencyKey: idem() });
    // Spent down to what the state shows (the month's plan credits counted, written or not).
    const left = (await o.ok("billing.summary", {})).state.balance;
    await inAutopilot(ws, (sql) => {
      appendLedger(sql, { id: "test:spent", at: Date.now(), kind: "usage", amount: -left, purpose: "reply" });
    });
    expect((await o.ok("billing.summary", {})).state.balance).toBe(0);
    const refused = await g.call("instances.provision", { instanceId: "now", idempotencyKey: idem() });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: "payment_required",
        message: expect.stringContaining("out of credits"),
        details: { balance: 0, needed: config.prices.instanceHour },
      },
    });
    // The previous version (10, which added the money) gets the code as it is.
    const older = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    await older.hello();
    expect(await older.call("instances.provision", { instanceId: "old", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "payment_required", details: { balance: 0 } },
    });

    await o.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() });
    const failed = await o.waitFor<{ payload: { job: { status: string; error: string } } }>(
      (f) => f.event === "job.finished",
    );
    // Refused by the room itself, before it even looked for a runtime.
    expect(failed.payload.job).toMatchObject({ status: "failed", error: expect.stringContaining("out of credits") });
    const instance = await inAutopilot(ws, (sql) => ({
      instance: getInstance(sql, "later"),
      since: runningSince(sql, "later"),
      time: usageEntries(sql, "instance_time"),
    }));
    // It never ran: shown in error with the reason, no interval, nothing billed for it.
    expect(instance.instance).toMatchObject({ status: "error", error: expect.stringContaining("out of credits") });
    expect(instance.since).toBeNull();
    expect(instance.time).toEqual([]);
    for (const s of [o, g, older]) s.close();
  });
});

describe("awake and asleep hours this month (decision 78)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** What the room does at an instance's update: its asleep interval, then its running one. */
  const step = (sql: Sql, instance: Instance, at: number) => {
    meterInstanceSleep(sql, instance, at);
    meterInstanceStatus(sql, config, instance, at);
  };
  const asleep = (id: string, since: number): Instance => ({
    ...hosted(id, "ready"),
    phase: "asleep",
    sleep: { state: "asleep", since, wakeMs: null, keptAwakeBy: null },
  });
  const waking = (id: string, since: number): Instance => ({
    ...hosted(id, "ready"),
    sleep: { state: "waking", since, wakeMs: null, keptAwakeBy: null },
  });

  it("awake is what the ledger billed and what runs now, asleep what slept, both within this month; sleeping saved its hours' price", async () => {
    await inRoom(async (sql) => {
      const t0 = Date.UTC(2026, 10, 3, 8);
      // "lab": two hours awake, eight asleep, awake again for the last hour.
      step(sql, hosted("lab", "ready"), t0);
      step(sql, asleep("lab", t0 + 2 * HOUR), t0 + 2 * HOUR);
      expect(runningSince(sql, "lab")).toBeNull();
      expect(asleepSince(sql, "lab")).toBe(t0 + 2 * HOUR);
      // The same state again changes nothing.
      step(sql, asleep("lab", t0 + 2 * HOUR), t0 + 3 * HOUR);
      expect(asleepSince(sql, "lab")).toBe(t0 + 2 * HOUR);
      step(sql, waking("lab", t0 + 10 * HOUR), t0 + 10 * HOUR);
      expect(asleepSince(sql, "lab")).toBeNull();
      expect(runningSince(sql, "lab")).toBe(t0 + 10 * HOUR);
      // "night": awake and asleep across the month's start; only November's part counts.
      const nov1 = Date.UTC(2026, 10, 1);
      step(sql, hosted("night", "ready"), nov1 - 4 * HOUR);
      step(sql, asleep("night", nov1 - 2 * HOUR), nov1 - 2 * HOUR);
      step(sql, waking("night", nov1 + 2 * HOUR), nov1 + 2 * HOUR);
      step(sql, hosted("night", "stopped"), nov1 + 3 * HOUR);
      // A linked gateway runs on its owner's machine: no hours of ours.
      const home = { ...hosted("home", "ready"), kind: "linked" } as const;
      step(sql, home, t0);

      const now = t0 + 11 * HOUR;
      const hours = instanceHours(
        sql,
        config,
        [hosted("lab", "ready"), hosted("night", "stopped"), hosted("quiet", "stopped"), home],
        now,
      );
      expect(hours.period).toEqual({ start: nov1, end: Date.UTC(2026, 11, 1) });
      expect(hours.instanceHour).toBe(100);
      expect(hours.instances).toEqual([
        { instanceId: "lab", name: "lab", awakeMs: 3 * HOUR, asleepMs: 8 * HOUR, savedCredits: 800 },
        { instanceId: "night", name: "night", awakeMs: HOUR, asleepMs: 2 * HOUR, savedCredits: 200 },
        { instanceId: "quiet", name: "quiet", awakeMs: 0, asleepMs: 0, savedCredits: 0 },
      ]);
      // Next month starts from nothing: what slept in November stays November's.
      const december = instanceHours(sql, config, [hosted("lab", "ready")], Date.UTC(2026, 11, 1) + HOUR);
      expect(december.instances[0]).toMatchObject({ awakeMs: HOUR, asleepMs: 0, savedCredits: 0 });
    });
  });

  it("billing.instanceHours answers from the room's state: an instance asleep when the room starts counts from when it fell asleep", async () => {
    const { ws, second, ownerSocket, secondSocket, agentSocket } = await openTeam("member");
    for (const s of [ownerSocket, secondSocket, agentSocket]) s.close();
    // The test's clock: the instance fell asleep at t, the room starts again five hours later.
    const t = Date.UTC(2026, 10, 10, 6);
    vi.useFakeTimers({ toFake: ["Date"], now: t, shouldAdvanceTime: true });
    await inAutopilot(ws, (sql) => asRoom(sql, (ctx) => putInstance(ctx, asleep("nap", t))));
    await evictDurableObject(autopilot(ws));
    vi.setSystemTime(t + 5 * HOUR);
    // A member reads it, as they read the workspace's credits.
    const member = await RawSocket.open(ws, { cookie: second.cookie });
    await member.hello();
    const { instances, instanceHour } = await member.ok("billing.instanceHours", {});
    expect(instanceHour).toBe(100);
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({ instanceId: "nap", awakeMs: 0, savedCredits: 500 });
    expect(instances[0]!.asleepMs).toBeGreaterThanOrEqual(5 * HOUR);
    expect(instances[0]!.asleepMs).toBeLessThan(5 * HOUR + 60_000);
    member.close();
  });
});
