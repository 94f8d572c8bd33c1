// A model outage is not billed (docs/billing.md, "What costs credits"): a call that failed
// without usage (the endpoint closed the connection, cut its answer off, answered an error)
// costs nothing and leaves no receipt, whether it was a task's step and its retries, a reply or
// a scheduled reply. What ran before the outage is charged what the endpoint reported, and an
// endpoint's figures are bounded (a negative count credits nothing).
import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../../../../../shared/protocol/billing";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import { idem, type RawSocket } from "../../../../../test/harness";
import { agentRoom, autopilotSays, requestMark, requestsFor, say, taskState } from "./test/harness";

/** Every receipt of the workspace's usage (or of one run), newest first. */
async function usageEntries(sock: RawSocket, runId?: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  let before: { at: number; id: string } | undefined;
  for (;;) {
    const page = await sock.ok("billing.entries", {
      kind: "usage",
      limit: 100,
      ...(runId ? { runId } : {}),
      ...(before ? { before } : {}),
    });
    out.push(...page.entries);
    if (!page.next) return out;
    before = page.next;
  }
}

const balanceOf = async (sock: RawSocket) => (await sock.ok("billing.summary", {})).state.balance;

/** The default price table: credits per million input and output tokens, each call rounded up. */
const cost = (e: LedgerEntry) => Math.ceil(((e.inputTokens ?? 0) * 1000 + (e.outputTokens ?? 0) * 3000) / 1_000_000);

const failuresIn = (sock: RawSocket, threadId: string): EventFrame[] =>
  sock.events("chat.error").filter((f) => (f.payload as { threadId: string }).threadId === threadId);

/** The `n`th reply in `threadId` ended with an error (its run is over: every call of it is recorded). */
const replyFailed = (sock: RawSocket, threadId: string, n = 1) =>
  sock.waitFor(() => failuresIn(sock, threadId).length >= n, 30_000);

describe("a model outage costs nothing", () => {
  it("a task whose endpoint goes down mid-task: the failed step and its four retries cost 0; the balance falls by the step that ran", async () => {
    const { sock } = await agentRoom();
    const before = await balanceOf(sock);
    const mark = await requestMark();
    const marker = `outage-${crypto.randomUUID().slice(0, 8)}`;
    // Step 1 answers; then the endpoint cuts its answer off, then closes every connection.
    const goal = `FLAKY:${marker}:ok,cut,drop,drop,drop,drop STEPS: threads_list {}; threads_list {}`;
    const { task } = await sock.ok("tasks.start", { goal, idempotencyKey: idem() });
    const failed = await taskState(sock, task.id, (t) => t.status === "failed", 60_000);
    expect(failed.used.steps).toBe(1);
    expect(failed.outcome).toMatch(/connection lost/);

    // The model was asked six times: the step that ran, and the failed step with its four retries.
    expect(await requestsFor(mark, marker)).toHaveLength(6);
    const { entries: log } = await sock.ok("runlog.list", { runId: task.id, after: 0, limit: 50 });
    expect(log.filter((e) => e.kind === "model-call" && e.details.ok === false)).toHaveLength(5);
    expect(log.filter((e) => e.kind === "error").map((e) => e.details.retry)).toEqual([1, 2, 3, 4]);

    // One receipt: the step that ran, charged what the endpoint reported. The failed calls none.
    const entries = await usageEntries(sock, task.id);
    expect(entries).toHaveLength(1);
    const [ran] = entries;
    expect(ran).toMatchObject({ kind: "usage", purpose: "task", taskId: task.id, note: null });
    expect(ran!.amount).toBe(-cost(ran!));
    expect(ran!.amount).toBeLessThan(0);
    expect(await balanceOf(sock)).toBe(before + ran!.amount);
    sock.close();
  });

  it("a reply whose endpoint closes the connection, or answers HTTP 500, costs nothing", async () => {
    const { sock, thread } = await agentRoom();
    const before = await balanceOf(sock);
    const mark = await requestMark();
    const marker = `down-${crypto.randomUUID().slice(0, 8)}`;
    await say(sock, thread.id, `FLAKY:${marker}:drop,drop,drop`);
    await replyFailed(sock, thread.id);
    // The endpoint was asked, and closed the connection.
    expect((await requestsFor(mark, marker)).length).toBeGreaterThan(0);
    await say(sock, thread.id, `FAIL500 ${marker}`);
    await replyFailed(sock, thread.id, 2);
    expect(await usageEntries(sock)).toEqual([]);
    expect(await balanceOf(sock)).toBe(before);
    const usage = await sock.ok("usage.list", { threadId: thread.id, groupBy: "none", limit: 50 });
    // The failed calls are in the usage list as failed, without tokens.
    expect(usage.entries?.length).toBeGreaterThan(0);
    expect(usage.entries?.every((e) => !e.ok && e.inputTokens === null)).toBe(true);
    sock.close();
  });

  it("a scheduled reply whose endpoint is down costs nothing", async () => {
    const { sock, thread } = await agentRoom();
    const before = await balanceOf(sock);
    const marker = `sched-${crypto.randomUUID().slice(0, 8)}`;
    const { schedule } = await sock.ok("schedules.create", {
      when: { kind: "every", everyMs: 24 * 3_600_000 },
      action: { kind: "prompt", threadId: thread.id, text: `FLAKY:${marker}:drop,drop,drop` },
      idempotencyKey: idem(),
    });
    await sock.ok("schedules.run", { scheduleId: schedule.id, idempotencyKey: idem() });
    await replyFailed(sock, thread.id);
    expect(await usageEntries(sock)).toEqual([]);
    expect(await balanceOf(sock)).toBe(before);
    sock.close();
  });

  it("an endpoint's negative or fractional usage credits nothing and every receipt stays readable", async () => {
    const { sock, thread } = await agentRoom();
    const before = await balanceOf(sock);
    const marker = `lie-${crypto.randomUUID().slice(0, 8)}`;
    await say(sock, thread.id, `${marker} USAGE: -5000000,-2.5`);
    await autopilotSays(sock, thread.id, (m) => m.text.includes(marker), 30_000);
    const entries = await usageEntries(sock);
    expect(entries).toHaveLength(1);
    // No count at all: charged the call's worst case, as any call whose endpoint reported none.
    expect(entries[0]).toMatchObject({ inputTokens: null, outputTokens: null });
    expect(entries[0]!.amount).toBeLessThan(0);
    expect(await balanceOf(sock)).toBe(before + entries[0]!.amount);
    const usage = await sock.ok("usage.list", { threadId: thread.id, groupBy: "none", limit: 50 });
    expect(usage.entries?.map((e) => [e.inputTokens, e.outputTokens])).toEqual([[null, null]]);
    sock.close();
  });
});
