// The Runs view's figures (`runs.stats`, decision 83) in the real room on the scripted model:
// replies (one failed), a reply with a tool call, a task and an agent key's reply, counted per
// day, model and tool with credits equal to the ledger's; filters; pages; owners and admins only.
import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../../../../shared/protocol/billing";
import type { RunsStatsResult } from "../../../../../shared/protocol/runs";
import { addMember, createKey, idem, RawSocket, signUp } from "../../../../test/harness";
import { agentRoom, autopilotSays, say, taskState } from "../agent/scripted-model/test/harness";

/** Every usage row of the ledger, read the way the billing view does. */
async function usage(sock: RawSocket): Promise<LedgerEntry[]> {
  const rows: LedgerEntry[] = [];
  let before: { at: number; id: string } | undefined;
  for (;;) {
    const page = await sock.ok("billing.entries", { kind: "usage", limit: 500, ...(before ? { before } : {}) });
    rows.push(...page.entries);
    if (!page.next) return rows;
    before = page.next ?? undefined;
  }
}

/** The figures once every run has ended and has its trace (made in the background after the run wrote its log). */
async function settled(sock: RawSocket, count: number): Promise<RunsStatsResult> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const stats = await sock.ok("runs.stats", {});
    if (stats.runs.length === count && stats.runs.every((r) => r.durationMs !== null && r.traceId !== null))
      return stats;
    if (Date.now() > deadline) throw new Error(`runs not settled: ${JSON.stringify(stats.runs)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the runs over time", () => {
  it("counts a week's runs per day, model and tool, credits as the ledger's; filters, pages; owners and admins only", async () => {
    const { owner, sock, thread } = await agentRoom({ agents: true });
    const ws = owner.workspaceId;
    const { thread: other } = await sock.ok("threads.create", { title: "Other", idempotencyKey: idem() });
    const { project } = await sock.ok("projects.create", {
      name: "Runs",
      threadIds: [other.id],
      idempotencyKey: idem(),
    });

    await say(sock, thread.id, "SAY: one");
    await autopilotSays(sock, thread.id, (m) => m.text === "one");
    await say(sock, thread.id, `STEPS: chat_send {"threadId":"${other.id}","text":"noted"}`);
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));
    await say(sock, other.id, "FAIL500");
    await autopilotSays(sock, other.id, (m) => m.kind === "error");
    const { task } = await sock.ok("tasks.start", {
      goal: `STEPS: chat_send {"threadId":"${other.id}","text":"from a task"}`,
      idempotencyKey: idem(),
    });
    await taskState(sock, task.id, (t) => t.status === "done", 60_000);
    const key = await createKey(owner, ws, ["read", "write"], "Reporter");
    const agent = await RawSocket.open(ws, { key: key.key });
    const keyId = (await agent.hello()).principal.id;
    await say(agent, thread.id, "SAY: from a key");
    await autopilotSays(sock, thread.id, (m) => m.text === "from a key");

    const stats = await settled(sock, 5);
    const ledger = await usage(sock);
    const charged = (id: string) =>
      ledger.filter((e) => e.runId === id || e.taskId === id).reduce((sum, e) => sum - e.amount, 0);
    // Every run, newest first, its credits the ledger's; the failed one counted as an error.
    expect(stats.runs.map((r) => r.kind)).toEqual(["reply", "task", "reply", "reply", "reply"]);
    expect(stats.runs[1]).toMatchObject({ id: task.id, outcome: "done", projectId: null });
    expect(stats.runs[2]).toMatchObject({ threadId: other.id, projectId: project.id, outcome: "failed" });
    expect(stats.runs[0]!.triggeredBy).toMatchObject({ id: keyId, name: "Reporter" });
    for (const run of stats.runs) {
      expect(run.credits).toBe(charged(run.id));
      expect(run.traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    const total = ledger.reduce((sum, e) => sum - e.amount, 0);
    expect(total).toBeGreaterThan(0);
    expect(stats.totals).toMatchObject({ runs: 5, errors: 1, credits: total });
    expect(stats.totals.p50Ms).not.toBeNull();
    expect(stats.totals.p95Ms!).toBeGreaterThanOrEqual(stats.totals.p50Ms!);
    // Seven days in UTC, oldest first; today holds every run.
    expect(stats.timeZone).toBe("UTC");
    expect(stats.days).toHaveLength(7);
    expect(stats.days.at(-1)).toMatchObject({ day: new Date().toISOString().slice(0, 10), runs: 5, errors: 1 });
    expect(stats.days.slice(0, 6).every((d) => d.runs === 0 && d.p50Ms === null)).toBe(true);
    // Per model: every call of the runs, the failed one an error, the credits the ledger's.
    expect(stats.models.reduce((sum, m) => sum + m.credits, 0)).toBe(total);
    expect(stats.models.reduce((sum, m) => sum + m.errors, 0)).toBe(1);
    // Per tool: the reply's and the task's chat_send.
    expect(stats.tools).toEqual([expect.objectContaining({ tool: "chat_send", calls: 2, runs: 2, errors: 0 })]);
    expect(stats.triggerers.map((a) => a.id).sort()).toEqual([owner.userId, keyId].sort());

    // Filters: a thread, a project, who started them.
    const byThread = await sock.ok("runs.stats", { threadId: thread.id });
    expect(byThread.runs.map((r) => r.kind)).toEqual(["reply", "reply", "reply"]);
    expect(byThread.totals).toMatchObject({ runs: 3, errors: 0 });
    expect(byThread.tools[0]).toMatchObject({ tool: "chat_send", calls: 1 });
    const byProject = await sock.ok("runs.stats", { projectId: project.id });
    expect(byProject.runs.map((r) => r.outcome)).toEqual(["failed"]);
    expect(byProject.totals).toMatchObject({ runs: 1, errors: 1, credits: charged(byProject.runs[0]!.id) });
    const byKey = await sock.ok("runs.stats", { triggeredBy: keyId });
    expect(byKey.runs).toHaveLength(1);
    expect(byKey.totals.credits).toBe(charged(byKey.runs[0]!.id));
    // Another time zone names its own days; a page of two, then the rest.
    const tokyo = await sock.ok("runs.stats", { timeZone: "Asia/Tokyo", days: 3 });
    expect(tokyo.days.map((d) => d.day)).toHaveLength(3);
    expect(tokyo.days.at(-1)!.day).toBe(
      new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo" }).format(new Date()),
    );
    const first = await sock.ok("runs.stats", { limit: 2 });
    expect(first.runs.map((r) => r.id)).toEqual(stats.runs.slice(0, 2).map((r) => r.id));
    const rest = await sock.ok("runs.stats", { limit: 10, before: first.nextBefore! });
    expect(rest.runs.map((r) => r.id)).toEqual(stats.runs.slice(2).map((r) => r.id));
    expect(rest.nextBefore).toBeNull();

    // Bad input, in words.
    for (const params of [{ timeZone: "Mars/Olympus" }, { days: 0 }, { days: 400 }, { limit: 1000 }]) {
      const res = await sock.call("runs.stats", params);
      expect(res).toMatchObject({ ok: false, error: { code: "bad_request" } });
    }

    // Owners and admins only: a member and agent keys without the admin scope are refused; an admin reads.
    const member = await signUp();
    const admin = await signUp();
    expect((await addMember(owner, ws, member, "member")).status).toBe(201);
    expect((await addMember(owner, ws, admin, "admin")).status).toBe(201);
    const memberSock = await RawSocket.open(ws, { cookie: member.cookie });
    const adminSock = await RawSocket.open(ws, { cookie: admin.cookie });
    await Promise.all([memberSock.hello(), adminSock.hello()]);
    expect(await memberSock.call("runs.stats", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await agent.call("runs.stats", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const readOnly = await RawSocket.open(ws, { key: (await createKey(owner, ws, ["read"])).key });
    await readOnly.hello();
    expect(await readOnly.call("runs.stats", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect((await adminSock.ok("runs.stats", {})).totals.runs).toBe(5);
    for (const s of [sock, agent, memberSock, adminSock, readOnly]) s.close();
  });
});
