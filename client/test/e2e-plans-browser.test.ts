// Plans people choose, end to end (docs/billing.md): the real server with two plans on offer and
// Stripe's API a scripted stand-in on loopback. In Chromium the owner chooses Starter and lands
// on Stripe's Checkout (the stand-in's page); Stripe's events, signed with the stripe package's
// own helper, reach the Worker's webhook, and the Billing panel follows live for the owner and
// an admin at once: the plan, its credits, when it renews. A switch to Pro goes to Stripe as a
// change of the subscription, "Manage card and invoices" opens the portal, an owner gives an
// agent key a spending allowance, and the phone shows the same. Screenshots go to test-artifacts/billing/.
import type { BrowserContext, Page } from "playwright-core";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactsIn, openLive, signedInPage, withBrowser } from "./browser-helpers";
import { type StripeStandIn, startStripeStandIn } from "./billing-standins";
import { addSecondPerson, createKey, httpJson, ownWorkspace, signUpVerified, withServer } from "./e2e-helpers";

const { shot } = artifactsIn("billing");
const STRIPE_KEY = "sk_test_plans_e2e_standin";
const WEBHOOK_SECRET = "whsec_plans_e2e_standin";
const HOSTED = "checkout.stripe.test";
const DAY = 24 * 3600;

let stripe: StripeStandIn;
beforeAll(async () => {
  stripe = await startStripeStandIn(STRIPE_KEY, HOSTED);
});
afterAll(async () => {
  await stripe?.close();
});

const server = withServer(() => ({
  vars: {
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.url,
    BILLING_PLANS: JSON.stringify({
      free: { name: "Free", includedCredits: 1000, maxInstances: 0 },
      starter: {
        name: "Starter",
        includedCredits: 20_000,
        maxInstances: 1,
        maxSeats: 3,
        monthlyPrice: { amount: 900, currency: "usd" },
        stripePrice: "price_starter",
      },
      pro: {
        name: "Pro",
        includedCredits: 100_000,
        maxInstances: 5,
        monthlyPrice: { amount: 4900, currency: "usd" },
        stripePrice: "price_pro",
      },
    }),
  },
}));
const browser = withBrowser();
const contexts: BrowserContext[] = [];
afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
});

const now = () => Math.floor(Date.now() / 1000);
let eventN = 0;

/** One of Stripe's events, signed as Stripe signs them, delivered to the Worker's webhook. */
async function deliver(type: string, object: Record<string, unknown>): Promise<void> {
  eventN += 1;
  const payload = JSON.stringify({
    id: `evt_plans${eventN}`,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: now(),
    livemode: false,
    type,
    data: { object },
  });
  const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: WEBHOOK_SECRET });
  const res = await fetch(`${server.url}/api/billing/stripe-webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": header },
    body: payload,
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const subscription = (workspaceId: string, price: string, start: number, end: number) => ({
  id: "sub_plans1",
  object: "subscription",
  customer: "cus_plans1",
  status: "active",
  cancel_at_period_end: false,
  metadata: { purpose: "autopilot_plan", workspaceId },
  items: { data: [{ id: "si_plans1", price: { id: price }, current_period_start: start, current_period_end: end }] },
});
const paidInvoice = (workspaceId: string, price: string, amount: number, start: number, end: number) => ({
  id: `in_plans${eventN}`,
  object: "invoice",
  billing_reason: "subscription_create",
  parent: {
    subscription_details: { subscription: "sub_plans1", metadata: { purpose: "autopilot_plan", workspaceId } },
  },
  lines: { data: [{ amount, period: { start, end }, pricing: { price_details: { price } } }] },
});

async function openBilling(cookie: string, workspace: string, viewport: { width: number; height: number }) {
  const { ctx, page } = await signedInPage(browser, server.url, cookie, { viewport });
  contexts.push(ctx);
  // Stripe's hosted pages, as the stand-in for them: the buyer lands there.
  await ctx.route(`https://${HOSTED}/**`, (route) =>
    route.fulfill({ contentType: "text/html", body: "<title>Stripe (stand-in)</title><h1>Stripe</h1>" }),
  );
  await openLive(page, `${server.url}/?w=${workspace}`);
  // On a phone the details panel is one of the bottom bar's sections.
  if (viewport.width < 600)
    await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("button", { name: /^Details/ })
      .click();
  await page.getByRole("tab", { name: "Billing" }).click();
  await page.locator(".billing-view").getByTestId("billing-balance").waitFor();
  return page;
}

const planChip = (page: Page) => page.locator(".billing-view .billing-head .chip");

describe("plans people choose", () => {
  it("an owner subscribes through Checkout, both admins see it live, switches to Pro, reaches the portal and asks to step back down (what stops said); the phone shows it", async () => {
    const owner = await signUpVerified(server.url, "Olive");
    const workspace = await ownWorkspace(server.url, owner.cookie);
    const admin = await addSecondPerson(server.url, owner.cookie, workspace, "Adam", "admin");
    await createKey(server.url, owner.cookie, workspace, { name: "Release bot", scopes: ["read", "write"] });
    const olive = await openBilling(owner.cookie, workspace, { width: 1440, height: 900 });
    const adam = await openBilling(admin.cookie, workspace, { width: 1440, height: 900 });
    const plans = olive.locator(".billing-plans");
    await expect(planChip(olive).textContent()).resolves.toBe("Free plan");
    await expect(plans.locator(".plan").allTextContents()).resolves.toEqual([
      expect.stringMatching(/^Starter \$9\.00 a month20,000 credits each month · 1 instance · 3 seats/),
      expect.stringMatching(/^Pro \$49\.00 a month100,000 credits each month · 5 instances · no limit on seats/),
    ]);
    await shot(olive, "09-plans-on-offer");

    await plans.getByRole("button", { name: "Choose the Starter plan" }).click();
    await olive.waitForURL(new RegExp(`^https://${HOSTED.replaceAll(".", "\\.")}/c/pay/cs_test_`));
    expect(stripe.asked.at(-1)).toMatchObject({
      path: "/v1/checkout/sessions",
      mode: "subscription",
      "line_items[0][price]": "price_starter",
      "subscription_data[metadata][workspaceId]": workspace,
    });

    // Stripe: subscribed and paid. Back in the app, and for the admin who never left it.
    const start = now();
    await olive.goto(`${server.url}/?w=${workspace}&billing=subscribed`);
    await olive
      .locator(".billing-view .billing-note")
      .getByText(/^Thank you: the plan and its credits/)
      .waitFor();
    await deliver("customer.subscription.created", subscription(workspace, "price_starter", start, start + 30 * DAY));
    await deliver("invoice.paid", paidInvoice(workspace, "price_starter", 900, start, start + 30 * DAY));
    for (const page of [olive, adam]) {
      await planChip(page).getByText("Starter plan").waitFor();
      await expect
        .poll(() => page.locator(".billing-view").getByTestId("billing-balance").textContent())
        .toBe("21,000");
      await page
        .locator(".billing-plans")
        .getByText(/^Billed monthly through Stripe; renews on /)
        .waitFor();
    }
    await expect(olive.locator('.plan[data-plan="starter"] .chip').textContent()).resolves.toBe("Your plan");
    await shot(olive, "10-subscribed-starter");

    // A switch to Pro is a change of the subscription at Stripe, shown once Stripe confirms it.
    await olive.locator(".billing-plans").getByRole("button", { name: "Choose the Pro plan" }).click();
    await olive
      .locator(".billing-plans .billing-note")
      .getByText(/^Pro from now on/)
      .waitFor();
    expect(stripe.asked.at(-1)).toMatchObject({
      path: "/v1/subscriptions/sub_plans1",
      "items[0][id]": "si_plans1",
      "items[0][price]": "price_pro",
      proration_behavior: "always_invoice",
    });
    await deliver("customer.subscription.updated", subscription(workspace, "price_pro", start, start + 30 * DAY));
    await planChip(adam).getByText("Pro plan").waitFor();
    await planChip(olive).getByText("Pro plan").waitFor();

    await olive.locator(".billing-plans").getByRole("button", { name: "Manage card and invoices" }).click();
    await olive.waitForURL(`https://${HOSTED}/p/session/cus_plans1`);
    expect(stripe.asked.at(-1)).toMatchObject({ path: "/v1/billing_portal/sessions", customer: "cus_plans1" });

    // Back from the portal, Billing says changes made there show once Stripe tells the server.
    await olive.goto(`${server.url}/?w=${workspace}&billing=managed`);
    await olive
      .locator(".billing-view .billing-note")
      .getByText(/^Back from Stripe/)
      .waitFor();

    // Back down to Starter: from the period's end, and the panel says what will stop then.
    const starter = olive.locator(".billing-plans").getByRole("button", { name: "Choose the Starter plan" });
    expect(await starter.getAttribute("title")).toMatch(/^From .+\. Then no one new joins past 3 seats\.$/);
    await starter.click();
    await olive
      .locator(".billing-plans .billing-note")
      .getByText(/^Starter from .+\. Then no one new joins past 3 seats\.$/)
      .waitFor();
    expect(stripe.asked.at(-1)).toMatchObject({
      path: "/v1/subscriptions/sub_plans1",
      "items[0][price]": "price_starter",
    });

    // A spending allowance for the release bot's key, given in the panel; the admin sees it live.
    const allowances = olive.getByRole("region", { name: "Spending allowances" });
    await allowances.getByLabel("Agent key").selectOption({ label: "Release bot" });
    await allowances.getByLabel("Credits a month").fill("5000");
    await allowances.getByRole("button", { name: "Give allowance" }).click();
    for (const page of [olive, adam])
      await page
        .locator(".billing-view [data-allowance]")
        .getByText(/^0 credits approved this month · 5,000 credits left · given by Olive/)
        .waitFor();
    await allowances.scrollIntoViewIfNeeded();
    await shot(olive, "12-spending-allowance");

    // The phone: the same plan and what it gives.
    const phone = await openBilling(owner.cookie, workspace, { width: 390, height: 844 });
    await planChip(phone).getByText("Pro plan").waitFor();
    await phone.locator('.plan[data-plan="pro"]').scrollIntoViewIfNeeded();
    await shot(phone, "11-plans-phone");
    const members = await httpJson<{ members: unknown[] }>(server.url, `/api/workspaces/${workspace}/members`, {
      cookie: owner.cookie,
    });
    expect(members.body.members).toHaveLength(2);
  }, 120_000);
});
