// Top-ups through Stripe Checkout, through the real Worker: the checkout route (owners and
// admins, one of the operator's options, Stripe's API a scripted stand-in) and Stripe's webhook,
// whose events the tests sign with the stripe package's own test-header helper. A paid session
// credits its workspace once, however often or in how many events Stripe says so; a forged,
// tampered or old delivery credits nothing.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BillingState, LedgerEntry } from "../../../shared/protocol/billing";
import type { EventFrame } from "../../../shared/protocol/frames";
import { addMember, api, createKey, ORIGIN, type RawSocket, signUp, ownerWithSocket } from "../harness";
import {
  API_VERSION,
  deliver,
  type ErrorBody,
  keySession,
  MEMBER_STRANGER_AGENT_REFUSED,
  standinRequests,
  statusAndCode,
  uid,
} from "./stripe-events";

interface SessionEvent {
  eventId: string;
  sessionId: string;
  workspaceId: string;
  credits: number;
  type?: string;
  paymentStatus?: string;
}

/** A Stripe event about a checkout session, shaped as Stripe sends it (the fields this server reads and some it does not). */
function sessionEvent(e: SessionEvent): string {
  return JSON.stringify({
    id: e.eventId,
    object: "event",
    api_version: API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    type: e.type ?? "checkout.session.completed",
    data: {
      object: {
        id: e.sessionId,
        object: "checkout.session",
        mode: "payment",
        status: "complete",
        payment_status: e.paymentStatus ?? "paid",
        amount_total: 1000,
        currency: "usd",
        client_reference_id: e.workspaceId,
        metadata: { purpose: "autopilot_topup", workspaceId: e.workspaceId, credits: String(e.credits) },
      },
    },
  });
}

const topUps = async (sock: RawSocket): Promise<LedgerEntry[]> =>
  (await sock.ok("billing.entries", { kind: "topup", limit: 100 })).entries;
const stateOf = async (sock: RawSocket): Promise<BillingState> => (await sock.ok("billing.summary", {})).state;

describe("Stripe's webhook", () => {
  it("credits a paid checkout session once, tells the room's clients, and again neither for a replay nor a second event", async () => {
    const { owner, sock } = await ownerWithSocket();
    const before = await stateOf(sock);
    const sessionId = `cs_test_${uid()}`;
    const event = sessionEvent({
      eventId: `evt_${uid()}`,
      sessionId,
      workspaceId: owner.workspaceId,
      credits: 10_000,
    });

    const first = await deliver(event);
    expect(first).toEqual({ status: 200, body: { received: true, credited: true } });
    const changed = await sock.waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "billing.changed" &&
        (f.payload as { state: BillingState }).state.balance === before.balance + 10_000,
    );
    expect((changed.payload as { state: BillingState }).state.topUps).toBe(true);

    // The same event delivered again (Stripe retries), and another event for the same session.
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, credited: false } });
    const async = sessionEvent({
      eventId: `evt_${uid()}`,
      sessionId,
      workspaceId: owner.workspaceId,
      credits: 10_000,
      type: "checkout.session.async_payment_succeeded",
    });
    expect(await deliver(async)).toEqual({ status: 200, body: { received: true, credited: false } });

    const entries = await topUps(sock);
    expect(entries).toEqual([
      expect.objectContaining({
        id: `stripe:${sessionId}`,
        kind: "topup",
        amount: 10_000,
        note: "Top-up through Stripe",
      }),
    ]);
    expect((await stateOf(sock)).balance).toBe(before.balance + 10_000);
    sock.close();
  });

  it("credits nothing for a forged, tampered, old or future-dated delivery, and answers 400", async () => {
    const { owner, sock } = await ownerWithSocket();
    const before = await stateOf(sock);
    const event = (credits: number) =>
      sessionEvent({ eventId: `evt_${uid()}`, sessionId: `cs_test_${uid()}`, workspaceId: owner.workspaceId, credits });

    const tampered = event(10_000);
    const refusals = [
      // The amount changed after Stripe signed it.
      await deliver(tampered, { body: tampered.replace('"credits":"10000"', '"credits":"99999"') }),
      // Signed with another endpoint's secret.
      await deliver(event(10_000), { secret: "whsec_someone_elses_secret" }),
      // Signed ten minutes ago: a replay from beyond the tolerance.
      await deliver(event(10_000), { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      // Signed for ten minutes from now: the tolerance holds that way too.
      await deliver(event(10_000), { timestamp: Math.floor(Date.now() / 1000) + 600 }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(400);
      expect(refusal.body.error.code).toBe("bad_request");
    }
    expect(refusals.map((r) => r.body.error.message)).toEqual([
      expect.stringMatching(/signature/i),
      expect.stringMatching(/signature/i),
      expect.stringMatching(/tolerance/i),
      expect.stringMatching(/tolerance/i),
    ]);
    const unsigned = await SELF.fetch(`${ORIGIN}/api/billing/stripe-webhook`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: event(10_000),
    });
    expect(unsigned.status).toBe(400);

    // The room's answer comes before the webhook's, so a credit would be there by now.
    expect(await topUps(sock)).toEqual([]);
    expect((await stateOf(sock)).balance).toBe(before.balance);
    sock.close();
  });

  it("acknowledges what is not a paid top-up of this server's and credits nothing", async () => {
    const { owner, sock } = await ownerWithSocket();
    const base = { workspaceId: owner.workspaceId, credits: 10_000 };
    const ignored = [
      sessionEvent({ ...base, eventId: `evt_${uid()}`, sessionId: `cs_test_${uid()}`, paymentStatus: "unpaid" }),
      sessionEvent({
        ...base,
        eventId: `evt_${uid()}`,
        sessionId: `cs_test_${uid()}`,
        type: "payment_intent.succeeded",
      }),
      // Another product's session on the same Stripe account: no purpose of ours.
      sessionEvent({ ...base, eventId: `evt_${uid()}`, sessionId: `cs_test_${uid()}` }).replace(
        '"purpose":"autopilot_topup",',
        "",
      ),
      // A workspace nobody made.
      sessionEvent({ ...base, workspaceId: "ws_nobody", eventId: `evt_${uid()}`, sessionId: `cs_test_${uid()}` }),
    ];
    for (const event of ignored)
      expect(await deliver(event)).toEqual({ status: 200, body: { received: true, credited: false } });
    expect(await topUps(sock)).toEqual([]);
    sock.close();
  });
});

const checkout = (who: { cookie: string }, workspaceId: string, body: unknown) =>
  api<{ url: string } & ErrorBody>(`/api/workspaces/${workspaceId}/billing/checkout`, {
    method: "POST",
    cookie: who.cookie,
    body: JSON.stringify(body),
  });

describe("the checkout route", () => {
  it("opens a hosted Checkout Session for an owner, which the webhook credits once paid", async () => {
    const { owner, sock } = await ownerWithSocket();
    const before = await stateOf(sock);
    expect(before.topUpOptions).toEqual([
      { credits: 10_000, price: "$10.00" },
      { credits: 77_777, price: "$77.77" },
    ]);
    const res = await checkout(owner, owner.workspaceId, { credits: 10_000 });
    expect(res.status).toBe(201);
    const sessionId = /\/c\/pay\/(cs_test_\w+)$/.exec(res.body.url)?.[1];
    expect(sessionId).toBeDefined();

    const sent = (await standinRequests()).find((r) => r.form.client_reference_id === owner.workspaceId);
    expect(sent).toMatchObject({
      method: "POST",
      path: "/v1/checkout/sessions",
      authorized: true,
      form: {
        mode: "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "1000",
        "metadata[workspaceId]": owner.workspaceId,
        "metadata[credits]": "10000",
        "metadata[purpose]": "autopilot_topup",
        customer_email: owner.email,
        success_url: `${ORIGIN}/?w=${owner.workspaceId}&billing=paid`,
        cancel_url: `${ORIGIN}/?w=${owner.workspaceId}&billing=cancelled`,
      },
    });
    // Nothing is credited until Stripe says it was paid.
    expect(await topUps(sock)).toEqual([]);

    const paid = sessionEvent({
      eventId: `evt_${uid()}`,
      sessionId: sessionId!,
      workspaceId: owner.workspaceId,
      credits: Number(sent!.form["metadata[credits]"]),
    });
    expect((await deliver(paid)).body.credited).toBe(true);
    expect((await stateOf(sock)).balance).toBe(before.balance + 10_000);
    sock.close();
  });

  it("refuses members, strangers, agents' keys, options the operator does not offer, and says when Stripe refused", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const [member, admin, stranger] = await Promise.all([signUp(), signUp(), signUp()]);
    await addMember(owner, ws, member, "member");
    await addMember(owner, ws, admin, "admin");
    const agent = await keySession((await createKey(owner, ws, ["read", "write", "approve", "admin"])).key);

    expect((await checkout(admin, ws, { credits: 10_000 })).status).toBe(201);
    const refusals = await Promise.all([
      checkout(member, ws, { credits: 10_000 }),
      checkout(stranger, ws, { credits: 10_000 }),
      checkout(agent, ws, { credits: 10_000 }),
      checkout(owner, ws, { credits: 5 }),
      checkout(owner, ws, { credits: -10_000 }),
      checkout(owner, ws, { credits: "10000" }),
      checkout(owner, ws, { credits: 77_777 }),
    ]);
    expect(refusals.map(statusAndCode)).toEqual([
      ...MEMBER_STRANGER_AGENT_REFUSED,
      ...Array(3).fill([400, "bad_request"]),
      [502, "upstream_failed"],
    ]);
    expect(refusals[3]!.body.error.message).toMatch(/10000 credits for \$10\.00/);
    // Only the admin's and the refused option's reached Stripe.
    const sent = (await standinRequests()).filter((r) => r.form.client_reference_id === ws);
    expect(sent.map((r) => r.form["metadata[credits]"]).sort()).toEqual(["10000", "77777"]);
  });
});
