// Stripe's side of the billing-ops tests: events signed with the stripe package's own test-header
// helper (in Node, by the API stand-in: stripe-standin-setup.ts) and delivered to the real
// Worker's webhook, and what the stand-in was asked.
import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { api, ORIGIN } from "../harness";

export const {
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_API_BASE: STANDIN,
  STRIPE_TEST_API_VERSION: API_VERSION,
} = env as unknown as {
  STRIPE_WEBHOOK_SECRET: string;
  STRIPE_API_BASE: string;
  STRIPE_TEST_API_VERSION: string;
};
export type ErrorBody = { error: { code: string; message: string } };
/** A refused call as [status, code]: a test compares all its refusals in one assertion. */
export const statusAndCode = (r: { status: number; body: ErrorBody }) => [r.status, r.body.error.code];
/**
 * How a billing route that spends the workspace's money refuses, in this order, a member, a
 * stranger and an agent's key: a member may not, a stranger is not told the workspace exists,
 * and a key is no person's session.
 */
export const MEMBER_STRANGER_AGENT_REFUSED = [
  [403, "forbidden"],
  [404, "not_found"],
  [403, "forbidden"],
];
export const uid = () => crypto.randomUUID().replaceAll("-", "");

/** Signs `signed` (the body as Stripe sent it) and delivers `body` (what arrives: the same unless tampered with). */
export async function deliver(
  signed: string,
  { secret = WEBHOOK_SECRET, timestamp, body = signed }: { secret?: string; timestamp?: number; body?: string } = {},
) {
  const signing = await fetch(`${STANDIN}/__sign`, {
    method: "POST",
    body: JSON.stringify({ payload: signed, secret, ...(timestamp === undefined ? {} : { timestamp }) }),
  });
  const { header } = (await signing.json()) as { header: string };
  const res = await SELF.fetch(`${ORIGIN}/api/billing/stripe-webhook`, {
    method: "POST",
    // As Stripe sends it: no Origin, no cookie.
    headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header },
    body,
  });
  return {
    status: res.status,
    body: (await res.json()) as { received?: boolean; credited?: boolean; applied?: boolean } & ErrorBody,
  };
}

/** The app signed in with an agent's key: the key session's cookie (party/auth/key-sessions.ts). */
export async function keySession(key: string): Promise<{ cookie: string }> {
  const res = await api<unknown>("/api/agent/sign-in", { method: "POST", body: JSON.stringify({ key }) });
  expect(res.status).toBe(200);
  return { cookie: res.headers.get("set-cookie")!.split(";")[0]! };
}

export interface StandinRequest {
  method: string;
  path: string;
  authorized: boolean;
  form: Record<string, string>;
}
export const standinRequests = async (): Promise<StandinRequest[]> =>
  (await (await fetch(`${STANDIN}/__requests`)).json()) as StandinRequest[];
/**
 * The stand-in's requests about these workspaces, customers or subscriptions only: the project's
 * files share one stand-in and run side by side, so a count of all its requests is not this test's.
 */
export const standinRequestsAbout = async (...ids: string[]): Promise<StandinRequest[]> =>
  (await standinRequests()).filter(
    (r) => ids.some((id) => r.path.includes(id)) || Object.values(r.form).some((v) => ids.includes(v)),
  );

export const DAY = 24 * 3600;
export const now = () => Math.floor(Date.now() / 1000);

export interface SubscriptionSnapshot {
  id: string;
  customer: string;
  item: string;
  price: string;
  start: number;
  end: number;
  status?: string;
  cancelAtPeriodEnd?: boolean;
  metadata?: Record<string, string>;
}

/** A Stripe event as Stripe sends it (API 2025+: the period on the subscription's item, the invoice's subscription under `parent`). */
export function event(type: string, object: Record<string, unknown>, created = now()): string {
  return JSON.stringify({
    id: `evt_${uid()}`,
    object: "event",
    api_version: API_VERSION,
    created,
    livemode: false,
    type,
    data: { object },
  });
}

export const subscriptionEvent = (
  type: "created" | "updated" | "deleted",
  workspaceId: string,
  s: SubscriptionSnapshot,
  created?: number,
) =>
  event(
    `customer.subscription.${type}`,
    {
      id: s.id,
      object: "subscription",
      customer: s.customer,
      status: s.status ?? (type === "deleted" ? "canceled" : "active"),
      cancel_at_period_end: s.cancelAtPeriodEnd ?? false,
      metadata: { purpose: "autopilot_plan", workspaceId, ...s.metadata },
      items: {
        object: "list",
        data: [
          {
            id: s.item,
            object: "subscription_item",
            price: { id: s.price, object: "price", recurring: { interval: "month" } },
            current_period_start: s.start,
            current_period_end: s.end,
          },
        ],
      },
    },
    created,
  );
