// Scripted stand-ins for the paid services the billing end-to-end test reaches on loopback:
// Stripe's API (Checkout Sessions, subscription changes and the portal, answered as Stripe
// answers them) and a Resend-compatible mail
// API. Each keeps what the Worker sent, for the test to read.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface StandIn {
  url: string;
  close(): Promise<void>;
}

/** A loopback HTTP server that hands each request's whole body to `handle`. */
async function standIn(
  handle: (req: IncomingMessage, body: string, res: ServerResponse) => void,
  path = "",
): Promise<StandIn> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => handle(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

export interface StripeStandIn extends StandIn {
  /** Each request's form, in order. */
  asked: Record<string, string>[];
}

/**
 * Stripe's API, for a request with the key, as Stripe answers: opens a Checkout Session, changes
 * a subscription's price, opens the customer portal (on `checkoutHost`, the hosted pages' stand-in).
 */
export async function startStripeStandIn(key: string, checkoutHost: string): Promise<StripeStandIn> {
  const asked: Record<string, string>[] = [];
  const server = await standIn((req, body, res) => {
    const form = Object.fromEntries(new URLSearchParams(body));
    asked.push({ ...form, path: req.url ?? "" });
    const refuse = () =>
      json(res, 400, { error: { type: "invalid_request_error", message: "not what the stand-in expects" } });
    if (req.headers.authorization !== `Bearer ${key}` || req.method !== "POST") return refuse();
    const id = `cs_test_${asked.length}`;
    if (req.url === "/v1/checkout/sessions")
      return json(res, 200, {
        id,
        object: "checkout.session",
        status: "open",
        url: `https://${checkoutHost}/c/pay/${id}`,
      });
    if (req.url === "/v1/billing_portal/sessions")
      return json(res, 200, {
        id: `bps_${asked.length}`,
        object: "billing_portal.session",
        url: `https://${checkoutHost}/p/session/${form.customer}`,
      });
    const sub = /^\/v1\/subscriptions\/(sub_\w+)$/.exec(req.url ?? "")?.[1];
    if (sub)
      return json(res, 200, {
        id: sub,
        object: "subscription",
        status: "active",
        items: { object: "list", data: [{ id: form["items[0][id]"], price: { id: form["items[0][price]"] } }] },
      });
    return refuse();
  });
  return { ...server, asked };
}

export interface MailStandIn extends StandIn {
  /** Each mail sent with the key, in Resend's request shape. */
  sent: { from: string; to: string[]; subject: string; text: string }[];
}

/** A Resend-compatible mail API (`POST /emails` with a bearer key): keeps each mail. */
export async function startMailStandIn(key: string): Promise<MailStandIn> {
  const sent: MailStandIn["sent"] = [];
  const server = await standIn((req, body, res) => {
    const ok = req.method === "POST" && req.headers.authorization === `Bearer ${key}`;
    if (ok) sent.push(JSON.parse(body) as MailStandIn["sent"][number]);
    json(res, ok ? 200 : 401, ok ? { id: `mail_${sent.length}` } : { message: "bad key" });
  }, "/emails");
  return { ...server, sent };
}
