// Replies that reach one budget's edge together (decision 60): they share one spend approval,
// which lists each and asks for every reply's share; decided once, every reply goes on.
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { Thread } from "../../../../../../shared/protocol/threads";
import { approvalResolved, idem } from "../../../../../test/harness";
import { autopilotSays, say, spendAskedOf, spendRequested, teamRoom } from "./test/harness";

/** A team's room whose budget is one credit, and `count` threads titled `title` and a number. */
async function threadsAtTheEdge(count: number, title: string) {
  const { sock, deciders } = await teamRoom(1);
  await sock.ok("billing.setBudget", { scope: "workspace", limit: 1, idempotencyKey: idem() });
  const threads: string[] = [];
  for (let i = 0; i < count; i++)
    threads.push((await sock.ok("threads.create", { title: `${title} ${i}`, idempotencyKey: idem() })).thread.id);
  return { sock, deciders, threads };
}

describe("replies at one budget's edge together", () => {
  it("ten racing replies share one spend approval, each listed on it; approved once, all ten finish", async () => {
    const { sock, deciders, threads } = await threadsAtTheEdge(10, "Race");
    const marker = `race-${crypto.randomUUID().slice(0, 8)}`;
    await Promise.all(threads.map((id) => say(sock, id, `${marker} STEPS: threads_list {}`)));
    // Every reply waits on the one approval: its thread's waiting names it.
    const shared = await spendRequested(sock, "a reply");
    const waitingOn = (threadId: string) =>
      sock.waitFor<EventFrame>(
        (f) =>
          f.type === "event" &&
          f.event === "thread.updated" &&
          (f.payload as { thread: Thread }).thread.id === threadId &&
          (f.payload as { thread: Thread }).thread.waiting?.approvals.some((a) => a.id === shared.id) === true,
        30_000,
      );
    const waits = [];
    for (const id of threads) waits.push(await waitingOn(id));
    // "Go ahead without it" would stop the others' replies too: refused, with what to do instead.
    const runId = (waits[0]!.payload as { thread: Thread }).thread.waiting!.runId;
    expect(await sock.call("chat.goAhead", { runId, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "conflict", message: expect.stringMatching(/9 other replies share: decide it in Approvals/) },
    });
    const spendAsked = spendAskedOf(sock);
    expect(spendAsked).toHaveLength(1);
    const listed = await sock.ok("approvals.get", { approvalId: shared.id });
    const action = listed.approval.action as { amount: number; needed: number; waiting: { id: string }[] };
    expect(action.waiting).toHaveLength(9);
    expect(listed.approval.status).toBe("pending");
    expect(listed.approval.title).toMatch(/on 10 of the Autopilot's replies/);
    // What it asks grew with each reply that joined: every reply's share, each at least its next call.
    expect(action.amount).toBeGreaterThanOrEqual(action.needed);
    expect(action.amount).toBeGreaterThan((shared.action as { amount: number }).amount);

    await deciders[0]!.ok("approvals.resolve", { approvalId: shared.id, decision: "approve", idempotencyKey: idem() });
    for (const id of threads) await autopilotSays(sock, id, (m) => m.text.includes("TOOL RESULT SEEN"), 60_000);
    expect(spendAskedOf(sock)).toHaveLength(1);
    const budget = (await sock.ok("billing.summary", {})).state.budgets[0]!;
    expect(budget.raised).toBe(action.amount);
    expect(budget.used).toBeLessThanOrEqual(budget.limit + budget.raised);
    for (const s of [sock, ...deciders]) s.close();
  });

  it("stopping the reply that filed a shared spend approval leaves it pending for the others; approved, they finish", async () => {
    const { sock, deciders, threads } = await threadsAtTheEdge(3, "Stop");
    await say(sock, threads[0]!, "STEPS: threads_list {}");
    const shared = await spendRequested(sock, "a reply");
    for (const id of threads.slice(1)) await say(sock, id, "STEPS: threads_list {}");
    await sock.waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "approval.updated" &&
        ((f.payload as { approval: Approval }).approval.action as { waiting?: unknown[] }).waiting?.length === 2,
      30_000,
    );
    const filer = shared.threadId!;
    expect((await sock.ok("chat.abort", { threadId: filer, idempotencyKey: idem() })).aborted).toBe(true);
    // The reply stopped; its approval is the others' still.
    await sock.waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "thread.updated" &&
        (f.payload as { thread: Thread }).thread.id === filer &&
        !(f.payload as { thread: Thread }).thread.waiting,
      10_000,
    );
    expect((await sock.ok("approvals.get", { approvalId: shared.id })).approval.status).toBe("pending");
    await deciders[0]!.ok("approvals.resolve", { approvalId: shared.id, decision: "approve", idempotencyKey: idem() });
    for (const id of threads.filter((t) => t !== filer))
      await autopilotSays(sock, id, (m) => m.text.includes("TOOL RESULT SEEN"), 60_000);
    for (const s of [sock, ...deciders]) s.close();
  });

  it("under the two-person rule, two people's replies at the edge each get their own; one approved can leave room for the other", async () => {
    const { sock, deciders } = await teamRoom(1);
    const bob = deciders[0]!;
    await sock.ok("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() });
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 1, idempotencyKey: idem() });
    const mine = (await sock.ok("threads.create", { title: "Ann's", idempotencyKey: idem() })).thread.id;
    const his = (await sock.ok("threads.create", { title: "Bob's", idempotencyKey: idem() })).thread.id;
    await say(sock, mine, "STEPS: threads_list {}");
    const first = await spendRequested(sock, "a reply");
    await say(bob, his, "STEPS: threads_list {}");
    const second = await spendRequested(sock, "a reply", [first]);
    expect(second.id).not.toBe(first.id);
    const spenderOf = (a: Approval) => (a.action as { spender: { id: string } }).spender.id;
    expect(new Set([first, second].map(spenderOf)).size).toBe(2);
    expect((await sock.ok("approvals.get", { approvalId: first.id })).approval.action).not.toHaveProperty("waiting");
    // Bob decides Ann's; what it grants leaves room for his own reply, whose approval is then no longer needed.
    const annsId = (await sock.hello()).principal.id;
    const [annsApproval, bobsApproval] = spenderOf(first) === annsId ? [first, second] : [second, first];
    await bob.ok("approvals.resolve", { approvalId: annsApproval.id, decision: "approve", idempotencyKey: idem() });
    expect(await approvalResolved(sock, bobsApproval.id)).toMatchObject({
      status: "expired",
      note: expect.stringMatching(/^no longer needed/),
    });
    for (const id of [mine, his]) await autopilotSays(sock, id, (m) => m.text.includes("TOOL RESULT SEEN"), 60_000);
    for (const s of [sock, ...deciders]) s.close();
  });
});
