// Approvals that never stall silently (issue 73): whom an approval is sent to and where, the
// reminder ladder climbing while nobody decides, quiet hours passing a reminder to someone
// awake (never for a critical one), the asker told when nobody can decide, the figures, and an
// approval the room committed but stopped before sending, sent at its next start.
// The clock is the test's (as in the schedules' tests): vitest's fake Date reaches the room,
// starts a day ahead so no alarm comes due on its own, and the pool's runDurableObjectAlarm
// runs the room's alarm at the time the test set. Mail goes to the dev outbox in D1, which the
// tests read as each person.
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { DEFAULT_INBOX_PREFERENCES } from "../../../../../shared/protocol/inbox";
import type { ReminderLadder } from "../../../../../shared/protocol/settings";
import {
  addMember,
  api,
  autopilotStub,
  createKey,
  idem,
  inAutopilot,
  type Person,
  RawSocket,
  signUp,
  uniq,
} from "../../../../test/harness";
import type { Autopilot } from "../../room";
import { createOpContext } from "../../kernel/commit";
import { requestApproval } from "../approvals/index";

/** A person named `name` and something unique (addresses are unique across the tests). */
const person = (name: string) => signUp(uniq(name));

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SHORT_LADDER: ReminderLadder = [
  { afterMs: MINUTE, add: "surface" },
  { afterMs: 2 * MINUTE, add: "admins" },
  { afterMs: 3 * MINUTE, add: "owners" },
];

afterEach(() => {
  vi.useRealTimers();
});

/** The test's clock from here on, starting at `at` (a day ahead unless given). */
function testClock(at = Date.now() + DAY): number {
  vi.useFakeTimers({ toFake: ["Date"], now: at, shouldAdvanceTime: true });
  return at;
}

/** The room's alarm run with the clock at `at` (whole seconds, as the room sets them). */
async function alarmAt(ws: string, at: number): Promise<void> {
  vi.setSystemTime(Math.ceil(at / 1000) * 1000 + 1000);
  await runDurableObjectAlarm(autopilotStub(ws));
}

const mailsOf = async (person: Person) =>
  (await api<{ mails: { subject: string; text: string }[] }>("/api/dev/mail", { cookie: person.cookie })).body.mails;

/** The next approval.updated this socket gets for `id` whose reach `pick` accepts. */
const reachOf = (sock: RawSocket, id: string, pick: (a: Approval) => boolean) =>
  sock
    .waitForEvent<{ approval: Approval }>("approval.updated", (p) => p.approval.id === id && pick(p.approval), 10_000)
    .then((f) => (f.payload as { approval: Approval }).approval);

/** The thread's lines the Autopilot wrote about approvals. */
const toldInThread = async (sock: RawSocket, threadId: string) =>
  (await sock.ok("messages.list", { threadId, limit: 200 })).messages
    .filter((m) => m.author.name === "Autopilot" && m.text.startsWith("Approval “"))
    .map((m) => m.text);

const withLadder = (sock: RawSocket, more: Record<string, unknown> = {}) =>
  sock.ok("settings.update", { approvals: { reminders: SHORT_LADDER, ...more }, idempotencyKey: idem() });

describe("an approval reached on purpose", () => {
  it("goes to the member first, is reminded, then escalated to the owner, who decides it once; the thread hears each step and the figures count it", async () => {
    const ann = await person("Ann");
    const ws = ann.workspaceId;
    const ben = await person("Ben");
    await addMember(ann, ws, ben, "member");
    const agent = await createKey(ann, ws, ["read", "write"], "deployer");
    const t0 = testClock();
    const annSock = await RawSocket.open(ws, { cookie: ann.cookie });
    await annSock.hello();
    await withLadder(annSock);
    const { thread } = await annSock.ok("threads.create", { title: "release", idempotencyKey: idem() });
    const agentSock = await RawSocket.open(ws, { key: agent.key });
    await agentSock.hello();

    // Ben, the only member, is offline: he is sent it by mail at once.
    const { approval } = await agentSock.ok("approvals.request", {
      title: "Deploy v3",
      threadId: thread.id,
      idempotencyKey: idem(),
    });
    const filed = await reachOf(agentSock, approval.id, (a) => !!a.reach);
    expect(filed.reach).toMatchObject({
      sentTo: `sent to ${ben.name} by mail`,
      waiting: `waiting for ${ben.name}`,
      nobody: null,
      step: 0,
    });
    expect((await mailsOf(ben)).filter((m) => m.subject.includes("Deploy v3"))).toHaveLength(1);
    // A quick decision would add nothing to the thread: it hears of a wait once the ladder climbs.
    expect(await toldInThread(annSock, thread.id)).toEqual([]);

    // A minute on: Ben is reminded (mail is all he has).
    await alarmAt(ws, t0 + MINUTE);
    const reminded = await reachOf(agentSock, approval.id, (a) => a.reach?.step === 1);
    expect(reminded.reach?.remindedAt).not.toBeNull();
    expect((await mailsOf(ben)).filter((m) => m.subject.includes("Reminder"))).toHaveLength(1);

    // Two minutes on: no admins, so the owner is added; Ann has the app open.
    await alarmAt(ws, t0 + 2 * MINUTE);
    const escalated = await reachOf(agentSock, approval.id, (a) => a.reach?.step === 2);
    expect(escalated.reach).toMatchObject({
      sentTo: `sent to ${ben.name} by mail; ${ann.name} in the app`,
      waiting: `waiting for ${ben.name} and ${ann.name}`,
    });
    expect(await toldInThread(annSock, thread.id)).toEqual([
      `Approval “Deploy v3”: sent to ${ben.name} by mail; reminded ${ben.name} by mail; waiting for ${ben.name}.`,
      `Approval “Deploy v3”: sent to ${ann.name} in the app too; waiting for ${ben.name} and ${ann.name}.`,
    ]);

    // Ann decides; a second decision is refused; the asker reads the outcome.
    await annSock.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() });
    const again = await annSock.call("approvals.resolve", {
      approvalId: approval.id,
      decision: "deny",
      idempotencyKey: idem(),
    });
    expect(again).toMatchObject({ ok: false, error: { code: "already_resolved" } });
    const decided = await reachOf(agentSock, approval.id, (a) => a.reach?.outcome != null);
    expect(decided.reach).toMatchObject({ outcome: `approved by ${ann.name} in the app`, waiting: null });
    expect((await toldInThread(annSock, thread.id)).at(-1)).toBe(
      `Approval “Deploy v3”: approved by ${ann.name} in the app.`,
    );
    const decisions = (await annSock.ok("audit.list", {})).entries.filter(
      (e) => e.targetId === approval.id && (e.action === "approval.approved" || e.action === "approval.denied"),
    );
    expect(decisions).toHaveLength(1);

    // The figures, for owners and admins only.
    const { figures } = await annSock.ok("approvals.figures", {});
    expect(figures).toMatchObject({ decided: 1, expiredTold: 0, expiredNobodyTold: 0, pending: 0 });
    expect(figures.toFirstNotice.count).toBe(1);
    expect(figures.toDecision).toMatchObject({ count: 1 });
    expect(figures.toDecision.p50Ms).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(await agentSock.call("approvals.figures", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
    for (const s of [annSock, agentSock]) s.close();
  });

  it("in quiet hours goes to the next person awake; a critical one still reaches the first", async () => {
    const ann = await person("Ann");
    const ws = ann.workspaceId;
    const ben = await person("Ben");
    const cara = await person("Cara");
    await addMember(ann, ws, ben, "member");
    await addMember(ann, ws, cara, "admin");
    const agent = await createKey(ann, ws, ["read", "write"], "nightly");
    // 03:00 in Ben's zone (UTC), the day after tomorrow.
    const night = new Date(Date.now() + 2 * DAY);
    night.setUTCHours(3, 0, 0, 0);
    testClock(night.getTime());
    const benSock = await RawSocket.open(ws, { cookie: ben.cookie });
    await benSock.hello();
    await benSock.ok("inbox.configure", {
      preferences: { ...DEFAULT_INBOX_PREFERENCES, quietHours: { timeZone: "UTC", from: "22:00", to: "07:00" } },
      idempotencyKey: idem(),
    });
    expect(
      await benSock.call("inbox.configure", {
        preferences: {
          ...DEFAULT_INBOX_PREFERENCES,
          quietHours: { timeZone: "Mars/Olympus", from: "22:00", to: "07:00" },
        },
        idempotencyKey: idem(),
      }),
    ).toMatchObject({ ok: false, error: { code: "bad_request" } });
    benSock.close();
    const agentSock = await RawSocket.open(ws, { key: agent.key });
    await agentSock.hello();

    const { approval: routine } = await agentSock.ok("approvals.request", {
      title: "Rotate logs",
      risk: "high",
      idempotencyKey: idem(),
    });
    const passed = await reachOf(agentSock, routine.id, (a) => !!a.reach);
    expect(passed.reach).toMatchObject({ sentTo: `sent to ${cara.name} by mail`, waiting: `waiting for ${cara.name}` });
    expect((await mailsOf(ben)).filter((m) => m.subject.includes("Rotate logs"))).toHaveLength(0);

    const { approval: critical } = await agentSock.ok("approvals.request", {
      title: "Database is down: fail over",
      risk: "critical",
      idempotencyKey: idem(),
    });
    const woken = await reachOf(agentSock, critical.id, (a) => !!a.reach);
    expect(woken.reach).toMatchObject({ sentTo: `sent to ${ben.name} by mail`, waiting: `waiting for ${ben.name}` });
    expect((await mailsOf(ben)).filter((m) => m.subject.includes("fail over"))).toHaveLength(1);
    agentSock.close();
  });

  it("a reminder that falls at 03:00 in the decider's zone goes to the next person awake instead", async () => {
    const ann = await person("Ann");
    const ws = ann.workspaceId;
    const ben = await person("Ben");
    const cara = await person("Cara");
    await addMember(ann, ws, ben, "member");
    await addMember(ann, ws, cara, "admin");
    // Filed at 02:59 in Ben's zone, awake; the first reminder a minute later falls in his quiet hours.
    const before = new Date(Date.now() + 2 * DAY);
    before.setUTCHours(2, 59, 0, 0);
    const t0 = testClock(before.getTime());
    const annSock = await RawSocket.open(ws, { cookie: ann.cookie });
    await annSock.hello();
    await withLadder(annSock);
    const { thread } = await annSock.ok("threads.create", { title: "night", idempotencyKey: idem() });
    const benSock = await RawSocket.open(ws, { cookie: ben.cookie });
    await benSock.hello();
    await benSock.ok("inbox.configure", {
      preferences: { ...DEFAULT_INBOX_PREFERENCES, quietHours: { timeZone: "UTC", from: "03:00", to: "07:00" } },
      idempotencyKey: idem(),
    });
    benSock.close();
    const { approval } = await annSock.ok("approvals.request", {
      title: "Restart the queue",
      threadId: thread.id,
      idempotencyKey: idem(),
    });
    expect((await reachOf(annSock, approval.id, (a) => !!a.reach)).reach?.sentTo).toBe(`sent to ${ben.name} by mail`);

    await alarmAt(ws, t0 + MINUTE);
    const moved = await reachOf(annSock, approval.id, (a) => a.reach?.step === 1);
    expect(moved.reach).toMatchObject({
      sentTo: `sent to ${ben.name} by mail; ${cara.name} by mail`,
      waiting: `waiting for ${ben.name} and ${cara.name}`,
    });
    expect((await mailsOf(ben)).filter((m) => m.subject.includes("Reminder"))).toHaveLength(0);
    expect((await mailsOf(cara)).filter((m) => m.subject.includes("Restart the queue"))).toHaveLength(1);
    expect((await toldInThread(annSock, thread.id)).at(-1)).toBe(
      `Approval “Restart the queue”: sent to ${ben.name} by mail; sent to ${cara.name} by mail too; ${ben.name} is in quiet hours; waiting for ${ben.name} and ${cara.name}.`,
    );
    annSock.close();
  });

  it("nobody who may decide: the asker is told at once, again when the only decider is removed, and an expiry counts nobody told", async () => {
    const ann = await person("Ann");
    const ws = ann.workspaceId;
    testClock();
    const annSock = await RawSocket.open(ws, { cookie: ann.cookie });
    await annSock.hello();
    await annSock.ok("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() });
    const { thread } = await annSock.ok("threads.create", { title: "ops", idempotencyKey: idem() });

    // Alone under the two-person rule, Ann's own request has nobody to decide it.
    const { approval: alone } = await annSock.ok("approvals.request", {
      title: "Open the firewall",
      threadId: thread.id,
      expiresInMs: 5 * MINUTE,
      idempotencyKey: idem(),
    });
    const told = await reachOf(annSock, alone.id, (a) => !!a.reach);
    expect(told.reach?.nobody).toMatch(/^Nobody in the workspace may decide it now \(the two-person rule/);
    expect(told.reach?.sentTo).toBe("");
    expect((await toldInThread(annSock, thread.id))[0]).toMatch(
      /^Approval “Open the firewall”: nobody in the workspace/,
    );

    // With Cara, an admin, there is someone; when Cara is removed, Ann is told at once.
    const cara = await person("Cara");
    await addMember(ann, ws, cara, "admin");
    const { approval: second } = await annSock.ok("approvals.request", {
      title: "Rotate the keys",
      threadId: thread.id,
      idempotencyKey: idem(),
    });
    const sent = await reachOf(annSock, second.id, (a) => !!a.reach);
    expect(sent.reach).toMatchObject({ sentTo: `sent to ${cara.name} by mail`, nobody: null });
    const removed = await api(`/api/workspaces/${ws}/members/${cara.userId}`, { method: "DELETE", cookie: ann.cookie });
    expect(removed.status).toBeLessThan(300);
    const nobody = await reachOf(annSock, second.id, (a) => !!a.reach?.nobody);
    expect(nobody.reach?.nobody).toMatch(/^Nobody in the workspace may decide it now/);
    expect((await toldInThread(annSock, thread.id)).at(-1)).toMatch(
      /^Approval “Rotate the keys”: nobody in the workspace/,
    );

    // The first expires: its outcome says nobody could be told, and the figures count it so.
    await alarmAt(ws, alone.expiresAt!);
    const expired = await reachOf(annSock, alone.id, (a) => a.reach?.outcome != null);
    expect(expired.reach?.outcome).toBe(
      "expired: nobody decided in 5 minutes; nobody who could decide it could be told",
    );
    const { figures } = await annSock.ok("approvals.figures", {});
    expect(figures).toMatchObject({ expiredNobodyTold: 1, expiredTold: 0, nobodyReachable: 2, pending: 1 });
    annSock.close();
  });

  it("filed just before the room stopped, is sent at the next start, once; one older than the start's look-back is not", async () => {
    const ann = await person("Ann");
    const ws = ann.workspaceId;
    const ben = await person("Ben");
    await addMember(ann, ws, ben, "member");
    // An approval committed by the room, its reaction (who is told) never run: as when the room
    // stops between the approval's commit and the D1 read that sends it.
    const committedUnsent = (title: string, at: number) =>
      inAutopilot(ws, (sql) =>
        sql.transaction(
          () => requestApproval(createOpContext(sql, null, at).ctx, { title, details: "", risk: "medium" }).approval,
        ),
      );
    const now = Date.now();
    const old = await committedUnsent("Prune the old builds", now - 2 * 60 * MINUTE);
    const cut = await committedUnsent("Deploy v4", now - 5000);
    /**
     * The ladder's first step (the default: 5 minutes after filing) armed for `approval`: the
     * last write of its filing, so nothing of it is in flight when the room is evicted.
     */
    const reminderArmed = (approval: Approval) =>
      vi.waitFor(
        () =>
          inAutopilot(ws, async (_sql, room: Autopilot) => {
            const due = (await room.scheduler.list())
              .filter((row) => row.callback === "remindApprovals")
              .map((row) => (row.payload as { at: number }).at);
            expect(due).toContain(approval.requestedAt + 5 * MINUTE);
          }),
        { timeout: 10_000, interval: 50 },
      );
    const restart = async () => {
      await evictDurableObject(autopilotStub(ws));
      const sock = await RawSocket.open(ws, { cookie: ann.cookie });
      await sock.hello();
      return sock;
    };
    const reached = (sock: RawSocket, id: string) =>
      vi.waitFor(
        async () => {
          const { approval } = await sock.ok("approvals.get", { approvalId: id });
          expect(approval.reach).toBeTruthy();
          return approval;
        },
        { timeout: 10_000, interval: 50 },
      );
    const mailed = async (title: string) => (await mailsOf(ben)).filter((m) => m.subject.includes(title)).length;
    expect(await mailed("Deploy v4")).toBe(0);

    // The next start sends it: Ben, the only member, is offline, so by mail.
    const first = await restart();
    expect((await reached(first, cut.id)).reach).toMatchObject({
      sentTo: `sent to ${ben.name} by mail`,
      waiting: `waiting for ${ben.name}`,
      step: 0,
    });
    expect(await mailed("Deploy v4")).toBe(1);
    // The start files in order of filing, the older first: with the recent one reached, the old one was passed over.
    expect((await first.ok("approvals.get", { approvalId: old.id })).approval).toMatchObject({ status: "pending" });
    expect((await first.ok("approvals.get", { approvalId: old.id })).approval.reach ?? null).toBeNull();
    expect(await mailed("Prune the old builds")).toBe(0);
    await reminderArmed(cut);
    first.close();

    // Another stop, with a newer unsent approval: that one is sent, the first not again.
    const later = await committedUnsent("Deploy v5", Date.now() - 1000);
    const second = await restart();
    expect((await reached(second, later.id)).reach?.sentTo).toBe(`sent to ${ben.name} by mail`);
    expect(await mailed("Deploy v5")).toBe(1);
    expect(await mailed("Deploy v4")).toBe(1);
    expect((await second.ok("approvals.get", { approvalId: cut.id })).approval.reach).toMatchObject({
      sentTo: `sent to ${ben.name} by mail`,
      step: 0,
    });
    expect(await mailed("Prune the old builds")).toBe(0);
    await reminderArmed(later);
    second.close();
  });
});
