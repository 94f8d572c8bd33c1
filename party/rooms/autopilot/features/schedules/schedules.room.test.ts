// Schedules (issue 37): made, listed, paused, resumed and deleted over the socket; bad input
// and a flood past the cap refused with typed errors; and each occurrence acted on exactly
// once — by the room's alarm, across a restart between the claim and the act, and between
// the act and its mark. The clock is the test's: vitest's fake Date reaches the room (the
// pool runs the Durable Object in the test's isolate), and the pool's runDurableObjectAlarm
// runs the room's alarm at the time the test set. The fake clock starts a day ahead of the
// real one, so no alarm the room sets comes due on its own while a test runs, and goes on
// from wherever the test sets it (a clock that stands still keeps timers that wait for
// time to pass waiting for ever, and the room could then not be evicted): so the tests
// compare with the times the room reports, not with a time they computed.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { sqlFromStorage } from "../../../../domain/sql";
import { createOpContext } from "../../kernel/commit";
import { claimDue } from "./firing";
import type { Autopilot } from "../../room";
import { addMember, api, createKey, idem, RawSocket, signUp } from "../../../../test/harness";
import {
  alarmRings,
  alarms,
  clockAt,
  eventually,
  everyMinute,
  failure,
  firings,
  MINUTE,
  messagesIn,
  room,
  scheduleIn,
  second,
  unattendedSchedule,
  workspace,
} from "./test/harness";

describe("schedules over the socket", () => {
  it("are created, listed, paused, resumed and deleted; everyone hears of each change; one alarm follows the next run", async () => {
    const { owner, sock, threadId, t0 } = await workspace();
    const ws = owner.workspaceId;
    const watcher = await RawSocket.open(ws, { cookie: owner.cookie });
    await watcher.hello();

    const { schedule } = await sock.ok("schedules.create", {
      when: { kind: "every", everyMs: 60 * MINUTE },
      action: { kind: "prompt", threadId, text: "What did you do yesterday?" },
      idempotencyKey: idem(),
    });
    const created = schedule.createdAt;
    expect(schedule).toMatchObject({
      status: "active",
      nextRunAt: created + 60 * MINUTE,
      lastRunAt: null,
      lastOutcome: null,
      name: "Post “What did you do yesterday?”",
      createdBy: { id: owner.userId, kind: "user" },
    });
    await watcher.waitFor((f) => f.type === "event" && f.event === "schedule.changed");
    const onceAt = t0 + 2 * MINUTE;
    const once = await sock.ok("schedules.create", {
      name: "check the deploy",
      when: { kind: "once", at: onceAt },
      action: { kind: "prompt", threadId, text: "Is the deploy green?" },
      idempotencyKey: idem(),
    });
    expect(once.schedule).toMatchObject({ name: "check the deploy", nextRunAt: onceAt });
    // Active ones soonest first.
    expect((await sock.ok("schedules.list", {})).schedules.map((s) => s.id)).toEqual([once.schedule.id, schedule.id]);
    // One alarm, at the earliest next run.
    await eventually(async () => expect(await alarms(ws)).toEqual([second(onceAt)]));

    const paused = await sock.ok("schedules.pause", { scheduleId: once.schedule.id, idempotencyKey: idem() });
    expect(paused.schedule).toMatchObject({
      status: "paused",
      nextRunAt: null,
      lastOutcome: `paused by ${owner.name}`,
    });
    await eventually(async () => expect(await alarms(ws)).toEqual([second(created + 60 * MINUTE)]));
    const pausedToo = await sock.ok("schedules.pause", { scheduleId: schedule.id, idempotencyKey: idem() });
    expect(pausedToo.schedule.status).toBe("paused");
    // Nothing active: no alarm.
    await eventually(async () => expect(await alarms(ws)).toEqual([]));

    // Resumed from now: the next run is the first occurrence after the resume.
    clockAt(created + 90 * MINUTE);
    const again = await sock.ok("schedules.resume", { scheduleId: schedule.id, idempotencyKey: idem() });
    expect(again.schedule).toMatchObject({
      status: "active",
      nextRunAt: created + 120 * MINUTE,
      lastOutcome: `resumed by ${owner.name}`,
    });
    await eventually(async () => expect(await alarms(ws)).toEqual([second(created + 120 * MINUTE)]));
    // A one-off whose time passed while it was paused is not resumed.
    const late = failure(await sock.call("schedules.resume", { scheduleId: once.schedule.id, idempotencyKey: idem() }));
    expect(late.code).toBe("conflict");

    expect(await sock.ok("schedules.delete", { scheduleId: once.schedule.id, idempotencyKey: idem() })).toEqual({
      deleted: true,
    });
    await watcher.waitFor(
      (f) =>
        f.type === "event" &&
        f.event === "schedule.deleted" &&
        (f.payload as { scheduleId: string }).scheduleId === once.schedule.id,
    );
    expect((await sock.ok("schedules.list", {})).schedules.map((s) => s.id)).toEqual([schedule.id]);
    expect(await sock.ok("schedules.delete", { scheduleId: schedule.id, idempotencyKey: idem() })).toEqual({
      deleted: true,
    });
    expect(await sock.ok("schedules.delete", { scheduleId: schedule.id, idempotencyKey: idem() })).toEqual({
      deleted: false,
    });
    await eventually(async () => expect(await alarms(ws)).toEqual([]));
    // The audit names the schedule each line is about, even once it is deleted (the walk's "paused a schedule").
    const { entries } = await sock.ok("audit.list", { limit: 50 });
    const about = (action: string, id: string) =>
      entries.filter((e) => e.action === action && e.targetId === id).map((e) => e.details.name);
    expect(about("schedules.pause", once.schedule.id)).toEqual(["check the deploy"]);
    expect(about("schedules.resume", schedule.id)).toEqual(["Post “What did you do yesterday?”"]);
    expect(about("schedules.delete", once.schedule.id)).toEqual(["check the deploy"]);
  });

  it("refuses bad times, an unknown thread or time zone and a flood past the cap, each with a typed error", async () => {
    const { sock, threadId } = await workspace();
    const prompt = { kind: "prompt" as const, threadId, text: "hi" };
    const refuse = async (params: Record<string, unknown>) =>
      failure(await sock.call("schedules.create", { action: prompt, ...params, idempotencyKey: idem() }));

    const past = await refuse({ when: { kind: "once", at: Date.now() - 1000 } });
    expect(past).toMatchObject({ code: "bad_request", message: expect.stringMatching(/time has passed/) });
    const tooOften = await refuse({ when: { kind: "every", everyMs: 30_000 } });
    expect(tooOften).toMatchObject({ code: "bad_request", details: { minIntervalMs: 60_000 } });
    expect(tooOften.message).toMatch(/at most every 60 s/);
    const zone = await refuse({ when: { kind: "cron", expression: "0 9 * * 1-5", timeZone: "Mars/Olympus" } });
    expect(zone).toMatchObject({
      code: "bad_request",
      message: expect.stringMatching(/unknown time zone "Mars\/Olympus"/),
    });
    const noThread = await refuse({
      when: { kind: "every", everyMs: MINUTE },
      action: { kind: "prompt", threadId: "thr_nope", text: "hi" },
    });
    expect(noThread.code).toBe("not_found");
    const noProject = await refuse({
      when: { kind: "every", everyMs: MINUTE },
      action: { kind: "task", goal: "sum up", projectId: "prj_nope" },
    });
    expect(noProject).toMatchObject({ code: "not_found", details: { projectId: "prj_nope" } });
    // Shapes the schema refuses before the room reads them.
    expect((await refuse({ when: { kind: "every", everyMs: -5 } })).code).toBe("bad_request");
    const empty = { kind: "prompt", threadId, text: " " };
    expect((await refuse({ when: { kind: "every", everyMs: MINUTE }, action: empty })).code).toBe("bad_request");
    expect((await refuse({ when: { kind: "sometimes" } })).code).toBe("bad_request");
    expect((await sock.ok("schedules.list", {})).schedules).toEqual([]);

    // The cap (50, the default): the 51st is refused and changes nothing.
    for (let i = 0; i < 50; i++)
      await sock.ok("schedules.create", {
        when: { kind: "every", everyMs: (60 + i) * MINUTE },
        action: prompt,
        idempotencyKey: idem(),
      });
    const flood = await refuse({ when: { kind: "every", everyMs: MINUTE } });
    expect(flood).toMatchObject({ code: "conflict", details: { limit: 50 } });
    expect((await sock.ok("schedules.list", {})).schedules).toHaveLength(50);
  });

  it("takes a cron expression in a time zone, and refuses one that never fires, fires too often or does not parse", async () => {
    const { sock, threadId } = await workspace();
    const prompt = { kind: "prompt" as const, threadId, text: "hi" };
    const create = (when: Record<string, unknown>) =>
      sock.call("schedules.create", { when, action: prompt, idempotencyKey: idem() });
    const never = failure(await create({ kind: "cron", expression: "0 0 30 2 *", timeZone: "UTC" }));
    expect(never).toMatchObject({ code: "bad_request", message: expect.stringMatching(/never fires/) });
    const often = failure(await create({ kind: "cron", expression: "* * * * * *", timeZone: "UTC" }));
    expect(often).toMatchObject({ code: "bad_request", details: { minIntervalMs: 60_000 } });
    const garbage = failure(await create({ kind: "cron", expression: "every tuesday", timeZone: "UTC" }));
    expect(garbage).toMatchObject({ code: "bad_request", message: expect.stringMatching(/does not parse/) });
    expect((await sock.ok("schedules.list", {})).schedules).toEqual([]);
    // Weekdays at 9 in Berlin: the next run is a weekday, 9:00 there.
    const { schedule } = await sock.ok("schedules.create", {
      when: { kind: "cron", expression: "0 9 * * 1-5", timeZone: "Europe/Berlin" },
      action: prompt,
      idempotencyKey: idem(),
    });
    const berlin = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/Berlin",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    }).format(new Date(schedule.nextRunAt!));
    expect(berlin).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    expect(schedule.nextRunAt! - Date.now()).toBeLessThanOrEqual(4 * 24 * 60 * MINUTE);
  });

  it("an agent key without write lists schedules but cannot create, pause or delete them", async () => {
    const { owner, sock, threadId } = await workspace();
    const { schedule } = await sock.ok("schedules.create", {
      when: { kind: "every", everyMs: 10 * MINUTE },
      action: { kind: "prompt", threadId, text: "hi" },
      idempotencyKey: idem(),
    });
    const reader = await createKey(owner, owner.workspaceId, ["read"]);
    const agent = await RawSocket.open(owner.workspaceId, { key: reader.key });
    await agent.hello();
    expect((await agent.ok("schedules.list", {})).schedules.map((s) => s.id)).toEqual([schedule.id]);
    const create = { when: { kind: "every", everyMs: 10 * MINUTE }, action: { kind: "prompt", threadId, text: "x" } };
    for (const [method, params] of [
      ["schedules.create", create],
      ["schedules.pause", { scheduleId: schedule.id }],
      ["schedules.delete", { scheduleId: schedule.id }],
    ] as const) {
      const refused = failure(await agent.call(method, { ...params, idempotencyKey: idem() }));
      expect(refused).toMatchObject({ code: "forbidden", details: { scope: "write" } });
    }
    expect(await scheduleIn(sock, schedule.id)).toMatchObject({ status: "active" });
  });
});

describe("who may pause, resume and delete a schedule", () => {
  it("people with write pause and delete any; an agent only its own; resuming is the owner's or an admin's", async () => {
    const { owner, sock, threadId } = await workspace();
    const ws = owner.workspaceId;
    const member = await signUp();
    await addMember(owner, ws, member, "member");
    const memberSock = await RawSocket.open(ws, { cookie: member.cookie });
    await memberSock.hello();
    const key = await createKey(owner, ws, ["read", "write"], "bot");
    const agent = await RawSocket.open(ws, { key: key.key });
    await agent.hello();
    const make = (s: RawSocket) =>
      s.ok("schedules.create", {
        when: { kind: "every", everyMs: 10 * MINUTE },
        action: { kind: "prompt", threadId, text: "hi" },
        idempotencyKey: idem(),
      });
    const { schedule: owners } = await make(sock);
    const { schedule: agents } = await make(agent);
    const control = (s: RawSocket, method: "schedules.pause" | "schedules.resume" | "schedules.delete", id: string) =>
      s.call(method, { scheduleId: id, idempotencyKey: idem() });

    // An agent steers only what it made.
    for (const method of ["schedules.pause", "schedules.delete"] as const)
      expect(failure(await control(agent, method, owners.id))).toMatchObject({
        code: "forbidden",
        message: expect.stringMatching(/only the schedules it made/),
      });
    expect((await control(agent, "schedules.pause", agents.id)).ok).toBe(true);
    expect((await control(agent, "schedules.resume", agents.id)).ok).toBe(true);

    // A member pauses the owner's schedule, but turning it back on is the owner's (or an admin's).
    expect((await control(memberSock, "schedules.pause", owners.id)).ok).toBe(true);
    expect(failure(await control(memberSock, "schedules.resume", owners.id))).toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/acts as .*: only they or an admin may resume it/),
    });
    expect((await control(memberSock, "schedules.resume", agents.id)).ok).toBe(true);
    expect(await scheduleIn(sock, owners.id)).toMatchObject({ status: "paused" });
    expect((await control(sock, "schedules.resume", owners.id)).ok).toBe(true);
    // A member deletes the agent's schedule; the owner (an admin) resumes what the agent made.
    expect((await control(memberSock, "schedules.pause", agents.id)).ok).toBe(true);
    expect((await control(sock, "schedules.resume", agents.id)).ok).toBe(true);
    expect(await memberSock.ok("schedules.delete", { scheduleId: agents.id, idempotencyKey: idem() })).toEqual({
      deleted: true,
    });
    expect((await sock.ok("schedules.list", {})).schedules.map((s) => [s.id, s.status])).toEqual([
      [owners.id, "active"],
    ]);
  });
});

describe("a schedule fires", () => {
  it("exactly once per occurrence on the room's alarm, with no client connected; missed occurrences are one run", async () => {
    const { owner, ws, threadId, schedule, first } = await unattendedSchedule("ping");

    // Before its time the alarm finds nothing due.
    await eventually(async () => expect(await alarms(ws)).toEqual([second(first)]));
    clockAt(first - 30_000);
    await runDurableObjectAlarm(room(ws));
    expect(await firings(ws)).toEqual([]);

    alarmRings(first);
    expect(await runDurableObjectAlarm(room(ws))).toBe(true);
    expect(await firings(ws)).toEqual([{ occurrenceAt: first, status: "done" }]);
    // The alarm again, in the same occurrence: it was claimed, nothing more happens.
    await runInDurableObject(room(ws), (r: Autopilot) => r.scheduler.set(new Date(), "fireSchedules"));
    expect(await runDurableObjectAlarm(room(ws))).toBe(true);
    expect(await firings(ws)).toEqual([{ occurrenceAt: first, status: "done" }]);

    const reader = await RawSocket.open(ws, { cookie: owner.cookie });
    await reader.hello();
    const posted = await messagesIn(reader, threadId);
    expect(posted.map((m) => [m.text, m.author.id])).toEqual([["ping", owner.userId]]);
    const ran = await scheduleIn(reader, schedule.id);
    expect(ran).toMatchObject({
      status: "active",
      lastOutcome: "posted its prompt to “standup”",
      nextRunAt: first + MINUTE,
    });
    expect(ran?.lastRunAt).toBeGreaterThanOrEqual(first);
    reader.close();

    // The room was down through three occurrences: one run when it wakes, the next after now.
    clockAt(first + 3.5 * MINUTE);
    await runDurableObjectAlarm(room(ws));
    expect(await firings(ws)).toEqual([
      { occurrenceAt: first, status: "done" },
      { occurrenceAt: first + MINUTE, status: "done" },
    ]);
    const later = await RawSocket.open(ws, { cookie: owner.cookie });
    await later.hello();
    expect((await messagesIn(later, threadId)).map((m) => m.text)).toEqual(["ping", "ping"]);
    const after = await scheduleIn(later, schedule.id);
    expect(after).toMatchObject({ nextRunAt: first + 4 * MINUTE });
    expect(after?.lastOutcome).toMatch(/one run for 3 occurrences: 2 were missed while the room was down/);
    await eventually(async () => expect(await alarms(ws)).toEqual([second(first + 4 * MINUTE)]));
  });

  it("a one-off runs once and is done", async () => {
    const { owner, sock, threadId, t0 } = await workspace();
    const ws = owner.workspaceId;
    const at = t0 + 2 * MINUTE;
    const { schedule } = await sock.ok("schedules.create", {
      when: { kind: "once", at },
      action: { kind: "prompt", threadId, text: "deploy check" },
      idempotencyKey: idem(),
    });
    clockAt(at + MINUTE);
    await runDurableObjectAlarm(room(ws));
    expect(await scheduleIn(sock, schedule.id)).toMatchObject({ status: "done", nextRunAt: null });
    expect((await messagesIn(sock, threadId)).map((m) => m.text)).toEqual(["deploy check"]);
    await eventually(async () => expect(await alarms(ws)).toEqual([]));
  });

  it("a task schedule gives the Autopilot its goal through tasks.start, once per occurrence", async () => {
    const { owner, sock, threadId } = await workspace();
    const ws = owner.workspaceId;
    const { schedule } = await sock.ok("schedules.create", {
      when: { kind: "every", everyMs: 10 * MINUTE },
      action: { kind: "task", goal: "Summarise yesterday's threads", threadId },
      idempotencyKey: idem(),
    });
    expect(schedule.name).toBe("Task: Summarise yesterday's threads");
    const first = schedule.createdAt + 10 * MINUTE;
    alarmRings(first);
    await runDurableObjectAlarm(room(ws));
    await runInDurableObject(room(ws), (r: Autopilot) => r.scheduler.set(new Date(), "fireSchedules"));
    await runDurableObjectAlarm(room(ws));
    const { tasks } = await sock.ok("tasks.list", {});
    expect(tasks.map((t) => [t.goal, t.threadId, t.startedBy.id])).toEqual([
      ["Summarise yesterday's threads", threadId, owner.userId],
    ]);
    expect(await scheduleIn(sock, schedule.id)).toMatchObject({
      status: "active",
      lastOutcome: `started task ${tasks[0]?.id}`,
      nextRunAt: first + 10 * MINUTE,
    });
  });

  it("acts once when the room restarts between the claim and the act, and once when it restarts before the act was marked", async () => {
    const { owner, ws, threadId, schedule, first } = await unattendedSchedule("claimed");
    clockAt(first);
    // The claim commits (the firing is due, the next run moved on), then the object is gone
    // before it acts: as if it died between the two.
    await runInDurableObject(room(ws), (_r, state) => {
      const sql = sqlFromStorage(state.storage);
      sql.transaction(() => claimDue(createOpContext(sql, null, Date.now()).ctx));
    });
    expect(await firings(ws)).toEqual([{ occurrenceAt: first, status: "due" }]);
    await evictDurableObject(room(ws));

    // The next start acts on it.
    const reader = await RawSocket.open(ws, { cookie: owner.cookie });
    await reader.hello();
    await eventually(async () => expect(await firings(ws)).toEqual([{ occurrenceAt: first, status: "done" }]));
    expect((await messagesIn(reader, threadId)).map((m) => m.text)).toEqual(["claimed"]);

    // Acted, but the mark did not commit: the firing is due again after a restart. The act
    // is repeated with the same key, which the room answers from its record.
    await runInDurableObject(room(ws), (_r, state) => {
      state.storage.sql.exec("update schedule_firings set status = 'due' where schedule_id = ?", schedule.id);
    });
    await evictDurableObject(room(ws));
    const next = await RawSocket.open(ws, { cookie: owner.cookie });
    await next.hello();
    await eventually(async () => expect(await firings(ws)).toEqual([{ occurrenceAt: first, status: "done" }]));
    expect((await messagesIn(next, threadId)).map((m) => m.text)).toEqual(["claimed"]);
    expect(await scheduleIn(next, schedule.id)).toMatchObject({ status: "active", nextRunAt: first + MINUTE });
  });

  it("does not act for an owner whose access is gone: it pauses, saying why", async () => {
    const { owner, sock, threadId } = await workspace();
    const ws = owner.workspaceId;
    const key = await createKey(owner, ws, ["read", "write"], "reporter");
    const agent = await RawSocket.open(ws, { key: key.key });
    await agent.hello();
    const schedule = await everyMinute(agent, threadId, "report");
    expect(schedule.createdBy).toMatchObject({ kind: "agent", name: "reporter" });
    const revoked = await api("/api/auth/api-key/update", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ keyId: key.id, enabled: false }),
    });
    expect(revoked.status).toBe(200);

    const first = schedule.createdAt + MINUTE;
    alarmRings(first);
    await runDurableObjectAlarm(room(ws));
    const paused = await scheduleIn(sock, schedule.id);
    expect(paused).toMatchObject({ status: "paused", nextRunAt: null });
    expect(paused?.lastOutcome).toMatch(/^paused: reporter no longer has access \(API key disabled\)/);
    expect(await firings(ws)).toEqual([{ occurrenceAt: first, status: "failed" }]);
    expect(await messagesIn(sock, threadId)).toEqual([]);
    await eventually(async () => expect(await alarms(ws)).toEqual([]));
  });

  it("arms its alarm at a start without the scheduler's warning, and restarts keep exactly one alarm row", async () => {
    const { owner, ws, schedule, first } = await unattendedSchedule("tick");
    await eventually(async () => expect(await alarms(ws)).toEqual([second(first)]));
    // The row gone (as after an alarm that ran just before a restart): the next start writes it.
    await runInDurableObject(room(ws), async (r: Autopilot) => {
      for (const row of await r.scheduler.list())
        if (row.callback === "fireSchedules") await r.scheduler.cancel(row.id);
    });
    const warned: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warned.push(args.join(" ")));
    try {
      for (let start = 0; start < 3; start++) {
        await evictDurableObject(room(ws));
        const sock = await RawSocket.open(ws, { cookie: owner.cookie });
        await sock.hello();
        await eventually(async () => expect(await alarms(ws)).toEqual([second(first)]));
        expect(await scheduleIn(sock, schedule.id)).toMatchObject({ nextRunAt: first });
        sock.close();
      }
    } finally {
      warn.mockRestore();
    }
    // wrangler dev printed it at starts: `Scheduling "fireSchedules" during startup … without { idempotent: true }`.
    expect(warned.filter((w) => w.includes("idempotent"))).toEqual([]);
  });
});
