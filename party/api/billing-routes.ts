import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { CheckoutBody, type CheckoutResponse } from "../../shared/api/billing";
import { linkOrigin } from "../auth/origin";
import { workspaceById } from "../auth/better-auth-reads";
import { readBillingConfig, topUpPrice } from "../rooms/autopilot/features/billing/config";
import { createCheckout, readWebhook } from "../rooms/autopilot/features/billing/stripe";
import { managesWorkspace } from "./caller";
import { type ApiEnv, authOf, httpError, jsonBody } from "./context";

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
    const outcome = await readWebhook(
      stripe.webhookSecret,
      await c.req.text(),
      c.req.header("stripe-signature") ?? null,
    );
    if (outcome.kind === "refused") {
      log({ msg: "stripe webhook refused", reason: outcome.reason });
      return httpError(c, "bad_request", `not a valid Stripe event: ${outcome.reason}`);
    }
    if (outcome.kind === "ignored") return c.json({ received: true, credited: false });
    const { workspaceId, sessionId, credits } = outcome;
    // Never a room for an id nobody made: the workspace may have been deleted since it paid.
    if (!(await workspaceById(authOf(c), workspaceId))) {
      log({ msg: "stripe top-up for a workspace that does not exist", workspace: workspaceId, session: sessionId });
      return c.json({ received: true, credited: false });
    }
    const { credited } = await c.env.Autopilot.getByName(workspaceId).creditLedger({
      id: `stripe:${sessionId}`,
      kind: "topup",
      amount: credits,
      note: "Top-up through Stripe",
      by: null,
    });
    return c.json({ received: true, credited });
  },
);

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
