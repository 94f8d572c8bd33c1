// Plans people choose, through the real Worker and room: Checkout in subscription mode, the
// customer portal and plan changes against the Stripe API stand-in, and Stripe's subscription
// and invoice events signed with the stripe package's own helper. A renewal credits its plan's
// credits once per period, a downgrade waits for the period's end, a failed payment tells the
// owners, a cancelled subscription gives the default plan back; replayed, stale and forged
// events change nothing. Seats are seats.test.ts's.
import { describe, expect, it } from "vitest";
import type { BillingState, LedgerEntry } from "../../../shared/protocol/billing";
import type { InboxItem } from "../../../shared/protocol/inbox";
import { OLDEST_PROTOCOL_VERSION } from "../../../shared/protocol/version";
import { addMember, api, createKey, ORIGIN, RawSocket, signUp, ownerWithSocket } from "../harness";
import {
  DAY,
  deliver,
  type ErrorBody,
  event,
  keySession,
  MEMBER_STRANGER_AGENT_REFUSED,
  now,
  standinRequests,
  standinRequestsAbout,
  statusAndCode,
  subscriptionEvent,
  uid,
} from "./stripe-events";

interface Line {
  price: string;
  amount: number;
  start: number;
  end: number;
}

const invoiceEvent = (
  type: "invoice.paid" | "invoice.payment_failed",
  workspaceId: string,
  sub: string,
  reason: string,
  lines: Line[],
  created = now(),
) =>
  event(
    type,
    {
      id: `in_${uid()}`,
      object: "invoice",
      billing_reason: reason,
      status: type === "invoice.paid" ? "paid" : "open",
      parent: {
        type: "subscription_details",
        subscription_details: { subscription: sub, metadata: { purpose: "autopilot_plan", workspaceId } },
      },
      lines: {
        object: "list",
        data: lines.map((l) => ({
          object: "line_item",
          amount: l.amount,
          period: { start: l.start, end: l.end },
          pricing: { type: "price_details", price_details: { price: l.price, product: "prod_x" } },
        })),
      },
    },
    created,
  );

const choose = (who: { cookie: string }, ws: string, plan: unknown) =>
  api<({ url: string } | { change: string; at: number | null }) & ErrorBody>(`/api/workspaces/${ws}/billing/plan`, {
    method: "POST",
    cookie: who.cookie,
    body: JSON.stringify({ plan }),
  });
const portal = (who: { cookie: string }, ws: string) =>
  api<{ url: string } & ErrorBody>(`/api/workspaces/${ws}/billing/portal`, {
    method: "POST",
    cookie: who.cookie,
    body: "{}",
  });

const stateOf = async (sock: RawSocket): Promise<BillingState> => (await sock.ok("billing.summary", {})).state;
const planCredits = async (sock: RawSocket): Promise<LedgerEntry[]> =>
  (await sock.ok("billing.entries", { kind: "plan", limit: 100 })).entries.filter((e: LedgerEntry) =>
    e.id.startsWith("stripe:"),
  );
/** Waits for the room to tell its clients a state `pick` accepts. */
const told = (sock: RawSocket, pick: (state: BillingState) => boolean) =>
  sock.waitForEvent<{ state: BillingState }>("billing.changed", ({ state }) => pick(state));

describe("plans people choose", () => {
  it("subscribe through Checkout, renew once per period, upgrade at once, downgrade at the period's end, cancel", async () => {
    const { owner, sock } = await ownerWithSocket();
    const ws = owner.workspaceId;
    const before = await stateOf(sock);
    expect(before).toMatchObject({ planSource: "default", plan: { id: "standard" }, subscription: null });
    expect(before.plans).toEqual([
      { id: "starter", name: "Starter", price: "$9.00 a month", includedCredits: 20_000, maxInstances: 1, maxSeats: 2 },
      { id: "pro", name: "Pro", price: "$29.00 a month", includedCredits: 50_000, maxInstances: null, maxSeats: null },
    ]);

    // No subscription yet: Stripe's Checkout page, in subscription mode, for the plan's price.
    const opened = await choose(owner, ws, "starter");
    expect(opened.status).toBe(201);
    expect("url" in opened.body && opened.body.url).toMatch(/^https:\/\/checkout\.stripe\.test\//);
    const sent = (await standinRequests()).filter((r) => r.form.client_reference_id === ws);
    expect(sent).toEqual([
      expect.objectContaining({
        path: "/v1/checkout/sessions",
        authorized: true,
        form: expect.objectContaining({
          mode: "subscription",
          "line_items[0][price]": "price_starter",
          "line_items[0][quantity]": "1",
          "subscription_data[metadata][purpose]": "autopilot_plan",
          "subscription_data[metadata][workspaceId]": ws,
          customer_email: owner.email,
          success_url: `${ORIGIN}/?w=${ws}&billing=subscribed`,
        }),
      }),
    ]);
    // Nothing changes until Stripe says so.
    expect((await stateOf(sock)).planSource).toBe("default");
    const noPortal = await portal(owner, ws);
    expect([noPortal.status, noPortal.body.error?.message]).toEqual([
      404,
      expect.stringMatching(/choose a plan first/),
    ]);

    // Stripe: the subscription is created, and its first invoice paid.
    const sub = { id: `sub_${uid()}`, customer: `cus_${uid()}`, item: `si_${uid()}` };
    const requests = () => standinRequestsAbout(ws, sub.customer, sub.id);
    const first = { ...sub, price: "price_starter", start: now() - 40 * DAY, end: now() - 10 * DAY };
    expect((await deliver(subscriptionEvent("created", ws, first))).body).toEqual({ received: true, applied: true });
    const paidFirst = invoiceEvent("invoice.paid", ws, sub.id, "subscription_create", [
      { price: "price_starter", amount: 900, start: first.start, end: first.end },
    ]);
    expect((await deliver(paidFirst)).body).toEqual({ received: true, applied: true });
    await told(sock, (s) => s.balance === before.balance + 20_000);
    // A replay, and the same period's invoice again under another event: credited once.
    expect((await deliver(paidFirst)).body).toEqual({ received: true, applied: false });
    const again = invoiceEvent("invoice.paid", ws, sub.id, "subscription_create", [
      { price: "price_starter", amount: 900, start: first.start, end: first.end },
    ]);
    expect((await deliver(again)).body.applied).toBe(false);
    // The renewal: the next period, credited once.
    const second = { ...first, start: first.end, end: first.end + 30 * DAY };
    await deliver(subscriptionEvent("updated", ws, second));
    const renewal = invoiceEvent("invoice.paid", ws, sub.id, "subscription_cycle", [
      { price: "price_starter", amount: 900, start: second.start, end: second.end },
    ]);
    await deliver(renewal);
    await deliver(renewal);
    expect((await planCredits(sock)).map((e) => [e.id, e.amount])).toEqual([
      [`stripe:plan-${sub.id}-${second.start}`, 20_000],
      [`stripe:plan-${sub.id}-${first.start}`, 20_000],
    ]);
    const subscribed = await stateOf(sock);
    expect(subscribed).toMatchObject({
      planSource: "subscription",
      plan: { id: "starter", maxSeats: 2 },
      balance: before.balance + 40_000,
      subscription: {
        plan: { id: "starter", name: "Starter" },
        status: "active",
        periodEnd: second.end * 1000,
        endsAt: null,
        next: null,
        paymentFailed: null,
      },
    });
    // A stale snapshot (older than the one kept) changes nothing.
    const stale = subscriptionEvent("updated", ws, { ...first, status: "canceled" }, now() - 3600);
    expect((await deliver(stale)).body.applied).toBe(false);
    // The previous protocol's socket reads the state in its version's shapes (checked strictly by the harness).
    const older = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    await older.hello();
    const olderState = (await older.ok("billing.summary", {})).state;
    expect(olderState.plan.id).toBe("starter");
    expect(olderState.subscription).toMatchObject({ status: "active" });
    older.close();

    // The portal, for the customer Stripe knows the workspace as.
    const managed = await portal(owner, ws);
    expect(managed.status).toBe(201);
    expect((await requests()).at(-1)).toMatchObject({
      path: "/v1/billing_portal/sessions",
      form: { customer: sub.customer, return_url: `${ORIGIN}/?w=${ws}&billing=managed` },
    });

    // An upgrade: the subscription's price changes at once, prorated; the invoice credits the difference once.
    const up = await choose(owner, ws, "pro");
    expect(up.body).toEqual({ change: "now", at: null });
    expect((await requests()).at(-1)).toMatchObject({
      path: `/v1/subscriptions/${sub.id}`,
      form: {
        "items[0][id]": sub.item,
        "items[0][price]": "price_pro",
        proration_behavior: "always_invoice",
        cancel_at_period_end: "false",
      },
    });
    const pro = { ...second, price: "price_pro" };
    await deliver(subscriptionEvent("updated", ws, pro));
    const proration = invoiceEvent("invoice.paid", ws, sub.id, "subscription_update", [
      { price: "price_starter", amount: -450, start: now(), end: second.end },
      { price: "price_pro", amount: 1450, start: now(), end: second.end },
    ]);
    await deliver(proration);
    await deliver(
      invoiceEvent("invoice.paid", ws, sub.id, "subscription_update", [
        { price: "price_starter", amount: -450, start: now(), end: second.end },
        { price: "price_pro", amount: 1450, start: now(), end: second.end },
      ]),
    );
    expect(await stateOf(sock)).toMatchObject({ plan: { id: "pro" }, balance: before.balance + 70_000 });
    expect((await choose(owner, ws, "pro")).status).toBe(409);

    // A downgrade: billed from the next period; the workspace keeps Pro until then, and is told when it changes.
    const down = await choose(owner, ws, "starter");
    expect(down.body).toEqual({ change: "period_end", at: second.end * 1000 });
    expect((await requests()).at(-1)).toMatchObject({
      form: {
        "items[0][price]": "price_starter",
        proration_behavior: "none",
        "metadata[previousPlan]": "pro",
        "metadata[changeAt]": String(second.end),
      },
    });
    const downgrading = {
      ...second,
      price: "price_starter",
      metadata: { previousPlan: "pro", changeAt: String(second.end) },
    };
    await deliver(subscriptionEvent("updated", ws, downgrading));
    expect(await stateOf(sock)).toMatchObject({
      plan: { id: "pro" },
      subscription: { plan: { id: "starter" }, next: { id: "starter", name: "Starter", at: second.end * 1000 } },
    });
    // The period ends (its end is moved into the past here): Starter from then on, and its renewal credits Starter's.
    const third = {
      ...downgrading,
      start: now() - 60,
      end: now() + 30 * DAY,
      metadata: { previousPlan: "pro", changeAt: String(now() - 60) },
    };
    await deliver(subscriptionEvent("updated", ws, third));
    await deliver(
      invoiceEvent("invoice.paid", ws, sub.id, "subscription_cycle", [
        { price: "price_starter", amount: 900, start: third.start, end: third.end },
      ]),
    );
    expect(await stateOf(sock)).toMatchObject({
      plan: { id: "starter" },
      subscription: { next: null },
      balance: before.balance + 90_000,
    });

    // Cancelled in the portal: it ends with the period, then the default plan is back.
    await deliver(subscriptionEvent("updated", ws, { ...third, cancelAtPeriodEnd: true }));
    expect((await stateOf(sock)).subscription).toMatchObject({ endsAt: third.end * 1000 });
    await deliver(subscriptionEvent("deleted", ws, { ...third, cancelAtPeriodEnd: true }));
    const ended = await told(sock, (s) => s.subscription === null);
    expect((ended.payload as { state: BillingState }).state).toMatchObject({
      planSource: "default",
      plan: { id: "standard" },
    });
    // What was credited stays; a new subscription goes through Checkout again, for the same customer.
    expect((await stateOf(sock)).balance).toBe(before.balance + 90_000);
    expect((await choose(owner, ws, "pro")).status).toBe(201);
    expect((await requests()).at(-1)?.form).toMatchObject({
      customer: sub.customer,
    });
    sock.close();
  });

  it("a failed renewal tells owners and admins, the plan holds through its grace, and a paid retry clears it", async () => {
    const { owner, sock } = await ownerWithSocket();
    const ws = owner.workspaceId;
    const s = { id: `sub_${uid()}`, customer: `cus_${uid()}`, item: `si_${uid()}`, price: "price_pro" };
    const period = { ...s, start: now() - DAY, end: now() + 29 * DAY };
    await deliver(subscriptionEvent("created", ws, period));
    const failed = invoiceEvent("invoice.payment_failed", ws, s.id, "subscription_cycle", [
      { price: "price_pro", amount: 2900, start: period.start, end: period.end },
    ]);
    expect((await deliver(failed)).body.applied).toBe(true);
    await deliver(subscriptionEvent("updated", ws, { ...period, status: "past_due" }));
    const state = await stateOf(sock);
    expect(state).toMatchObject({
      planSource: "subscription",
      plan: { id: "pro" },
      subscription: { status: "past_due" },
    });
    const failure = state.subscription?.paymentFailed;
    expect(failure && failure.graceUntil - failure.since).toBe(7 * DAY * 1000);
    // (The balance's own alert may stand beside it: the default plan's credits are below Pro's threshold.)
    const alerts = async () =>
      ((await sock.ok("inbox.get", {})).inbox.items as InboxItem[]).filter((i) => i.title.includes("payment"));
    expect(await alerts()).toEqual([
      expect.objectContaining({
        title: "The plan's payment failed",
        detail: expect.stringContaining("Update the card"),
      }),
    ]);
    // Stripe's retry succeeds: the alert goes, the failure is cleared.
    await deliver(
      invoiceEvent("invoice.paid", ws, s.id, "subscription_cycle", [
        { price: "price_pro", amount: 2900, start: period.start, end: period.end },
      ]),
    );
    await deliver(subscriptionEvent("updated", ws, { ...period, status: "active" }, now() + 1));
    expect((await stateOf(sock)).subscription?.paymentFailed).toBeNull();
    expect(await alerts()).toEqual([]);
    sock.close();
  });

  it("past its grace a failed plan ends, and while Stripe still retries it no second subscription is opened", async () => {
    const { owner, sock } = await ownerWithSocket();
    const ws = owner.workspaceId;
    const s = { id: `sub_${uid()}`, customer: `cus_${uid()}`, item: `si_${uid()}`, price: "price_pro" };
    const requests = () => standinRequestsAbout(ws, s.customer, s.id);
    const period = { ...s, start: now() - 20 * DAY, end: now() + 10 * DAY };
    await deliver(subscriptionEvent("created", ws, period, now() - 20 * DAY));
    const failedAt = now() - 8 * DAY;
    const line = { price: "price_pro", amount: 2900, start: period.start, end: period.end };
    await deliver(invoiceEvent("invoice.payment_failed", ws, s.id, "subscription_cycle", [line], failedAt));
    await deliver(subscriptionEvent("updated", ws, { ...period, status: "past_due" }, failedAt + 1));
    expect(await stateOf(sock)).toMatchObject({ planSource: "default", plan: { id: "standard" } });
    const asked = (await requests()).length;
    const refused = await choose(owner, ws, "pro");
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(
      /Stripe is still retrying it: pay or cancel it in Manage card and invoices/,
    );
    expect(await requests()).toHaveLength(asked);
    // The portal, where it is paid or cancelled, still opens for its customer.
    expect((await portal(owner, ws)).status).toBe(201);
    expect((await requests()).at(-1)?.form).toMatchObject({ customer: s.customer });
    // Cancelled there: Checkout opens again.
    await deliver(subscriptionEvent("deleted", ws, { ...period, status: "canceled" }, now()));
    expect((await choose(owner, ws, "pro")).status).toBe(201);
    sock.close();
  });

  it("refuses members, agents' keys and plans not on offer; forged events and other products' change nothing", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const [member, stranger] = await Promise.all([signUp(), signUp()]);
    await addMember(owner, ws, member, "member");
    const agent = await keySession((await createKey(owner, ws, ["read", "write", "approve", "admin"])).key);
    const refusals = await Promise.all([
      choose(member, ws, "pro"),
      choose(stranger, ws, "pro"),
      choose(agent, ws, "pro"),
      choose(owner, ws, "standard"),
      choose(owner, ws, "constructor"),
      choose(owner, ws, 7),
      portal(agent, ws),
    ]);
    expect(refusals.map(statusAndCode)).toEqual([
      ...MEMBER_STRANGER_AGENT_REFUSED,
      ...Array(3).fill([400, "bad_request"]),
      [403, "forbidden"],
    ]);
    expect(refusals[2]?.body.error.message).toMatch(/a person's session is needed/);

    const sock = await RawSocket.open(ws, { cookie: owner.cookie });
    await sock.hello();
    const s = { id: `sub_${uid()}`, customer: `cus_${uid()}`, item: `si_${uid()}`, price: "price_pro" };
    const snapshot = { ...s, start: now(), end: now() + 30 * DAY };
    const forged = await deliver(subscriptionEvent("created", ws, snapshot), { secret: "whsec_someone_else" });
    expect(forged.status).toBe(400);
    // Another product's subscription on the same account; a price of no plan; a workspace nobody made.
    const others = [
      subscriptionEvent("created", ws, snapshot).replace('"purpose":"autopilot_plan",', ""),
      subscriptionEvent("created", ws, { ...snapshot, price: "price_someone_else" }),
      subscriptionEvent("created", "ws_nobody", snapshot),
    ];
    for (const other of others) {
      const res = await deliver(other);
      expect(res.status).toBe(200);
      expect(res.body.applied ?? res.body.credited).toBe(false);
    }
    expect(await stateOf(sock)).toMatchObject({ planSource: "default", subscription: null });
    sock.close();
  });
});
