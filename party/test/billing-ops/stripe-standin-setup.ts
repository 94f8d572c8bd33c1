// vitest globalSetup of the "billing-ops" workerd project (runs in Node): a scripted stand-in
// for Stripe's API (a paid service), answering what the Worker asks of it (opening a Checkout
// Session, changing a subscription's price, opening the customer portal) the way Stripe does, and keeping each request for the tests to read back at
// GET /__requests. A session for 77777 credits is refused as Stripe refuses a bad request.
// Events are signed here too, with the stripe package's own test-header helper
// (POST /__sign), so the package's couple of hundred modules never load inside workerd: a
// test runtime fetches each module it runs from the pool, and these were there only to sign.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import type { TestProject } from "vitest/node";

/** The secret key the project's Worker is configured with (vitest.worker.config.ts). */
export const STANDIN_SECRET_KEY = "sk_test_standin_0123456789";

interface Seen {
  method: string;
  path: string;
  authorized: boolean;
  form: Record<string, string>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const seen: Seen[] = [];
  let sessions = 0;
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/__requests") return reply(200, seen);
    if (req.method === "POST" && req.url === "/__sign") {
      const { payload, secret, timestamp } = JSON.parse(await readBody(req)) as {
        payload: string;
        secret: string;
        timestamp?: number;
      };
      const header = await Stripe.webhooks.generateTestHeaderStringAsync({
        payload,
        secret,
        ...(timestamp === undefined ? {} : { timestamp }),
        cryptoProvider: Stripe.createSubtleCryptoProvider(),
      });
      return reply(200, { header });
    }
    const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
    const authorized = req.headers.authorization === `Bearer ${STANDIN_SECRET_KEY}`;
    seen.push({ method: req.method ?? "", path: req.url ?? "", authorized, form });
    if (!authorized)
      return reply(401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
    const subscription = /^\/v1\/subscriptions\/(sub_\w+)$/.exec(req.url ?? "")?.[1];
    if (req.method === "POST" && subscription)
      return reply(200, {
        id: subscription,
        object: "subscription",
        status: "active",
        cancel_at_period_end: form.cancel_at_period_end === "true",
        items: { object: "list", data: [{ id: form["items[0][id]"], price: { id: form["items[0][price]"] } }] },
      });
    if (req.method === "POST" && req.url === "/v1/billing_portal/sessions")
      return reply(200, {
        id: `bps_standin${seen.length}`,
        object: "billing_portal.session",
        customer: form.customer,
        return_url: form.return_url,
        url: `https://billing.stripe.test/p/session/${form.customer}`,
      });
    if (req.method !== "POST" || req.url !== "/v1/checkout/sessions")
      return reply(404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.url})` } });
    if (form["metadata[credits]"] === "77777")
      return reply(400, { error: { type: "invalid_request_error", message: "scripted refusal" } });
    sessions += 1;
    const id = `cs_test_standin${sessions}`;
    return reply(200, {
      id,
      object: "checkout.session",
      mode: form.mode,
      payment_status: "unpaid",
      status: "open",
      client_reference_id: form.client_reference_id ?? null,
      url: `https://checkout.stripe.test/c/pay/${id}`,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("stripeUrl", `http://127.0.0.1:${port}`);
  project.provide("stripeApiVersion", Stripe.API_VERSION);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

declare module "vitest" {
  export interface ProvidedContext {
    stripeUrl: string;
    stripeApiVersion: string;
  }
}
