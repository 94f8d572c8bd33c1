// Operators and the workspaces' money, through the real Worker (the "billing-ops" project: one
// operator by ADMIN_EMAILS): every workspace's balance, period spending and plan, credits
// granted by hand (once per request, said to the room's clients, audited) and the plan set.
import { describe, expect, it } from "vitest";
import type { Approval, ApprovalFigures } from "../../../shared/protocol/approvals";
import type { BillingState, LedgerEntry } from "../../../shared/protocol/billing";
import type { EventFrame } from "../../../shared/protocol/frames";
import { operatorCookie } from "./operator";
import { putReach } from "../../rooms/autopilot/features/approval-reach/store";
import { api, createKey, decisionOn, idem, inAutopilot, RawSocket, signUp, uniq, ownerWithSocket } from "../harness";

type ErrorBody = { error: { code: string; message: string } };
type Change = { workspaceId: string; state: BillingState; credited?: boolean } & ErrorBody;
type Listing = {
  workspaces: { workspaceId: string; state: BillingState | null }[];
  plans: { id: string; name: string; includedCredits: number }[];
} & ErrorBody;

const post = (cookie: string, body: unknown) => ({ method: "POST", cookie, body: JSON.stringify(body) });

const listing = (cookie: string, ids: string[]) =>
  api<Listing>(`/api/admin/billing?${ids.map((id) => `workspace=${encodeURIComponent(id)}`).join("&")}`, { cookie });
const approvalFigures = (cookie: string, ids: string[]) =>
  api<{ workspaces: { workspaceId: string; figures: ApprovalFigures | null }[] } & ErrorBody>(
    `/api/admin/approvals?${ids.map((id) => `workspace=${encodeURIComponent(id)}`).join("&")}`,
    { cookie },
  );
const grant = (cookie: string, workspaceId: string, body: unknown) =>
  api<Change>(`/api/admin/workspaces/${workspaceId}/credits`, post(cookie, body));
const setPlan = (cookie: string, workspaceId: string, plan: unknown) =>
  api<Change>(`/api/admin/workspaces/${workspaceId}/plan`, post(cookie, { plan }));

const balanceSaid = (sock: RawSocket, balance: number) =>
  sock.waitFor<EventFrame>(
    (f) =>
      f.type === "event" &&
      f.event === "billing.changed" &&
      (f.payload as { state: BillingState }).state.balance === balance,
  );

describe("operators and the workspaces' money", () => {
  it("see each workspace's balance, period spending and plan, and the plans to choose from", async () => {
    const operator = await operatorCookie();
    const [a, b] = await Promise.all([signUp(), signUp()]);
    const res = await listing(operator, [a.workspaceId, b.workspaceId, "ws_nobody"]);
    expect(res.status).toBe(200);
    // A workspace nobody made is left out (no room is woken for it).
    expect(res.body.workspaces.map((w) => w.workspaceId)).toEqual([a.workspaceId, b.workspaceId]);
    for (const row of res.body.workspaces)
      expect(row.state).toMatchObject({ plan: { id: "standard", name: "Standard" }, balance: 1000, periodUsed: 0 });
    expect(res.body.plans).toEqual([
      { id: "standard", name: "Standard", includedCredits: 1000 },
      { id: "starter", name: "Starter", includedCredits: 20_000 },
      { id: "pro", name: "Pro", includedCredits: 50_000 },
    ]);
    expect((await listing(operator, [])).status).toBe(400);
    expect(
      (
        await listing(
          operator,
          Array.from({ length: 51 }, (_, i) => `ws${i}`),
        )
      ).status,
    ).toBe(400);
  });

  it("grant credits once per request, with the operator's name and why, told to the room and audited", async () => {
    const operator = await operatorCookie();
    const { owner, sock } = await ownerWithSocket();
    const requestId = crypto.randomUUID();
    const body = { credits: 2500, note: "Pilot customer", requestId };

    const first = await grant(operator, owner.workspaceId, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ workspaceId: owner.workspaceId, credited: true, state: { balance: 3500 } });
    await balanceSaid(sock, 3500);
    // The same request again (a retry, a double click): one grant.
    const again = await grant(operator, owner.workspaceId, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ credited: false, state: { balance: 3500 } });
    // Without a request id, each grant is its own.
    expect((await grant(operator, owner.workspaceId, { credits: 1, note: "one more" })).body.state.balance).toBe(3501);

    const entries: LedgerEntry[] = (await sock.ok("billing.entries", { kind: "grant", limit: 10 })).entries;
    expect(entries).toHaveLength(2);
    expect(entries).toContainEqual(
      expect.objectContaining({
        id: `grant:${requestId}`,
        kind: "grant",
        amount: 2500,
        note: "Granted by Olga Operator: Pilot customer",
      }),
    );
    const audit = (await sock.ok("audit.list", {})).entries;
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: "billing.grant",
        details: { entryId: `grant:${requestId}`, amount: 2500 },
        actor: expect.objectContaining({ name: "Olga Operator", kind: "user" }),
      }),
    );
    sock.close();
  });

  it("refuse bad grants and plans, unknown workspaces, and everyone who is not an operator", async () => {
    const operator = await operatorCookie();
    const { owner, sock } = await ownerWithSocket();
    const ws = owner.workspaceId;
    const bad = await Promise.all([
      grant(operator, ws, { credits: 0, note: "zero" }),
      grant(operator, ws, { credits: -50, note: "taking" }),
      grant(operator, ws, { credits: 1.5, note: "a fraction" }),
      grant(operator, ws, { credits: 1_000_000_001, note: "too many" }),
      grant(operator, ws, { credits: 10, note: "" }),
      grant(operator, ws, { credits: 10, note: "two\nlines" }),
      grant(operator, ws, { credits: 10, note: "x".repeat(201) }),
      grant(operator, ws, { credits: 10, note: "not a uuid", requestId: "../../x" }),
      setPlan(operator, ws, "nope"),
      setPlan(operator, ws, "constructor"),
      setPlan(operator, ws, 7),
    ]);
    expect(bad.map((r) => [r.status, r.body.error?.code])).toEqual(Array(bad.length).fill([400, "bad_request"]));
    expect((await grant(operator, "ws_nobody", { credits: 10, note: "x" })).status).toBe(404);
    expect((await setPlan(operator, "ws_nobody", "pro")).status).toBe(404);

    // The workspace's own owner is no operator.
    const refused = await Promise.all([
      listing(owner.cookie, [ws]),
      grant(owner.cookie, ws, { credits: 10, note: "for me" }),
      setPlan(owner.cookie, ws, "pro"),
    ]);
    expect(refused.map((r) => [r.status, r.body.error.code])).toEqual(Array(3).fill([403, "forbidden"]));

    // Every refusal answered before anything was written: the room shows no grant and its plan unchanged.
    expect((await sock.ok("billing.entries", { kind: "grant", limit: 10 })).entries).toEqual([]);
    expect((await sock.ok("billing.summary", {})).state.plan.id).toBe("standard");
    sock.close();
  });

  it("set a workspace's plan, which its members see at once", async () => {
    const operator = await operatorCookie();
    const { owner, sock } = await ownerWithSocket();
    const res = await setPlan(operator, owner.workspaceId, "pro");
    expect(res.status).toBe(200);
    expect(res.body.state.plan).toMatchObject({ id: "pro", name: "Pro", includedCredits: 50_000 });
    await sock.waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "billing.changed" &&
        (f.payload as { state: BillingState }).state.plan.id === "pro",
    );
    const listed = await listing(operator, [owner.workspaceId, uniq("ws")]);
    expect(listed.body.workspaces).toEqual([
      {
        workspaceId: owner.workspaceId,
        state: expect.objectContaining({ plan: expect.objectContaining({ id: "pro" }) }),
      },
    ]);
    sock.close();
  });

  it("read how each workspace's approvals reached people, as the room's own figures count them; nobody else may", async () => {
    const operator = await operatorCookie();
    const { owner, sock } = await ownerWithSocket();
    const ws = owner.workspaceId;
    const agent = await RawSocket.open(ws, { key: (await createKey(owner, ws, ["read", "write"], "deployer")).key });
    await agent.hello();
    // A real one: the agent asks, the owner (in the app) is told and decides.
    const { approval } = await agent.ok("approvals.request", { title: "Deploy v4", idempotencyKey: idem() });
    await agent.waitForEvent<{ approval: Approval }>(
      "approval.updated",
      (p) => p.approval.id === approval.id && !!p.approval.reach?.sentTo,
      10_000,
    );
    await sock.ok("approvals.resolve", decisionOn(approval.id, "approve", { confirmOwn: true }));
    await agent.waitForEvent<{ approval: Approval }>(
      "approval.updated",
      (p) => p.approval.id === approval.id && p.approval.reach?.outcome != null,
      10_000,
    );
    // Two that expired long ago, as the room keeps them: one after someone was told, one told to nobody.
    const at = Date.now() - 7 * 24 * 3600_000;
    const expired = { status: "expired", risk: "high", threadId: null, step: 3, nextAt: null, lastRemindedAt: null };
    await inAutopilot(ws, (sql) => {
      putReach(sql, {
        ...expired,
        approvalId: "ap_seen",
        filedAt: at,
        firstToldAt: at + 40_000,
        nobodyAt: null,
        everNobody: 0,
        endedAt: at + 3600_000,
      });
      putReach(sql, {
        ...expired,
        approvalId: "ap_unseen",
        filedAt: at + 1,
        firstToldAt: null,
        nobodyAt: at + 1,
        everNobody: 1,
        endedAt: at + 3600_000,
      });
    });

    const res = await approvalFigures(operator, [ws, "ws_nobody"]);
    expect(res.status).toBe(200);
    const { figures: own } = await sock.ok("approvals.figures", {});
    // The same figures the workspace's owners read in the app, for the workspace that exists only.
    expect(res.body.workspaces).toEqual([{ workspaceId: ws, figures: own }]);
    expect(own).toMatchObject({
      since: at,
      pending: 0,
      decided: 1,
      expiredTold: 1,
      expiredNobodyTold: 1,
      nobodyReachable: 1,
    });
    expect(own.toFirstNotice.count).toBe(2);
    expect(own.toFirstNotice.p95Ms).toBe(40_000);
    expect(own.toDecision.count).toBe(1);
    expect(own.toDecision.p50Ms).toBeLessThan(60_000);

    // The workspace's own owner is no operator; a batch is 1 to 50 workspaces.
    const refused = await approvalFigures(owner.cookie, [ws]);
    expect([refused.status, refused.body.error.code]).toEqual([403, "forbidden"]);
    expect((await approvalFigures(operator, [])).status).toBe(400);
    expect(
      (
        await approvalFigures(
          operator,
          Array.from({ length: 51 }, (_, i) => `ws${i}`),
        )
      ).status,
    ).toBe(400);
    for (const s of [sock, agent]) s.close();
  });
});
