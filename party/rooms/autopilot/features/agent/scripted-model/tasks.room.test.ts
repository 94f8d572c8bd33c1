// Tasks (decision 41): a goal the Autopilot pursues step by step with nobody connected,
// checkpointed per step, resumed after a restart without repeating or losing a step,
// waiting for people on risky calls, stopped when its starter's access goes.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { RunLogEntry } from "../../../../../../shared/protocol/tasks";
import type { Message } from "../../../../../../shared/protocol/threads";
import { addMember, api, createKey, idem, inAutopilot, RawSocket, signUp } from "../../../../../test/harness";
import { agentRoom, approvalEvent, autopilotSays, say, taskState } from "./test/harness";

const testDb = () => (env as unknown as { DB: D1Database }).DB;
const roomStub = (workspaceId: string) => {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
  return rooms.get(rooms.idFromName(workspaceId));
};

/** Every entry of a run's log, page by page. */
async function wholeLog(sock: RawSocket, runId: string): Promise<RunLogEntry[]> {
  const entries: RunLogEntry[] = [];
  let after = 0;
  for (;;) {
    const page = await sock.ok("runlog.list", { runId, after, limit: 50 });
    entries.push(...page.entries);
    if (page.next === null) return entries;
    after = page.next;
  }
}

async function allMessages(sock: RawSocket, threadId: string): Promise<Message[]> {
  const { messages } = await sock.ok("messages.list", { threadId, limit: 200 });
  return messages;
}

describe("a task goes on with nobody watching", () => {
  it("takes 20+ steps, survives a restart mid-task without repeating or losing a step, and its log shows every step", async () => {
    const { owner, sock } = await agentRoom();
    const { thread: notes } = await sock.ok("threads.create", { title: "Step notes", idempotencyKey: idem() });
    const STEPS = 22;
    const steps = Array.from(
      { length: STEPS },
      (_, i) => `chat_send {"threadId":"${notes.id}","text":"note ${i + 1}"}`,
    ).join("; ");
    const { task } = await sock.ok("tasks.start", { goal: `STEPS: ${steps}`, idempotencyKey: idem() });
    expect(task).toMatchObject({ status: "queued", used: { steps: 0 }, startedBy: { kind: "user" } });
    expect(task.budget.maxSteps).toBeGreaterThanOrEqual(STEPS + 1);

    // A few steps in, the person leaves and the room goes down hard (a deploy, a crash).
    await taskState(sock, task.id, (t) => t.used.steps >= 6);
    sock.close();
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => state.abort("restart")).catch(() => {});
    // Nobody reconnects: the room's own alarm wakes it and the task goes on.
    expect(await runDurableObjectAlarm(roomStub(owner.workspaceId))).toBe(true);

    const back = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await back.hello();
    const current = (await back.ok("tasks.get", { taskId: task.id })).task;
    const done =
      current.status === "done" ? current : await taskState(back, task.id, (t) => t.status !== "running", 60_000);
    expect(done).toMatchObject({ status: "done", used: { steps: STEPS + 1 } });
    expect(done.outcome).toMatch(/TOOL RESULT SEEN/);

    // Every step's effect happened exactly once, in order.
    const posted = (await allMessages(back, notes.id)).map((m) => m.text);
    expect(posted).toEqual(Array.from({ length: STEPS }, (_, i) => `note ${i + 1}`));

    const log = await wholeLog(back, task.id);
    const tools = log.filter((e) => e.kind === "tool-call");
    expect(tools.map((e) => e.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(tools.every((e) => e.details.status === "ok" && e.details.tool === "chat_send")).toBe(true);
    const stepsAsked = new Set(log.filter((e) => e.kind === "model-call").map((e) => e.step));
    expect(stepsAsked.size).toBe(STEPS + 1);
    expect(log.at(-1)).toMatchObject({ kind: "end", details: { status: "done" } });
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    // The job shows the task's progress and end.
    const { jobs } = await back.ok("jobs.list", {});
    expect(jobs.find((j) => j.id === done.jobId)).toMatchObject({ status: "succeeded", owner: { id: "autopilot" } });
    back.close();
  });

  it("a risky step waits for a second person, for as long as it takes, and goes on after the decision", async () => {
    const { owner, sock } = await agentRoom();
    await sock.ok("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() });
    const { thread: target } = await sock.ok("threads.create", { title: "Old plans", idempotencyKey: idem() });
    const goal = `STEPS: threads_list {}; threads_archive {"threadId":"${target.id}"}; threads_list {}`;
    const { task } = await sock.ok("tasks.start", { goal, idempotencyKey: idem() });
    const waiting = await taskState(sock, task.id, (t) => t.status === "waiting");
    expect(waiting.used.steps).toBe(1);
    const pending = (await sock.ok("approvals.list", { status: "pending" })).approvals.find(
      (a: Approval) => a.action?.kind === "tool" && a.action.runId === task.id,
    );
    expect(pending).toMatchObject({ title: "The Autopilot wants to archive a thread", onBehalfOf: { kind: "user" } });
    // Its words (what mail, push, chats and the app all show) say which task and step asks.
    expect(pending!.summary).toBe(
      `Step 2 of ${owner.name}’s task “${goal.slice(0, 59)}…” wants to archive the thread “Old plans”: it leaves the thread list.`,
    );
    expect(sock.events("thread.archived")).toHaveLength(0);
    // The starter may not decide it alone (two-person rule); the wait survives a restart.
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => state.abort("restart")).catch(() => {});
    const bob = await signUp();
    await addMember(owner, owner.workspaceId, bob, "member");
    const bobSock = await RawSocket.open(owner.workspaceId, { cookie: bob.cookie });
    await bobSock.hello();
    await bobSock.ok("approvals.resolve", { approvalId: pending!.id, decision: "approve", idempotencyKey: idem() });
    const done = await taskState(bobSock, task.id, (t) => t.status === "done");
    expect(done.used.steps).toBe(4);
    expect(bobSock.events("thread.archived")).toHaveLength(1);
    const log = await wholeLog(bobSock, task.id);
    expect(log.filter((e) => e.kind === "approval").map((e) => e.text)).toEqual([
      "Asked the people to approve: The Autopilot wants to archive a thread",
      `${bob.name} approved: The Autopilot wants to archive a thread`,
    ]);
    bobSock.close();
    sock.close();
  });

  it("a task paused while it waits keeps the decision made meanwhile and goes on with it when resumed", async () => {
    const { sock } = await agentRoom();
    const { thread: target } = await sock.ok("threads.create", { title: "Old", idempotencyKey: idem() });
    const { task } = await sock.ok("tasks.start", {
      goal: `STEPS: threads_archive {"threadId":"${target.id}"}`,
      idempotencyKey: idem(),
    });
    await taskState(sock, task.id, (t) => t.status === "waiting");
    expect((await sock.ok("tasks.pause", { taskId: task.id, idempotencyKey: idem() })).task.status).toBe("paused");
    const pending = (await sock.ok("approvals.list", { status: "pending" })).approvals.find(
      (a: Approval) => a.action?.kind === "tool" && a.action.runId === task.id,
    );
    await sock.ok("approvals.resolve", {
      approvalId: pending!.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    const log = await wholeLog(sock, task.id);
    expect(log.at(-1)).toMatchObject({ kind: "approval", details: { status: "approved" } });
    expect((await sock.ok("tasks.get", { taskId: task.id })).task.status).toBe("paused");
    expect(sock.events("thread.archived")).toHaveLength(0);
    await sock.ok("tasks.resume", { taskId: task.id, idempotencyKey: idem() });
    await taskState(sock, task.id, (t) => t.status === "done");
    expect(sock.events("thread.archived")).toHaveLength(1);
    // The audit names the task paused and resumed by its goal (the walk read "resumed a task").
    const { entries } = await sock.ok("audit.list", { limit: 50 });
    const goals = entries
      .filter((e) => (e.action === "task.paused" || e.action === "task.resumed") && e.targetId === task.id)
      .map((e) => [e.action, e.details.goal]);
    expect(goals).toEqual([
      ["task.resumed", task.goal],
      ["task.paused", task.goal],
    ]);
    sock.close();
  });

  it("says what a task may cost at most before it starts (and in the Autopilot's own start's approval): the lesser of its tokens and one more step or its steps at their most, at the dearer price, and what such a task typically costs here", async () => {
    const { sock } = await agentRoom();
    const defaults = await sock.ok("tasks.estimate", {});
    const small = await sock.ok("tasks.estimate", { budget: { maxTokens: 10_000 } });
    expect(small.budget).toEqual({ ...defaults.budget, maxTokens: 10_000 });
    for (const { budget, worstCase } of [defaults, small]) {
      // The default price table: 1,000 credits per million tokens in, 3,000 out.
      expect(worstCase!.pricePerMillion).toBe(3000);
      expect(worstCase!.tokens).toBeGreaterThan(budget.maxTokens);
      expect(worstCase!.credits).toBe(Math.ceil((worstCase!.tokens * 3000) / 1_000_000));
    }
    // One more step past the budget is the same whatever the budget.
    expect(defaults.worstCase!.tokens - defaults.budget.maxTokens).toBe(small.worstCase!.tokens - 10_000);
    // Fewer steps than the tokens would take cost less at worst: 12 steps are not 50 (the walk saw one figure for both).
    const twelve = await sock.ok("tasks.estimate", { budget: { maxSteps: 12 } });
    const fifty = await sock.ok("tasks.estimate", { budget: { maxSteps: 50 } });
    const step = defaults.worstCase!.tokens - defaults.budget.maxTokens;
    expect(twelve.worstCase!.tokens).toBe(Math.min(12 * step, twelve.budget.maxTokens + step));
    expect(twelve.worstCase!.credits).toBeLessThan(fifty.worstCase!.credits);
    // Beside it, a typical cost: before any task here was charged, a stated guess, never above the worst case.
    expect(twelve.typical).toMatchObject({ basis: "default", steps: 5, calls: 0, tasks: 0 });
    expect(twelve.typical!.credits).toBeGreaterThan(0);
    expect(twelve.typical!.credits).toBeLessThanOrEqual(twelve.worstCase!.credits);
    expect(await sock.call("tasks.estimate", { budget: { maxSteps: 100_000 } })).toMatchObject({
      ok: false,
      error: { code: "bad_request", details: { field: "maxSteps" } },
    });
    // The Autopilot's own tasks.start asks a person first, and its approval says the same worst case.
    const { thread } = await sock.ok("threads.create", { title: "Digest", idempotencyKey: idem() });
    await say(sock, thread.id, 'STEPS: tasks_start {"goal":"Weekly digest","budget":{"maxTokens":10000}}');
    const asked = await approvalEvent(sock, "pending");
    expect(asked.action).toMatchObject({ kind: "tool", tool: "tasks_start" });
    expect(asked.details).toMatch(
      new RegExp(
        `^May cost up to ${small.worstCase!.credits.toLocaleString("en-US")} credits \\(its whole budget, or every step at its most\\); typically ~${small.typical!.credits} credits? \\(a guess: no task has run here yet\\)\\.`,
      ),
    );
    await sock.ok("approvals.resolve", { approvalId: asked.id, decision: "deny", idempotencyKey: idem() });
    // Once a task ran here, the typical cost is read from what its steps were charged.
    const { task } = await sock.ok("tasks.start", { goal: "STEPS: threads_list {}", idempotencyKey: idem() });
    await taskState(sock, task.id, (t) => t.status === "done");
    const after = await sock.ok("tasks.estimate", { budget: { maxSteps: 12 } });
    expect(after.typical).toMatchObject({ basis: "recent", tasks: 1 });
    expect(after.typical!.calls).toBeGreaterThanOrEqual(1);
    expect(after.typical!.credits).toBeLessThanOrEqual(after.worstCase!.credits);
    sock.close();
  });

  it("bad input is refused with typed errors and changes nothing; an agent without write cannot start one", async () => {
    const { owner, sock, thread } = await agentRoom();
    const over = await sock.call("tasks.start", { goal: "x", budget: { maxSteps: 100_000 }, idempotencyKey: idem() });
    expect(over).toMatchObject({ ok: false, error: { code: "bad_request", details: { field: "maxSteps" } } });
    expect(await sock.call("tasks.start", { goal: "  ", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(await sock.call("tasks.start", { goal: "x", projectId: "prj_nope", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    const reader = await createKey(owner, owner.workspaceId, ["read"]);
    const agent = await RawSocket.open(owner.workspaceId, { key: reader.key });
    await agent.hello();
    expect(await agent.call("tasks.start", { goal: "x", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    // One unfinished task per thread.
    const { task } = await sock.ok("tasks.start", {
      goal: `STEPS: threads_archive {"threadId":"${thread.id}"}`,
      threadId: thread.id,
      idempotencyKey: idem(),
    });
    expect(
      await sock.call("tasks.start", { goal: "again", threadId: thread.id, idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "conflict", details: { taskId: task.id } } });
    expect((await sock.ok("tasks.list", {})).tasks.map((t) => t.id)).toEqual([task.id]);
    await sock.ok("tasks.cancel", { taskId: task.id, reason: "not now", idempotencyKey: idem() });
    const cancelled = await taskState(sock, task.id, (t) => t.status === "cancelled");
    expect(cancelled.outcome).toMatch(/not now/);
    agent.close();
    sock.close();
  });

  it("stops when its starter's key is revoked, and what it waits for is withdrawn with the reason", async () => {
    const { owner, sock } = await agentRoom();
    const key = await createKey(owner, owner.workspaceId, ["read", "write"], "starter");
    const agent = await RawSocket.open(owner.workspaceId, { key: key.key });
    await agent.hello();
    const { thread: target } = await sock.ok("threads.create", { title: "Keep", idempotencyKey: idem() });
    const { task } = await agent.ok("tasks.start", {
      goal: `STEPS: threads_archive {"threadId":"${target.id}"}`,
      idempotencyKey: idem(),
    });
    expect(task.startedBy).toMatchObject({ kind: "agent", name: "starter" });
    await taskState(sock, task.id, (t) => t.status === "waiting");
    const revoked = await api("/api/auth/api-key/delete", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ keyId: key.id }),
    });
    expect(revoked.status).toBe(200);
    const stopped = await taskState(sock, task.id, (t) => t.status === "stopped");
    expect(stopped.outcome).toMatch(/starter started this task and no longer has access \(API key revoked\)/);
    const { approvals } = await sock.ok("approvals.list", { status: "pending" });
    expect(approvals.filter((a: Approval) => a.action?.kind === "tool")).toHaveLength(0);
    expect(sock.events("thread.archived")).toHaveLength(0);
    sock.close();
  });

  it("a task that ends takes the room's heartbeat with it: an idle room is not woken for nothing", async () => {
    const { owner, sock } = await agentRoom();
    const beats = () =>
      inAutopilot(
        owner.workspaceId,
        (sql) => sql.one<{ n: number }>("SELECT count(*) AS n FROM cf_agents_jobs WHERE fn = 'resumeTasks'")?.n ?? 0,
      );
    const { task } = await sock.ok("tasks.start", { goal: 'STEPS: threads_list {"limit":1}', idempotencyKey: idem() });
    const done = await taskState(sock, task.id, (t) => t.status !== "queued" && t.status !== "running", 20_000);
    expect(done.status).toBe("done");
    // The beat goes when the runner's last loop ends, not at its next beat (30 s on).
    await expect.poll(beats, { timeout: 10_000, interval: 100 }).toBe(0);
    sock.close();
  });

  it("a starter gone from D1 with no word to the room: the next step after the kept read's window reads it and stops (decision 100)", async () => {
    const { owner, sock } = await agentRoom();
    const key = await createKey(owner, owner.workspaceId, ["read", "write"], "quiet starter");
    const agent = await RawSocket.open(owner.workspaceId, { key: key.key });
    await agent.hello();
    // Three tool steps, then a model call that fails with a retry-after longer than the window a
    // step's read of access is kept: the key goes while the task waits to ask again.
    const steps = Array.from({ length: 6 }, () => 'threads_list {"limit":1}').join("; ");
    const { task } = await agent.ok("tasks.start", {
      goal: `FLAKY:quiet-${idem()}:ok,ok,ok,429@3 STEPS: ${steps}`,
      idempotencyKey: idem(),
    });
    await expect
      .poll(async () => (await wholeLog(sock, task.id)).some((e) => e.kind === "error" && /retry 1/.test(e.text)), {
        timeout: 20_000,
        interval: 100,
      })
      .toBe(true);
    await testDb().prepare(`delete from "apikey" where "id" = ?`).bind(key.id).run();
    const stopped = await taskState(sock, task.id, (t) => t.status !== "running" && t.status !== "queued", 20_000);
    expect(stopped.status).toBe("stopped");
    expect(stopped.outcome).toMatch(/quiet starter started this task and no longer has access \(API key revoked\)/);
    expect(stopped.used.steps).toBe(3);
    agent.close();
    sock.close();
  });
});

describe("a task recovers", () => {
  it("asks the model again after 503, 503 and a 429 with retry-after, each retry in its run log, and finishes", async () => {
    const { sock } = await agentRoom();
    const { thread: notes } = await sock.ok("threads.create", { title: "Flaky notes", idempotencyKey: idem() });
    const { task } = await sock.ok("tasks.start", {
      goal: `FLAKY:retry-${idem()}:503,503,429@1 STEPS: chat_send {"threadId":"${notes.id}","text":"written once"}`,
      idempotencyKey: idem(),
    });
    const done = await taskState(sock, task.id, (t) => t.status !== "queued" && t.status !== "running", 60_000);
    expect(done).toMatchObject({ status: "done", used: { steps: 2 } });
    const log = await wholeLog(sock, task.id);
    const retries = log.filter((e) => e.kind === "error");
    expect(retries.map((e) => e.details.retry)).toEqual([1, 2, 3]);
    // Backoff doubles; the 429's retry-after (1 s) is what the third waits.
    expect(retries.map((e) => e.details.waitMs)).toEqual([1000, 2000, 1000]);
    expect(retries[0]!.text).toMatch(/HTTP 503.*asking again in 1 s, retry 1 of 4/);
    expect(retries[2]!.text).toMatch(/rate limiting \(HTTP 429\)/);
    expect(retries.every((e) => e.step === 1)).toBe(true);
    // Every failed call is in the log too, before its retry.
    expect(log.filter((e) => e.kind === "model-call" && e.details.ok === false)).toHaveLength(3);
    expect((await allMessages(sock, notes.id)).map((m) => m.text)).toEqual(["written once"]);
    sock.close();
  });

  it("fails on a permanent error; a person resumes it from its last step without repeating one, its agent may not", async () => {
    const { owner, sock } = await agentRoom();
    const { thread: notes } = await sock.ok("threads.create", { title: "Resumed notes", idempotencyKey: idem() });
    const say = (n: number) => `chat_send {"threadId":"${notes.id}","text":"note ${n}"}`;
    // An agent starts it: two steps post a note each; the third model call is refused (400:
    // asking again changes nothing).
    const key = await createKey(owner, owner.workspaceId, ["read", "write"], "worker");
    const agent = await RawSocket.open(owner.workspaceId, { key: key.key });
    await agent.hello();
    const { task } = await agent.ok("tasks.start", {
      goal: `FLAKY:resume-${idem()}:ok,ok,400 STEPS: ${say(1)}; ${say(2)}`,
      idempotencyKey: idem(),
    });
    const failed = await taskState(sock, task.id, (t) => t.status === "failed", 60_000);
    expect(failed.outcome).toMatch(/HTTP 400/);
    expect(failed.used.steps).toBe(2);
    expect((await wholeLog(sock, task.id)).filter((e) => e.kind === "error")).toHaveLength(0);
    const job = (await sock.ok("jobs.list", {})).jobs.find((j) => j.id === failed.jobId);
    expect(job?.status).toBe("failed");

    // The agent that started it does not restart ended work: a person does.
    expect(await agent.call("tasks.resume", { taskId: task.id, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringMatching(/only a person may resume it/) },
    });
    agent.close();
    expect((await sock.ok("tasks.get", { taskId: task.id })).task.status).toBe("failed");

    // The endpoint answers again (its scripted failures are used up): the person resumes.
    const { task: resumed } = await sock.ok("tasks.resume", { taskId: task.id, idempotencyKey: idem() });
    expect(resumed).toMatchObject({ status: "queued", outcome: null, endedAt: null });
    const ended = (t: { status: string; updatedAt: number }) =>
      t.updatedAt > resumed.updatedAt && (t.status === "done" || t.status === "failed");
    const done = await taskState(sock, task.id, ended, 60_000);
    expect(done).toMatchObject({ status: "done", used: { steps: 3 } });
    // Each note was posted once, the steps before the failure not taken again.
    expect((await allMessages(sock, notes.id)).map((m) => m.text)).toEqual(["note 1", "note 2"]);
    const tools = (await wholeLog(sock, task.id)).filter((e) => e.kind === "tool-call");
    expect(tools.map((e) => e.step)).toEqual([1, 2]);
    expect((await sock.ok("jobs.list", {})).jobs.find((j) => j.id === done.jobId)?.status).toBe("succeeded");
    // A finished task is not resumed: a new one is started for more.
    expect(await sock.call("tasks.resume", { taskId: task.id, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "conflict" },
    });
    sock.close();
  });
});

describe("a reply's run has a log too", () => {
  it("its model calls, tool calls and the approval a person gave, in order, also live", async () => {
    const { sock, thread } = await agentRoom();
    const { thread: target } = await sock.ok("threads.create", { title: "Done plans", idempotencyKey: idem() });
    await say(sock, thread.id, `STEPS: threads_list {}; threads_archive {"threadId":"${target.id}"}`);
    const listed = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "threads_list");
    const runId = listed.tool!.runId!;
    const pending = await sock.waitFor<EventFrame>(
      (f) => f.type === "event" && f.event === "approval.requested",
      20_000,
    );
    const approval = (pending.payload as { approval: Approval }).approval;
    await sock.ok("approvals.resolve", {
      approvalId: approval.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));
    const log = await wholeLog(sock, runId);
    expect(log.map((e) => e.kind)).toEqual([
      "model-call",
      "tool-call",
      "model-call",
      "approval",
      "tool-call",
      "model-call",
    ]);
    expect(log.find((e) => e.kind === "approval")?.text).toMatch(/approved: The Autopilot wants to archive a thread/);
    expect(log.filter((e) => e.kind === "tool-call").map((e) => e.details.tool)).toEqual([
      "threads_list",
      "threads_archive",
    ]);
    // What was logged also came live, entry by entry.
    const live = sock
      .events("runlog.appended")
      .flatMap((e) => (e.payload as { runId: string; entries: RunLogEntry[] }).entries)
      .filter((e) => e.runId === runId);
    expect(live.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
    sock.close();
  });
});
