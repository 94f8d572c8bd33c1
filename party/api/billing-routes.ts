import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import {
  ChoosePlanBody,
  type ChoosePlanResponse,
  CheckoutBody,
  type CheckoutResponse,
  type PortalResponse,
} from "../../shared/api/billing";
import { linkOrigin } from "../auth/origin";
import { workspaceById } from "../auth/better-auth-reads";
import { isUpgrade, offeredPlans, readBillingConfig, topUpPrice } from "../rooms/autopilot/features/billing/config";
import { createCheckout, topUpOf, verifiedEvent } from "../rooms/autopilot/features/billing/stripe";
import { changePlan, openPlanCheckout, openPortal, planNewsOf } from "../rooms/autopilot/features/billing/stripe-plans";
import { managesWorkspace } from "./caller";
import { type ApiEnv, authOf, httpError, jsonBody } from "./context";
import { roomCall } from "../room-rpc";

/** Stripe's events are a few kilobytes; anything near this is not one. */
const WEBHOOK_MAX_BYTES = 256 * 1024;

const log = (fields: Record<string, unknown>) => console.error(JSON.stringify(fields));

const TOPUPS_OFF = "top-ups are off on this server (no Stripe keys): an operator grants credits instead";

/**
 * Stripe's webhook (docs/billing.md): open to anyone, believed only with a valid signature. A
 * paid checkout session credits its workspace once: the ledger entry's id is the session's,
 * so a replayed event and a second event for the same session are the same entry. Stripe
 * retries what does not answer 2xx, so only a failure that may pass (the room unreachable)
 * answers 5xx; what can never be credited is acknowledged and logged.
 */
export const stripeWebhookApi = new Hono<ApiEnv>().post(
  "/api/billing/stripe-webhook",
  bodyLimit({
    maxSize: WEBHOOK_MAX_BYTES,
    onError: (c) => httpError(c, "bad_request", "body too large for a Stripe event"),
  }),
  async (c) => {
    const stripe = readBillingConfig(c.env).stripe;
    if (!stripe) return httpError(c, "feature_off", TOPUPS_OFF);
    const verified = await verifiedEvent(
      stripe.webhookSecret,
      await c.req.text(),
      c.req.header("stripe-signature") ?? null,
    );
    if (verified.kind === "refused") {
      log({ msg: "stripe webhook refused", reason: verified.reason });
      return httpError(c, "bad_request", `not a valid Stripe event: ${verified.reason}`);
    }
    const plan = planNewsOf(verified.event);
    if (plan.kind !== "ignored") {
      if (!(await workspaceById(authOf(c), plan.workspaceId))) {
        log({ msg: "stripe plan event for a workspace that does not exist", workspace: plan.workspaceId });
        return c.json({ received: true, applied: false });
      }
      const { changed } = await roomCall(c.env.Autopilot.getByName(plan.workspaceId), "applyPlanNews", plan);
      return c.json({ received: true, applied: changed });
    }
    const outcome = topUpOf(verified.event);
    if (outcome.kind === "ignored") return c.json({ received: true, credited: false });
    const { workspaceId, sessionId, credits } = outcome;
    // Never a room for an id nobody made: the workspace may have been deleted since it paid.
    if (!(await workspaceById(authOf(c), workspaceId))) {
      log({ msg: "stripe top-up for a workspace that does not exist", workspace: workspaceId, session: sessionId });
      return c.json({ received: true, credited: false });
    }
    const { credited } = await roomCall(c.env.Autopilot.getByName(workspaceId), "creditLedger", {
      id: `stripe:${sessionId}`,
      kind: "topup",
      amount: credits,
      note: "Top-up through Stripe",
      by: null,
    });
    return c.json({ received: true, credited });
  },
);

const PLANS_OFF = "plans are chosen by an operator on this server (no Stripe keys, or no plan with a price)";
const PERSON_ONLY = "a plan is a person's choice: an owner or admin chooses it in the app";

/**
 * Choosing a plan (docs/billing.md): a person who owns or administers the workspace. Without a
 * subscription, Stripe's Checkout page subscribes the workspace; with one, its price changes
 * (an upgrade at once, a downgrade at the period's end). The webhook tells the room either way.
 */
export const planApi = new Hono<ApiEnv>()
  .post(
    "/api/workspaces/:ws/billing/plan",
    jsonBody(ChoosePlanBody, "expected {plan}: one of the plans on offer"),
    managesWorkspace,
    async (c) => {
      const workspaceId = c.req.param("ws");
      const config = readBillingConfig(c.env);
      const caller = c.var.caller;
      if (caller.kind !== "user") return httpError(c, "forbidden", PERSON_ONLY);
      if (!config.stripe) return httpError(c, "feature_off", PLANS_OFF);
      const { plan: wanted } = c.req.valid("json");
      const plans = offeredPlans(config);
      const to = plans.find((p) => p.id === wanted);
      if (!to) {
        const offered = plans.map((p) => p.id).join(", ");
        return httpError(c, "bad_request", `no plan ${wanted} on offer: the plans are ${offered || "none"}`);
      }
      const room = c.env.Autopilot.getByName(workspaceId);
      const sub = await roomCall(room, "planSubscription");
      const secretKey = config.stripe.secretKey;
      try {
        if (!sub) {
          const origin = linkOrigin(c.env, c.req.header("origin") ?? new URL(c.req.url).origin);
          if (!origin) return httpError(c, "feature_off", "no origin to come back to: set APP_ORIGINS");
          const { customerId, lapsed } = await roomCall(room, "planOf");
          if (lapsed)
            return httpError(
              c,
              "conflict",
              "the plan's last payment failed and Stripe is still retrying it: pay or cancel it in Manage card and invoices, then choose a plan",
            );
          const url = await openPlanCheckout(c.env, {
            secretKey,
            workspaceId,
            plan: to,
            origin,
            email: caller.session.user.email,
            customerId,
          });
          return c.json({ url } satisfies z.input<typeof ChoosePlanResponse>, 201);
        }
        const from = config.plans[sub.planId];
        if (sub.planId === to.id && !sub.cancelAtPeriodEnd && sub.currentPlanId === to.id)
          return httpError(c, "conflict", `the workspace is on the ${to.name} plan already`);
        const upgrade = from ? isUpgrade(from, to) : true;
        await changePlan(c.env, { secretKey, workspaceId, sub, from: from ?? to, to, upgrade });
        return c.json({ change: upgrade ? "now" : "period_end", at: upgrade ? null : sub.periodEnd } satisfies z.input<
          typeof ChoosePlanResponse
        >);
      } catch (error) {
        log({ msg: "stripe plan change failed", workspace: workspaceId, error: String(error).slice(0, 300) });
        return httpError(c, "upstream_failed", "Stripe did not take the change: try again later");
      }
    },
  )
  .post("/api/workspaces/:ws/billing/portal", managesWorkspace, async (c) => {
    const workspaceId = c.req.param("ws");
    const config = readBillingConfig(c.env);
    if (c.var.caller.kind !== "user") return httpError(c, "forbidden", PERSON_ONLY);
    if (!config.stripe) return httpError(c, "feature_off", PLANS_OFF);
    const { customerId } = await roomCall(c.env.Autopilot.getByName(workspaceId), "planOf");
    if (!customerId) return httpError(c, "not_found", "the workspace has no subscription yet: choose a plan first");
    const origin = linkOrigin(c.env, c.req.header("origin") ?? new URL(c.req.url).origin);
    if (!origin) return httpError(c, "feature_off", "no origin to come back to: set APP_ORIGINS");
    try {
      const url = await openPortal(c.env, { secretKey: config.stripe.secretKey, customerId, origin, workspaceId });
      return c.json({ url } satisfies z.input<typeof PortalResponse>, 201);
    } catch (error) {
      log({ msg: "stripe portal failed", workspace: workspaceId, error: String(error).slice(0, 300) });
      return httpError(c, "upstream_failed", "Stripe did not open the portal: try again later");
    }
  });

/**
 * Buying credits: a person who owns or administers the workspace picks one of the operator's
 * top-up options and gets Stripe's hosted checkout page. Nothing is credited here; the
 * webhook does that once Stripe says it was paid.
 */
export const checkoutApi = new Hono<ApiEnv>().post(
  "/api/workspaces/:ws/billing/checkout",
  jsonBody(CheckoutBody, "expected {credits}: one of the top-up options"),
  managesWorkspace,
  async (c) => {
    const workspaceId = c.req.param("ws");
    const stripe = readBillingConfig(c.env).stripe;
    if (!stripe) return httpError(c, "feature_off", TOPUPS_OFF);
    const { credits } = c.req.valid("json");
    const topUp = stripe.topUps.find((option) => option.credits === credits);
    if (!topUp) {
      const offered = stripe.topUps.map((t) => `${t.credits} credits for ${topUpPrice(t)}`).join(", ");
      return httpError(c, "bad_request", `no top-up of ${credits} credits: the options are ${offered || "none"}`);
    }
    const origin = linkOrigin(c.env, c.req.header("origin") ?? new URL(c.req.url).origin);
    if (!origin) return httpError(c, "feature_off", "no origin to come back to: set APP_ORIGINS");
    const caller = c.var.caller;
    let url: string;
    try {
      url = await createCheckout(c.env, {
        secretKey: stripe.secretKey,
        workspaceId,
        topUp,
        origin,
        email: caller.kind === "user" ? caller.session.user.email : null,
      });
    } catch (error) {
      log({ msg: "stripe checkout failed", workspace: workspaceId, error: String(error).slice(0, 300) });
      return httpError(c, "upstream_failed", "Stripe did not open a checkout: try again later");
    }
    return c.json({ url } satisfies z.input<typeof CheckoutResponse>, 201);
  },
);
