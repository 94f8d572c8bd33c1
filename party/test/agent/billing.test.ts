// Money (decision 44) against the scripted model: budgets checked before each model call, a
// spend approval where a task would cross one (approved: it goes on once; denied: it stops),
// racing approvers, a restart while it waits, out of credits, and a ledger whose entries are
// the model's reported usage, each call once.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../shared/protocol/approvals";
import type { LedgerEntry } from "../../../shared/protocol/billing";
import type { EventFrame } from "../../../shared/protocol/frames";
import type { Thread } from "../../../shared/protocol/threads";
import { appendLedger, setWorkspacePlan } from "../../rooms/autopilot/features/billing/billing";
import type { Autopilot } from "../../rooms/autopilot/room";
import { type Sql, sqlFromStorage } from "../../domain/sql";
import { addMember, approvalResolved, createKey, idem, RawSocket, signUp } from "../harness";
import {
  agentRoom,
  autopilotMessages,
  autopilotSays,
  requestMark,
  requestsFor,
  say,
  spendAskedOf,
  spendRequested,
  taskState,
  teamRoom,
} from "../../rooms/autopilot/features/agent/scripted-model/test/harness";
import { roomCall } from "../../room-rpc";

const roomStub = (workspaceId: string) => {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
  return rooms.get(rooms.idFromName(workspaceId));
};

/** Runs `fn` on the room's SQL (an operator's hand, as the /admin routes do it). */
const inRoom = (workspaceId: string, fn: (sql: Sql) => void) =>
  runInDurableObject(roomStub(workspaceId), async (room: Autopilot, state) => {
    await room.lifecycle.start();
    fn(sqlFromStorage(state.storage));
  });

async function entriesOf(sock: RawSocket, runId: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  let before: { at: number; id: string } | undefined;
  for (;;) {
    const page = await sock.ok("billing.entries", { runId, limit: 100, ...(before ? { before } : {}) });
    out.push(...page.entries);
    if (!page.next) return out;
    before = page.next;
  }
}

/** The default price table: credits per million input and output tokens, each call rounded up. */
const cost = (e: LedgerEntry) => Math.ceil(((e.inputTokens ?? 0) * 1000 + (e.outputTokens ?? 0) * 3000) / 1_000_000);

describe("budgets are checked before spending", () => {
  it("a task that would cross the budget asks once for the rest of it: approved once, it finishes; the ledger is the model's usage", async () => {
    const { sock, deciders } = await teamRoom();
    const mark = await requestMark();
    // Each step's worst case is some tens of credits (every byte of its input, the tools'
    // descriptions too, a token, and every output token it may take), its actual cost a few: a
    // budget of a few steps' worst case lets the first steps go and stops one before it crosses.
    const LIMIT = 60;
    const set = await sock.ok("billing.setBudget", { scope: "workspace", limit: LIMIT, idempotencyKey: idem() });
    expect(set.state.budgets).toEqual([
      { scope: "workspace", subjectId: null, limit: LIMIT, raised: 0, used: 0, remaining: LIMIT },
    ]);
    const marker = `budget-${crypto.randomUUID().slice(0, 8)}`;
    const goal = `STEPS: ${Array.from({ length: 12 }, () => "threads_list {}").join("; ")} ${marker}`;
    const { task } = await sock.ok("tasks.start", { goal, idempotencyKey: idem() });

    const first = await spendRequested(sock, { task: task.id });
    const waiting = await taskState(sock, task.id, (t) => t.status === "waiting");
    expect(waiting.used.steps).toBeGreaterThan(0);
    expect(first.action).toMatchObject({
      kind: "spend",
      budget: { scope: "workspace", subjectId: null },
      for: { kind: "task", id: task.id },
    });
    expect(first.onBehalfOf?.kind).toBe("user");
    expect(first.summary).toMatch(/more credits for the rest of the task/);
    const action = first.action as { amount: number; needed: number };
    // Beside the most it asks, what the rest typically costs: the median of the steps charged so
    // far, for the steps a task here typically takes (five before any task ended), at least one.
    const charged = (await entriesOf(sock, task.id)).map((e) => -e.amount).sort((a, b) => a - b);
    const mid = Math.floor(charged.length / 2);
    const perStep = Math.ceil(charged.length % 2 ? charged[mid]! : (charged[mid - 1]! + charged[mid]!) / 2);
    const typicalSteps = Math.min(waiting.budget.maxSteps - waiting.used.steps, Math.max(1, 5 - waiting.used.steps));
    expect(first.summary).toContain(`at most; typically ~${Math.min(action.amount, perStep * typicalSteps)} credit`);
    const before = (await sock.ok("billing.summary", {})).state;
    // Nothing was spent past the budget: what is left is less than one more step's worst case.
    expect(before.budgets[0]!.used).toBeLessThanOrEqual(LIMIT);
    expect(before.budgets[0]!.remaining).toBeGreaterThanOrEqual(0);
    // It asks for the task's steps left at this step's worst case, not for one step.
    const stepsLeft = waiting.budget.maxSteps - waiting.used.steps;
    expect(action.amount).toBe(stepsLeft * action.needed - before.budgets[0]!.remaining);

    // A person approves once: the budget rises by the amount once, and the task goes to its end.
    await deciders[0]!.ok("approvals.resolve", { approvalId: first.id, decision: "approve", idempotencyKey: idem() });
    const done = await taskState(sock, task.id, (t) => t.status === "done", 60_000);
    expect(done.used.steps).toBeGreaterThanOrEqual(12);
    const asked = spendAskedOf(sock);
    expect(asked).toHaveLength(1);
    const raised = (await sock.ok("billing.summary", {})).state.budgets[0]!;
    expect(raised.raised).toBe(action.amount);

    // The ledger: one entry per model call the task made, its tokens the model's reported
    // usage (the scripted model counts a prompt's characters / 4), priced from the table.
    const requests = await requestsFor(mark, marker);
    const entries = await entriesOf(sock, task.id);
    expect(entries).toHaveLength(requests.length);
    expect(entries.every((e) => e.kind === "usage" && e.purpose === "task" && e.taskId === task.id)).toBe(true);
    const prompts = requests.map((r) => Math.ceil(JSON.stringify(r.messages ?? []).length / 4));
    expect(entries.reduce((n, e) => n + (e.inputTokens ?? 0), 0)).toBe(prompts.reduce((a, b) => a + b, 0));
    for (const e of entries) expect(e.amount).toBe(-cost(e));
    const spent = -entries.reduce((n, e) => n + e.amount, 0);
    const final = (await sock.ok("billing.summary", { groupBy: "run" })).state;
    expect(final.budgets[0]!.used).toBe(spent);
    // Crossing only by approval: never more than the budget and what was approved.
    expect(spent).toBeLessThanOrEqual(LIMIT + action.amount);
    for (const s of [sock, ...deciders]) s.close();
  });

  it("a person grants less than asked: the budget rises by their figure, the task asks again when it is used, and denied it stops", async () => {
    const { sock, deciders } = await teamRoom();
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 100, idempotencyKey: idem() });
    const goal = `STEPS: ${Array.from({ length: 30 }, () => "threads_list {}").join("; ")}`;
    const { task } = await sock.ok("tasks.start", { goal, idempotencyKey: idem() });
    const first = await spendRequested(sock, { task: task.id });
    const waiting = await taskState(sock, task.id, (t) => t.status === "waiting");
    const { needed } = first.action as { needed: number };
    // An amount is for approving a spend approval only.
    const refused = await deciders[0]!.call("approvals.resolve", {
      approvalId: first.id,
      decision: "deny",
      amount: needed,
      idempotencyKey: idem(),
    });
    expect(refused).toMatchObject({ ok: false, error: { code: "bad_request" } });
    const { approval } = await deciders[0]!.ok("approvals.resolve", {
      approvalId: first.id,
      decision: "approve",
      amount: needed,
      idempotencyKey: idem(),
    });
    expect(approval.action).toMatchObject({ kind: "spend", granted: needed });
    const second = await spendRequested(sock, { task: task.id }, [first]);
    const after = await sock.ok("tasks.get", { taskId: task.id });
    expect(after.task.used.steps).toBeGreaterThan(waiting.used.steps);
    expect((await sock.ok("billing.summary", {})).state.budgets[0]!.raised).toBe(needed);

    await deciders[1]!.ok("approvals.resolve", {
      approvalId: second.id,
      decision: "deny",
      note: "enough",
      idempotencyKey: idem(),
    });
    const stopped = await taskState(sock, task.id, (t) => t.status === "stopped");
    expect(stopped.outcome).toMatch(/denied spending [\d,]+ more credits \(enough\)/);
    expect(stopped.used.steps).toBe(after.task.used.steps);
    for (const s of [sock, ...deciders]) s.close();
  });

  it("ten racing approvers: one decision applies, the budget rises once", async () => {
    const { sock, deciders } = await teamRoom(10);
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 1, idempotencyKey: idem() });
    const { task } = await sock.ok("tasks.start", { goal: "STEPS: threads_list {}", idempotencyKey: idem() });
    const approval = await spendRequested(sock, { task: task.id });
    const amount = (approval.action as { amount: number }).amount;
    const answers = await Promise.all(
      deciders.map((d) =>
        d.call("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() }),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    for (const a of answers.filter((x) => !x.ok))
      expect((a as { error: { code: string } }).error.code).toBe("already_resolved");
    await taskState(sock, task.id, (t) => t.status === "done" || t.status === "waiting");
    const state = (await sock.ok("billing.summary", {})).state;
    expect(state.budgets[0]!.raised).toBe(amount);
    for (const s of [sock, ...deciders]) s.close();
  });

  it("a restart while a task waits on its spend approval loses and repeats nothing", async () => {
    const { owner, sock, deciders } = await teamRoom();
    const mark = await requestMark();
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 30, idempotencyKey: idem() });
    const marker = `restart-${crypto.randomUUID().slice(0, 8)}`;
    const goal = `STEPS: ${Array.from({ length: 4 }, () => "threads_list {}").join("; ")} ${marker}`;
    const { task } = await sock.ok("tasks.start", { goal, idempotencyKey: idem() });
    const approval = await spendRequested(sock, { task: task.id });
    const stepsBefore = (await taskState(sock, task.id, (t) => t.status === "waiting")).used.steps;
    const spentBefore = (await sock.ok("billing.summary", {})).state.periodUsed;
    for (const s of [sock, ...deciders]) s.close();

    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => state.abort("restart")).catch(() => {});
    const back = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await back.hello();
    // Nothing was charged twice or lost by the restart.
    expect((await back.ok("billing.summary", {})).state.periodUsed).toBe(spentBefore);
    expect((await back.ok("tasks.get", { taskId: task.id })).task).toMatchObject({
      status: "waiting",
      used: { steps: stepsBefore },
    });

    const decider = await signUp();
    await addMember(owner, owner.workspaceId, decider, "member");
    const d = await RawSocket.open(owner.workspaceId, { cookie: decider.cookie });
    await d.hello();
    // More approvals may follow (every crossing step asks); each is approved until it is done.
    const decided: Approval[] = [];
    let next: Approval | null = approval;
    while (next) {
      await d.ok("approvals.resolve", { approvalId: next.id, decision: "approve", idempotencyKey: idem() });
      decided.push(next);
      const status = (await back.ok("tasks.get", { taskId: task.id })).task.status;
      next =
        status === "done"
          ? null
          : await Promise.race([
              taskState(back, task.id, (t) => t.status === "done", 60_000).then(() => null),
              spendRequested(back, { task: task.id }, decided),
            ]);
    }
    // Whatever the room has scheduled runs now: a charge it would still make counts below.
    await runDurableObjectAlarm(roomStub(owner.workspaceId));
    const requests = await requestsFor(mark, marker);
    const entries = await entriesOf(back, task.id);
    expect(entries).toHaveLength(requests.length);
    for (const s of [back, d]) s.close();
  });
});

describe("a reply over a budget", () => {
  it("waits on its spend approval and goes on from where it stopped once approved; denied, it ends with why and the thread moves on", async () => {
    const { sock, deciders } = await teamRoom();
    const { thread } = await sock.ok("threads.create", { title: "Budgeted", idempotencyKey: idem() });
    const mark = await requestMark();
    // A budget smaller than any call's worst case: every model call of the reply asks first.
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 1, idempotencyKey: idem() });
    const marker = `reply-${crypto.randomUUID().slice(0, 8)}`;
    await say(sock, thread.id, `${marker} STEPS: threads_list {}`);

    const decided: Approval[] = [];
    let finalText: string | null = null;
    while (finalText === null) {
      const approval = await Promise.race([
        spendRequested(sock, "a reply", decided),
        autopilotSays(sock, thread.id, (m) => m.text.includes("TOOL RESULT SEEN"), 30_000).then(() => null),
      ]);
      if (!approval) {
        finalText = autopilotMessages(sock, thread.id).find((m) => m.text.includes("TOOL RESULT SEEN"))!.text;
        break;
      }
      expect(approval.action).toMatchObject({ kind: "spend", for: { kind: "run" } });
      // Beside the most it asks, what a reply here typically costs (a stated guess before any was charged).
      const typical = /a reply here typically costs ~([\d,]+) credits?\)/.exec(approval.summary ?? "");
      expect(typical, approval.summary ?? "").not.toBeNull();
      expect(Number(typical![1]!.replace(/,/g, ""))).toBeLessThanOrEqual(
        (approval.action as { amount: number }).amount,
      );
      // The thread says what its reply waits for.
      const waiting = await sock.waitFor<EventFrame>(
        (f) =>
          f.type === "event" &&
          f.event === "thread.updated" &&
          (f.payload as { thread: Thread }).thread.waiting?.approvals.some((a) => a.id === approval.id) === true,
      );
      expect((waiting.payload as { thread: Thread }).thread.waiting?.runId).toBe(
        (approval.action as { for: { id: string } }).for.id,
      );
      await deciders[0]!.ok("approvals.resolve", {
        approvalId: approval.id,
        decision: "approve",
        idempotencyKey: idem(),
      });
      decided.push(approval);
    }
    // One approval for the whole reply (its tool's call and its answer's); nothing asked twice,
    // no "ask again": the run went on by itself, each call once.
    const requests = await requestsFor(mark, marker);
    expect(decided).toHaveLength(1);
    expect(requests).toHaveLength(2);
    expect(autopilotMessages(sock, thread.id).some((m) => /ask again/.test(m.text))).toBe(false);
    const runId = (decided[0]!.action as { for: { id: string } }).for.id;
    expect((await entriesOf(sock, runId)).length).toBe(requests.length);

    for (const s of [sock, ...deciders]) s.close();

    // Denied (in a workspace whose budget has no room: the approval above left room here): the
    // reply ends with the decider's words, and a message queued behind it is taken up.
    const other = await teamRoom();
    await other.sock.ok("billing.setBudget", { scope: "workspace", limit: 1, idempotencyKey: idem() });
    const { thread: second } = await other.sock.ok("threads.create", { title: "Denied", idempotencyKey: idem() });
    await say(other.sock, second.id, `${marker} again: STEPS: threads_list {}`);
    const asked = await spendRequested(other.sock, "a reply");
    await say(other.sock, second.id, `${marker} SAY: queued behind`);
    await other.deciders[1]!.ok("approvals.resolve", {
      approvalId: asked.id,
      decision: "deny",
      note: "not now",
      idempotencyKey: idem(),
    });
    const stopped = await autopilotSays(other.sock, second.id, (m) => m.text.startsWith("The Autopilot stopped"));
    expect(stopped.text).toMatch(/denied spending [\d,]+ more credits \(not now\)/);
    // The queued message's run asks for its own spend approval: the thread moved on.
    const next = await spendRequested(other.sock, "a reply", [asked]);
    expect((next.action as { for: { id: string } }).for.id).not.toBe((asked.action as { for: { id: string } }).for.id);
    for (const s of [other.sock, ...other.deciders]) s.close();
  });
});

/** Every usage entry of a thread's reply runs, newest first. */
const replyEntries = async (sock: RawSocket, threadId: string): Promise<LedgerEntry[]> =>
  (await sock.ok("billing.entries", { kind: "usage", limit: 500 })).entries.filter(
    (e) => e.threadId === threadId && e.purpose === "reply",
  );

/** Approves every spend approval a reply asks for until the Autopilot says something with `done` in it. */
async function approveUntil(sock: RawSocket, decider: RawSocket, threadId: string, done: string): Promise<Approval[]> {
  const decided: Approval[] = [];
  for (;;) {
    const approval = await Promise.race([
      spendRequested(sock, "a reply", decided),
      autopilotSays(sock, threadId, (m) => m.text.includes(done), 30_000).then(() => null),
    ]);
    if (!approval) return decided;
    await decider.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() });
    decided.push(approval);
  }
}

describe("what a model call is charged", () => {
  it("never more than its worst case: an endpoint's over-report is not taken from the workspace but kept for operators", async () => {
    const { owner, sock, thread } = await agentRoom();
    const before = (await sock.ok("billing.summary", {})).state.balance;
    const mark = await requestMark();
    const marker = `over-${crypto.randomUUID().slice(0, 8)}`;
    // A request of about 30 KB, as in the report, for which the endpoint claims 99,995,000 input tokens.
    await say(sock, thread.id, `${marker} OVERREPORT ${"lorem ipsum ".repeat(2_500)}`);
    await autopilotSays(sock, thread.id, (m) => m.text.includes(marker), 30_000);
    const [request] = await requestsFor(mark, marker);
    const [entry] = await replyEntries(sock, thread.id);
    expect(entry).toMatchObject({ inputTokens: 99_995_000, outputTokens: 8 });
    // Charged the call's worst case (its input's bytes, each a token at most, and every output
    // token of its cap), which is far below what the report is worth.
    const charged = -entry!.amount;
    const requestBytes = new TextEncoder().encode(JSON.stringify(request)).byteLength;
    expect(charged).toBeGreaterThan(0);
    expect(charged).toBeLessThanOrEqual(Math.ceil((2 * requestBytes * 1000 + 8192 * 3000) / 1_000_000));
    expect(entry!.note).toBe(
      `the endpoint reported usage worth ${cost(entry!).toLocaleString("en-US")} credits, more than this call could use: charged its worst case, ${charged.toLocaleString("en-US")}`,
    );
    const after = (await sock.ok("billing.summary", {})).state;
    expect(before - after.balance).toBe(
      -(await sock.ok("billing.entries", { kind: "usage", limit: 500 })).entries.reduce((n, e) => n + e.amount, 0),
    );
    // The operators' view (what /admin reads) and the audit log keep what the endpoint reported.
    const operators = await roomCall(roomStub(owner.workspaceId), "billingState");
    expect(operators.overReported).toEqual({ credits: cost(entry!) - charged, calls: 1 });
    expect("overReported" in after).toBe(false);
    const { entries: audit } = await sock.ok("audit.list", {});
    expect(audit.find((a) => a.action === "billing.overreport")?.details).toMatchObject({
      entryId: entry!.id,
      inputTokens: 99_995_000,
      reported: cost(entry!),
      charged,
    });
    sock.close();
  });

  it("reserves enough for any text: CJK and emoji counted by the worst honest tokenizer stay within the reservation and the budget", async () => {
    const { owner, sock, thread } = await agentRoom();
    const member = await signUp();
    await addMember(owner, owner.workspaceId, member, "member");
    const decider = await RawSocket.open(owner.workspaceId, { cookie: member.cookie });
    await decider.hello();
    // A budget the old guess (three characters a token) let this call pass without asking,
    // though an honest count of its bytes is worth more than twice it.
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 60, idempotencyKey: idem() });
    const marker = `dense-${crypto.randomUUID().slice(0, 8)}`;
    await say(sock, thread.id, `${marker} WORSTCOUNT ${"漢字と絵文字😀🎉".repeat(2_000)}`);
    await approveUntil(sock, decider, thread.id, marker);
    const entries = await replyEntries(sock, thread.id);
    expect(entries.length).toBeGreaterThan(0);
    // Charged what the endpoint counted, in full: its worst honest count was within the reservation.
    for (const e of entries) {
      expect(e.amount).toBe(-cost(e));
      expect(e.note).toBeNull();
    }
    // And nothing passed the budget without a person's approval.
    const [budget] = (await sock.ok("billing.summary", {})).state.budgets;
    expect(budget!.used).toBeLessThanOrEqual(budget!.limit + budget!.raised);
    for (const s of [sock, decider]) s.close();
  });
});

describe("a budget raised while work waits on its spend approval", () => {
  it("a reply: the approval resolves as no longer needed, the reply goes on at once, and approving it later raises nothing", async () => {
    const { sock, deciders } = await teamRoom();
    const { thread } = await sock.ok("threads.create", { title: "Raised", idempotencyKey: idem() });
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 1, idempotencyKey: idem() });
    const marker = `raised-${crypto.randomUUID().slice(0, 8)}`;
    await say(sock, thread.id, `${marker} SAY: went on`);
    const asked = await spendRequested(sock, "a reply");
    const resolution = approvalResolved(sock, asked.id, 30_000);

    await sock.ok("billing.setBudget", { scope: "workspace", limit: 500, idempotencyKey: idem() });
    expect(await resolution).toMatchObject({
      status: "expired",
      resolvedBy: { kind: "user" },
      note: expect.stringMatching(/^no longer needed: .+ raised the budget to 500 credits$/),
    });
    await autopilotSays(sock, thread.id, (m) => m.text === "went on", 30_000);
    expect(
      await deciders[0]!.call("approvals.resolve", {
        approvalId: asked.id,
        decision: "approve",
        idempotencyKey: idem(),
      }),
    ).toMatchObject({ ok: false, error: { code: "already_resolved" } });
    // The budget reads what the owner set: nothing was folded into it.
    const [budget] = (await sock.ok("billing.summary", {})).state.budgets;
    expect(budget).toMatchObject({ limit: 500, raised: 0 });
    for (const s of [sock, ...deciders]) s.close();
  });

  it("a task: the approval resolves as no longer needed and the task goes on to its end", async () => {
    const { sock, deciders } = await teamRoom();
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 1, idempotencyKey: idem() });
    const { task } = await sock.ok("tasks.start", { goal: "STEPS: threads_list {}", idempotencyKey: idem() });
    const asked = await spendRequested(sock, { task: task.id });
    await taskState(sock, task.id, (t) => t.status === "waiting");
    const resolution = approvalResolved(sock, asked.id, 30_000);

    await sock.ok("billing.setBudget", { scope: "workspace", limit: 500, idempotencyKey: idem() });
    expect((await resolution).note).toMatch(/^no longer needed: .+ raised the budget to 500 credits$/);
    await taskState(sock, task.id, (t) => t.status === "done");
    expect((await sock.ok("billing.summary", {})).state.budgets[0]).toMatchObject({ limit: 500, raised: 0 });
    for (const s of [sock, ...deciders]) s.close();
  });
});

describe("out of credits", () => {
  it("a reply ends with payment_required in words and a task pauses until credits come; nothing is charged meanwhile", async () => {
    const { owner, sock, thread } = await agentRoom();
    await inRoom(owner.workspaceId, (sql) => setWorkspacePlan(sql, "empty"));
    await say(sock, thread.id, "hello, are you there?");
    const error = await sock.waitFor<EventFrame>(
      (f) =>
        f.type === "event" && f.event === "chat.error" && (f.payload as { threadId: string }).threadId === thread.id,
    );
    expect((error.payload as { error: string }).error).toMatch(/out of credits .*Top up in Billing/);
    const { state } = await sock.ok("billing.summary", {});
    expect(state).toMatchObject({ plan: { id: "empty" }, balance: 0, periodUsed: 0 });

    const { task } = await sock.ok("tasks.start", { goal: "STEPS: threads_list {}", idempotencyKey: idem() });
    const paused = await taskState(sock, task.id, (t) => t.status === "paused");
    expect(paused.used.steps).toBe(0);

    // An operator grants credits; resumed, the task finishes.
    await inRoom(owner.workspaceId, (sql) =>
      appendLedger(sql, { id: `grant:${crypto.randomUUID()}`, at: Date.now(), kind: "grant", amount: 1000 }),
    );
    await sock.ok("tasks.resume", { taskId: task.id, idempotencyKey: idem() });
    await taskState(sock, task.id, (t) => t.status === "done");
    const after = (await sock.ok("billing.summary", {})).state;
    expect(after.balance).toBe(1000 - after.periodUsed);
    expect(after.periodUsed).toBeGreaterThan(0);
    sock.close();
  });

  it("a key without read sees none of it", async () => {
    const { owner, sock } = await agentRoom();
    const writer = await createKey(owner, owner.workspaceId, ["write"]);
    const keySock = await RawSocket.open(owner.workspaceId, { key: writer.key });
    expect((await keySock.hello()).principal.scopes).toEqual(["write"]);
    for (const method of ["billing.summary", "billing.entries"] as const)
      expect(await keySock.call(method, {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
    // The state's news is not for it either: a change the owner makes reaches the owner only.
    await sock.ok("billing.setBudget", { scope: "workspace", limit: 500, idempotencyKey: idem() });
    await sock.waitFor((f) => f.type === "event" && f.event === "billing.changed");
    await keySock.ok("threads.create", { title: "after the budget", idempotencyKey: idem() });
    expect(keySock.events("billing.changed")).toEqual([]);
    keySock.close();
    sock.close();
  });
});
