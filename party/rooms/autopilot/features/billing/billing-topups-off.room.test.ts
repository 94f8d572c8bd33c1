// Top-ups without Stripe keys (this project's Worker has none): the feature is off and says so
// with a typed error, the webhook believes nothing, and the room tells its clients there are
// no top-ups (operators grant credits by hand: party/test/billing-ops/).
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, ORIGIN, RawSocket, signUp } from "../../../../test/harness";

type ErrorBody = { error: { code: string; message: string } };

describe("top-ups without Stripe", () => {
  it("the checkout route and the webhook answer feature_off, and the room offers no top-up", async () => {
    const owner = await signUp();
    const checkout = await api<ErrorBody>(`/api/workspaces/${owner.workspaceId}/billing/checkout`, {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ credits: 10_000 }),
    });
    expect(checkout.status).toBe(501);
    expect(checkout.body.error).toEqual({ code: "feature_off", message: expect.stringMatching(/no Stripe keys/) });

    const webhook = await SELF.fetch(`${ORIGIN}/api/billing/stripe-webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
      body: JSON.stringify({ id: "evt_1", type: "checkout.session.completed" }),
    });
    expect(webhook.status).toBe(501);
    expect(((await webhook.json()) as ErrorBody).error.code).toBe("feature_off");

    const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await sock.hello();
    const { state } = await sock.ok("billing.summary", {});
    expect(state).toMatchObject({ topUps: false, topUpOptions: [] });
    expect((await sock.ok("billing.entries", { kind: "topup", limit: 10 })).entries).toEqual([]);
    sock.close();
  });
});
