// Agents alone (decision 62): an agent key's work that crosses its budget is approved by the
// spending allowance a person gave the key, in that person's name, while the month's allowance
// lasts; past it, or once that person may no longer decide, it waits for a person as before.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BillingState } from "../../../../../../shared/protocol/billing";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import { OLDEST_PROTOCOL_VERSION } from "../../../../../../shared/protocol/version";
import { addMember, api, approvalResolved, createKey, idem, RawSocket, signUp } from "../../../../../test/harness";
import { spendRequested, taskState } from "./test/harness";

/** A workspace of Ann's with her release bot's key (write, no admin) on a budget of 1 credit a month. */
async function botOnABudget() {
  const ann = await signUp();
  const ws = ann.workspaceId;
  const sock = await RawSocket.open(ws, { cookie: ann.cookie });
  await sock.hello();
  const { key } = await createKey(ann, ws, ["read", "write"], "Release bot");
  const bot = await RawSocket.open(ws, { key });
  const botId = (await bot.hello()).principal.id;
  await sock.ok("billing.setBudget", { scope: "key", subjectId: botId, limit: 1, idempotencyKey: idem() });
  const start = async (steps: number) => {
    const goal = `STEPS: ${Array.from({ length: steps }, () => "threads_list {}").join("; ")} allowance-${idem()}`;
    return (await bot.ok("tasks.start", { goal, idempotencyKey: idem() })).task.id as string;
  };
  return { ann, ws, sock, bot, botId, start };
}

/** Bob, made an admin of Ann's workspace, gives the key an allowance of 50,000 credits a month. */
async function allowanceFromAnAdmin(ann: { cookie: string }, ws: string, botId: string) {
  const bob = await signUp();
  await addMember(ann, ws, bob, "admin");
  const bobSock = await RawSocket.open(ws, { cookie: bob.cookie });
  await bobSock.hello();
  await bobSock.ok("billing.setAllowance", { principalId: botId, monthly: 50_000, idempotencyKey: idem() });
  bobSock.close();
  return bob;
}

const allowanceGone = (sock: RawSocket) =>
  sock.waitFor<EventFrame>(
    (f) =>
      f.type === "event" &&
      f.event === "billing.changed" &&
      (f.payload as { state: BillingState }).state.allowances.length === 0,
    10_000,
  );

/** Ann denies the approval herself: no allowance decided it, it waited for a person. */
async function deniedByAPerson(sock: RawSocket, approvalId: string) {
  const decided = await sock.ok("approvals.resolve", { approvalId, decision: "deny", idempotencyKey: idem() });
  expect(decided.approval).toMatchObject({ status: "denied", resolvedBy: { kind: "user" }, decidedIn: "app" });
}

describe("a key's spending allowance", () => {
  it("approves the key's spend approvals in the person's name; what an allowance cannot cover waits for a person", async () => {
    const { ann, ws, sock, bot, botId, start } = await botOnABudget();
    const older = await RawSocket.open(ws, { cookie: ann.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    await older.hello();
    const set = await sock.ok("billing.setAllowance", { principalId: botId, monthly: 50_000, idempotencyKey: idem() });
    expect(set.state.allowances).toEqual([
      {
        principalId: botId,
        monthly: 50_000,
        used: 0,
        remaining: 50_000,
        setBy: expect.objectContaining({ name: ann.name }),
      },
    ]);

    const task = await start(3);
    const asked = await spendRequested(sock, { task });
    const approved = await approvalResolved(sock, asked.id);
    expect(approved).toMatchObject({
      status: "approved",
      decidedIn: "allowance",
      resolvedBy: { id: (await sock.hello()).principal.id, kind: "user" },
      note: expect.stringMatching(
        /^Approved by the spending allowance .+ set: [\d,]+ of 50,000 credits used this month$/,
      ),
    });
    expect((await taskState(sock, task, (t) => t.status === "done", 60_000)).status).toBe("done");
    const amount = (approved.action as { amount: number }).amount;
    const after = (await sock.ok("billing.summary", {})).state;
    expect(after.allowances[0]).toMatchObject({ used: amount, remaining: 50_000 - amount });
    expect(after.budgets[0]).toMatchObject({ scope: "key", raised: amount });
    // The previous protocol's socket got the same decision, in its version's shapes (checked strictly).
    const seen = await approvalResolved(older, asked.id);
    expect(seen).toMatchObject({ status: "approved", decidedIn: "allowance" });
    older.close();

    // Another key whose allowance is less than its work asks: a person decides.
    const { key: docsKey } = await createKey(ann, ws, ["read", "write"], "Docs bot");
    const docs = await RawSocket.open(ws, { key: docsKey });
    const docsId = (await docs.hello()).principal.id;
    await sock.ok("billing.setBudget", { scope: "key", subjectId: docsId, limit: 1, idempotencyKey: idem() });
    await sock.ok("billing.setAllowance", { principalId: docsId, monthly: 1, idempotencyKey: idem() });
    const goal = `STEPS: threads_list {}; threads_list {} allowance-${idem()}`;
    const next = (await docs.ok("tasks.start", { goal, idempotencyKey: idem() })).task.id as string;
    const waiting = await spendRequested(sock, { task: next });
    expect((waiting.action as { amount: number }).amount).toBeGreaterThan(1);
    await deniedByAPerson(sock, waiting.id);
    const allowances = (await sock.ok("billing.summary", {})).state.allowances;
    expect(allowances.find((a: { principalId: string }) => a.principalId === docsId)).toMatchObject({ used: 0 });
    expect(allowances.find((a: { principalId: string }) => a.principalId === botId)).toMatchObject({ used: amount });
    docs.close();
    for (const s of [sock, bot]) s.close();
  });

  it("holds only while its giver may decide: removed, their allowance goes and approves nothing", async () => {
    const { ann, ws, sock, bot, botId, start } = await botOnABudget();
    const bob = await allowanceFromAnAdmin(ann, ws, botId);
    expect((await sock.ok("billing.summary", {})).state.allowances[0]?.setBy.name).toBe(bob.name);
    const removed = await api(`/api/workspaces/${ws}/members/${bob.userId}`, { method: "DELETE", cookie: ann.cookie });
    expect(removed.status).toBe(200);
    // Bob's removal takes his allowance with it, and everyone is told.
    await allowanceGone(sock);

    // The key's next crossing waits for a person.
    const task = await start(3);
    const asked = await spendRequested(sock, { task });
    await deniedByAPerson(sock, asked.id);
    for (const s of [sock, bot]) s.close();
  });

  it("is read again when it would approve: a giver no longer an admin, whose change the room was never told of, approves nothing", async () => {
    const { ann, ws, sock, bot, botId, start } = await botOnABudget();
    const bob = await allowanceFromAnAdmin(ann, ws, botId);
    // Bob's role changes in the accounts' database alone (no route tells the room): only the
    // allowance's own check, when it would approve, can see it.
    const db = (env as unknown as { DB: D1Database }).DB;
    await db
      .prepare(`update "member" set "role" = 'member' where "organizationId" = ? and "userId" = ?`)
      .bind(ws, bob.userId)
      .run();
    expect((await sock.ok("billing.summary", {})).state.allowances).toHaveLength(1);

    const task = await start(3);
    const asked = await spendRequested(sock, { task });
    // It lapses there, everyone is told, and the approval waits for a person.
    await allowanceGone(sock);
    await deniedByAPerson(sock, asked.id);
    for (const s of [sock, bot]) s.close();
  });

  it("is a person's grant: a key, a member, another workspace's key and a person's id are refused", async () => {
    const { ann, ws, sock, bot, botId } = await botOnABudget();
    const member = await signUp();
    await addMember(ann, ws, member, "member");
    const memberSock = await RawSocket.open(ws, { cookie: member.cookie });
    await memberSock.hello();
    const { key: adminKey } = await createKey(ann, ws, ["read", "write", "approve", "admin"], "Admin bot");
    const adminBot = await RawSocket.open(ws, { key: adminKey });
    await adminBot.hello();
    const other = await signUp();
    const { key: otherKey } = await createKey(other, other.workspaceId, ["read"], "Elsewhere");
    const elsewhere = await RawSocket.open(other.workspaceId, { key: otherKey });
    const elsewhereId = (await elsewhere.hello()).principal.id;
    const grant = (s: RawSocket, principalId: string) =>
      s.call("billing.setAllowance", { principalId, monthly: 1000, idempotencyKey: idem() });
    const refusals = [
      await grant(adminBot, botId),
      await grant(memberSock, botId),
      await grant(bot, botId),
      await grant(sock, elsewhereId),
      await grant(sock, (await sock.hello()).principal.id),
    ];
    expect(refusals.map((r) => (r as { error?: { code: string } }).error?.code)).toEqual([
      "forbidden",
      "forbidden",
      "forbidden",
      "not_found",
      "not_found",
    ]);
    expect((refusals[0] as { error: { message: string } }).error.message).toMatch(/a person's grant/);
    expect((await sock.ok("billing.summary", {})).state.allowances).toEqual([]);
    for (const s of [sock, bot, memberSock, adminBot, elsewhere]) s.close();
  });
});
