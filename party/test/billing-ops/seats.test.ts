// Seats through the real Worker and room: a plan's people are its limit (agents' accounts are
// keys, not seats) at every way in — adding a member, inviting, accepting through our route or
// better-auth's own endpoint — and of people who joined at once past the last seat, the later
// ones are taken back (party/auth/seats.ts).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BillingState } from "../../../shared/protocol/billing";
import { seatHooks } from "../../auth/seats";
import { addMember, api, ownerWithSocket, signUp } from "../harness";
import { operatorCookie } from "./operator";
import { DAY, deliver, type ErrorBody, now, subscriptionEvent, uid } from "./stripe-events";

const { DB } = env as unknown as { DB: D1Database };

describe("seats", () => {
  it("the plan's people are its limit, for members added and invited; an operator's override wins and lifts", async () => {
    const { owner, sock } = await ownerWithSocket();
    const ws = owner.workspaceId;
    const s = { id: `sub_${uid()}`, customer: `cus_${uid()}`, item: `si_${uid()}`, price: "price_starter" };
    await deliver(subscriptionEvent("created", ws, { ...s, start: now(), end: now() + 30 * DAY }));
    const [second, third] = await Promise.all([signUp(), signUp()]);
    expect((await addMember(owner, ws, second, "member")).status).toBe(201);
    const full = await addMember(owner, ws, third, "member");
    expect(full.status).toBe(409);
    expect((full.body as ErrorBody).error.message).toBe(
      "the Starter plan has 2 seats, all taken: remove a member, or an owner or admin chooses a larger plan in Billing",
    );
    const invite = await api<ErrorBody>(`/api/workspaces/${ws}/invitations`, {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ email: third.email, role: "member" }),
    });
    expect(invite.status).toBe(409);
    expect(invite.body.error.message).toMatch(/^the Starter plan has 2 seats, all taken/);

    // An operator's override: Pro has no seat limit; lifted, the subscription's Starter is back.
    const operator = await operatorCookie();
    const setPlan = (plan: string | null) =>
      api<{ state: BillingState }>(`/api/admin/workspaces/${ws}/plan`, {
        method: "POST",
        cookie: operator,
        body: JSON.stringify({ plan }),
      });
    expect((await setPlan("pro")).body.state).toMatchObject({ planSource: "operator", plan: { id: "pro" } });
    expect((await addMember(owner, ws, third, "member")).status).toBe(201);
    expect((await setPlan(null)).body.state).toMatchObject({ planSource: "subscription", plan: { id: "starter" } });
    sock.close();
  });

  it("better-auth's own accept endpoint is held too; of people who joined at once past the last seat, the later ones are taken back", async () => {
    const { owner, sock } = await ownerWithSocket();
    const ws = owner.workspaceId;
    const s = { id: `sub_${uid()}`, customer: `cus_${uid()}`, item: `si_${uid()}`, price: "price_starter" };
    await deliver(subscriptionEvent("created", ws, { ...s, start: now(), end: now() + 30 * DAY }));
    const [added, invited, late] = await Promise.all([signUp(), signUp(), signUp()]);
    // Invited while a seat was free; the seat then went to someone added directly.
    const invitation = await api<{ invitation: { id: string } }>(`/api/workspaces/${ws}/invitations`, {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ email: invited.email, role: "member" }),
    });
    expect(invitation.status).toBe(201);
    expect((await addMember(owner, ws, added, "member")).status).toBe(201);
    const direct = await api<{ message?: string; code?: string }>("/api/auth/organization/accept-invitation", {
      method: "POST",
      cookie: invited.cookie,
      body: JSON.stringify({ invitationId: invitation.body.invitation.id }),
    });
    expect(direct.status).toBe(409);
    expect(direct.body.message).toMatch(/^the Starter plan has 2 seats, all taken/);
    const people = async () =>
      (await api<{ members: { userId: string }[] }>(`/api/workspaces/${ws}/members`, { cookie: owner.cookie })).body
        .members;
    expect(await people()).toHaveLength(2);

    // Two joins that both passed the check before either was written (a race the Worker
    // cannot order): written in this order, the later one is past the seats and is taken
    // back, its accepted invitation pending again; the earlier one keeps its seat.
    const hooks = seatHooks(DB, async () => ({ maxSeats: 2, planName: "Starter" }));
    const organization = { id: ws };
    const raced = `raced_${uid()}`;
    await DB.batch([
      DB.prepare("INSERT INTO member (id, organizationId, userId, role, createdAt) VALUES (?, ?, ?, 'member', ?)").bind(
        raced,
        ws,
        late.userId,
        Date.now(),
      ),
      DB.prepare("UPDATE invitation SET status = 'accepted' WHERE id = ?").bind(invitation.body.invitation.id),
    ]);
    await expect(
      hooks.afterAcceptInvitation({
        invitation: { id: invitation.body.invitation.id },
        user: { id: late.userId, email: late.email },
        organization,
      }),
    ).rejects.toThrow(/^the Starter plan has 2 seats, all taken/);
    expect((await people()).map((m) => m.userId)).not.toContain(late.userId);
    const status = await DB.prepare("SELECT status FROM invitation WHERE id = ?")
      .bind(invitation.body.invitation.id)
      .first<{ status: string }>();
    expect(status?.status).toBe("pending");
    await hooks.afterAddMember({ user: { id: added.userId, email: added.email }, organization });
    expect(await people()).toHaveLength(2);
    sock.close();
  });
});
