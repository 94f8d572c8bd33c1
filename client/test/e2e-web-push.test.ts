// Web Push end to end (docs/inbox.md): the real server (wrangler dev, as `npm start` runs
// it, with the VAPID pair the dev vars hold) and a stand-in push service on this machine
// (an HTTP server: a browser vendor's push service is an external service). Alice's
// "browser" is the test: it makes its own P-256 key pair and auth secret, subscribes with
// an endpoint at the stand-in, and decrypts (aes128gcm) what the stand-in receives.
// Headless Chromium cannot reach a real push service, so the browser part checks only
// that the app is installable: the manifest and the service worker are served and the
// worker registers.
import { createECDH, randomBytes } from "node:crypto";
import { createServer, type Server as HttpServer } from "node:http";
import ece from "http_ece";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ensureDevVars, freePort } from "../../party/dev/server.mjs";
import { AutopilotClient } from "../src/client";
import { signUpInUi, withBrowser } from "./browser-helpers";
import { addSecondPerson, createKey, personClient, until, verifiedOwner, withServer } from "./e2e-helpers";

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

let pushService: HttpServer;
let pushHost: string;
/** Every request the stand-in push service received, in order. */
const received: Received[] = [];
/** Paths the stand-in answers 410 Gone (the browser unsubscribed). */
const gone = new Set<string>();
/** Every frame any of Alice's sockets received. */
const frames: string[] = [];
const clients: AutopilotClient[] = [];

/** `ws` that keeps a copy of every frame it receives. */
class RecordingWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    this.on("message", (data) => frames.push(data.toString()));
  }
}

beforeAll(async () => {
  pushService = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(gone.has(req.url ?? "") ? 410 : 201).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => pushService.listen(port, "127.0.0.1", resolve));
  pushHost = `127.0.0.1:${port}`;
});
afterAll(async () => {
  await new Promise((resolve) => pushService?.close(resolve));
});

const server = withServer(() => ({ vars: { PUSH_TEST_ENDPOINT_HOST: pushHost } }));

afterAll(() => {
  for (const c of clients) c.close();
});

async function person(cookie: string, workspace: string, record = false) {
  const client = personClient(server.url, cookie, workspace, "laptop", record ? { WebSocket: RecordingWebSocket } : {});
  clients.push(client);
  await client.ready();
  return client;
}

/** A browser's subscription: its own P-256 key pair and auth secret, the endpoint at the stand-in. */
function browserSubscription(path: string) {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    subscription: {
      endpoint: `http://${pushHost}${path}`,
      keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") },
    },
  };
}

/** What the browser would show: the push decrypted with the subscription's private key. */
function decrypt(
  push: Received,
  sub: ReturnType<typeof browserSubscription>,
): { title: string; body: string; url: string } {
  const plain = ece.decrypt(push.body, {
    version: "aes128gcm",
    privateKey: sub.ecdh,
    authSecret: sub.auth.toString("base64url"),
  });
  return JSON.parse(plain.toString("utf8")) as { title: string; body: string; url: string };
}

/** The part of a service worker's global scope (WebWorker lib types) the test uses inside the worker. */
interface WorkerScope {
  dispatchEvent(event: Event): boolean;
}

const pushesTo = (path: string) => received.filter((r) => r.path === path);

describe("Web Push to a person with no tab open", () => {
  it("pushes an approval once, encrypted to the browser's keys and signed with the room's VAPID key; refuses hostile subscriptions and agents; a 410 removes the subscription", async () => {
    const privateKey = ensureDevVars().VAPID_PRIVATE_KEY!;
    const { workspace, ...alice } = await verifiedOwner(server.url, "Alice");
    const bob = await addSecondPerson(server.url, alice.cookie, workspace, "Bob");
    const aliceLive = await person(alice.cookie, workspace, true);
    const bobLive = await person(bob.cookie, workspace);

    const { inbox } = await aliceLive.inbox.get({});
    expect(inbox.push.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(inbox.push.endpoints).toEqual([]);

    // Hostile subscriptions are refused with typed errors.
    const good = browserSubscription("/push/alice-laptop");
    const refused = (subscription: unknown) => aliceLive.inbox.pushSubscribe({ subscription } as never);
    const withKeys = (keys: Partial<typeof good.subscription.keys>) => ({
      ...good.subscription,
      keys: { ...good.subscription.keys, ...keys },
    });
    const endpoint = (url: string) => ({ ...good.subscription, endpoint: url });
    for (const [subscription, reason] of [
      [endpoint("http://fcm.googleapis.com/fcm/send/x"), "endpoint_not_https"],
      [endpoint("https://evil.example/fcm/send/x"), "endpoint_host_not_allowed"],
      [endpoint("https://169.254.169.254/latest"), "endpoint_host_not_allowed"],
      [endpoint("https://fcm.googleapis.com.evil.example/x"), "endpoint_host_not_allowed"],
      [withKeys({ p256dh: randomBytes(32).toString("base64url") }), "p256dh_invalid"],
      [withKeys({ auth: randomBytes(8).toString("base64url") }), "auth_invalid"],
    ] as const)
      await expect(refused(subscription)).rejects.toMatchObject({ code: "bad_request", details: { reason } });
    await expect(refused(withKeys({ p256dh: "A".repeat(5000) }))).rejects.toMatchObject({ code: "bad_request" });
    await expect(
      refused({ ...good.subscription, endpoint: `http://${pushHost}/${"x".repeat(2000)}` }),
    ).rejects.toMatchObject({ code: "bad_request" });

    // An agent has no inbox, so no pushes either.
    const key = await createKey(server.url, alice.cookie, workspace, { name: "bot" });
    const agent = new AutopilotClient({ url: server.url, workspace, device: "bot", apiKey: key });
    clients.push(agent);
    await agent.ready();
    await expect(
      agent.inbox.pushSubscribe({ subscription: browserSubscription("/push/agent").subscription }),
    ).rejects.toMatchObject({ code: "forbidden" });

    // At most ten browsers per person: one more pushes out the oldest. Unsubscribing removes one.
    const spare = Array.from({ length: 11 }, (_, i) => browserSubscription(`/push/spare-${i}`).subscription);
    for (const subscription of spare) await aliceLive.inbox.pushSubscribe({ subscription });
    const kept = (await aliceLive.inbox.get({})).inbox.push.endpoints;
    expect(kept).toHaveLength(10);
    expect(kept).not.toContain(spare[0]!.endpoint);
    expect(kept).toContain(spare[10]!.endpoint);
    for (const endpoint of kept)
      expect(await aliceLive.inbox.pushUnsubscribe({ endpoint })).toEqual({ endpoint, removed: true });
    expect(await aliceLive.inbox.pushUnsubscribe({ endpoint: spare[0]!.endpoint })).toEqual({
      endpoint: spare[0]!.endpoint,
      removed: false,
    });
    expect((await aliceLive.inbox.get({})).inbox.push.endpoints).toEqual([]);

    await aliceLive.inbox.pushSubscribe({ subscription: good.subscription });
    expect((await aliceLive.inbox.get({})).inbox.push.endpoints).toEqual([good.subscription.endpoint]);

    // What her open tab showed is not pushed once she has closed it.
    const seenLive = await bobLive.approvals.request({
      title: `Seen in the tab ${Date.now()}`,
      details: "for the test",
    });
    await until(
      () => frames.some((f) => f.includes('"inbox.updated"') && f.includes(seenLive.approval.title)),
      "the approval in alice's open tab",
      15_000,
    );

    // Alice closes her tab: the room reports her gone before Bob asks.
    aliceLive.close();
    await until(
      () => ![...bobLive.state.presence.values()].some((p) => p.principalId === alice.userId),
      "alice gone from presence",
      15_000,
    );

    const first = await bobLive.approvals.request({
      title: `Rotate the push keys ${Date.now()}`,
      details: "for the test",
    });
    const firstPush = await until(() => pushesTo("/push/alice-laptop")[0], "the first push", 20_000);
    expect(firstPush.headers["content-encoding"]).toBe("aes128gcm");
    // Signed with the room's VAPID key (RFC 8292: `vapid t=<jwt>, k=<public key>`).
    expect(String(firstPush.headers.authorization)).toContain(`k=${inbox.push.publicKey}`);
    const shown = decrypt(firstPush, good);
    expect(shown.title).toBe("An approval is waiting for you");
    expect(shown.body).toContain(first.approval.title);
    const link = new URL(shown.url);
    expect(link.searchParams.get("w")).toBe(workspace);
    expect(link.searchParams.get("approval")).toBe(first.approval.id);

    // Exactly one push for it: the next approval brings one push, about the next one only.
    const second = await bobLive.approvals.request({ title: `Second ask ${Date.now()}`, details: "for the test" });
    await until(() => pushesTo("/push/alice-laptop")[1], "the second push", 20_000);
    const bodies = pushesTo("/push/alice-laptop").map((p) => decrypt(p, good).body);
    expect(bodies).toHaveLength(2);
    expect(bodies.filter((b) => b.includes(first.approval.title))).toHaveLength(1);
    expect(bodies[1]).toContain(second.approval.title);
    expect(bodies.filter((b) => b.includes(seenLive.approval.title))).toEqual([]);

    // The browser went away: the push service answers 410 and the room forgets the subscription.
    gone.add("/push/alice-laptop");
    await bobLive.approvals.request({ title: `Third ask ${Date.now()}`, details: "for the test" });
    await until(() => pushesTo("/push/alice-laptop")[2], "the third push", 20_000);
    const aliceAgain = await person(alice.cookie, workspace, true);
    // Polls the room's own answer: the removal follows the 410 once the room has read it.
    await expect
      .poll(async () => (await aliceAgain.inbox.get({})).inbox.push.endpoints, { timeout: 15_000, interval: 200 })
      .toEqual([]);

    // The VAPID private key never reaches a client.
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.filter((f) => f.includes(privateKey))).toEqual([]);
    for (const path of ["/", "/sw.js", "/manifest.webmanifest"])
      expect(await (await fetch(`${server.url}${path}`)).text()).not.toContain(privateKey);
  });
});

describe("the installable app", () => {
  const browser = withBrowser();

  it("serves a manifest and a service worker, and the worker registers", async () => {
    const manifest = await fetch(`${server.url}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    const parsed = (await manifest.json()) as { name: string; start_url: string; icons: { src: string }[] };
    expect(parsed).toMatchObject({ start_url: "/", display: "standalone" });
    for (const icon of parsed.icons) expect((await fetch(`${server.url}${icon.src}`)).status).toBe(200);
    const sw = await fetch(`${server.url}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get("content-type")).toMatch(/javascript/);

    const ctx = await browser.newContext();
    await ctx.grantPermissions(["notifications"], { origin: server.url });
    const page = await ctx.newPage();
    await page.goto(server.url);
    expect(await page.locator('link[rel="manifest"]').getAttribute("href")).toBe("/manifest.webmanifest");
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${server.url}/`);
    // `ready` resolves once the registration has an active worker, which may still be
    // "activating" (the spec's order): wait for its state to change rather than read it once.
    const state = await page.evaluate(async () => {
      const worker = (await navigator.serviceWorker.ready).active;
      if (!worker) return "none";
      if (worker.state === "activating")
        await new Promise((resolve) => worker.addEventListener("statechange", resolve, { once: true }));
      return worker.state;
    });
    expect(state).toBe("activated");

    // The opt-in sits in the inbox's notification settings, off until the person ticks it.
    await signUpInUi(page, server.url, "Carol", `carol-${Date.now()}@example.test`);
    await page.getByRole("button", { name: /^Inbox/ }).click();
    await page.getByText("Notification settings").click();
    const optIn = page.getByLabel("Notify me on this device when the tab is closed");
    await optIn.waitFor({ timeout: 10_000 });
    expect(await optIn.isChecked()).toBe(false);
    expect(await page.getByLabel("Approvals by notification to a closed tab").isChecked()).toBe(true);
    expect(await page.getByLabel("Replies by notification to a closed tab").isChecked()).toBe(false);
  });

  it("an approval's push carries its decision link: in Chromium its page decides as the person, and the notification's Approve action in the app's real service worker approves; a critical one's push carries no link", async () => {
    const { workspace, ...ann } = await verifiedOwner(server.url, "Ann");
    const phone = browserSubscription("/push/ann-phone");
    const annLive = await person(ann.cookie, workspace);
    await annLive.inbox.pushSubscribe({ subscription: phone.subscription });
    // No tab of Ann's open: the room pushes.
    annLive.close();
    const key = await createKey(server.url, ann.cookie, workspace, { name: "deployer" });
    const agent = new AutopilotClient({ url: server.url, workspace, device: "ci", apiKey: key });
    clients.push(agent);
    await agent.ready();
    const decideLink = async (title: string) => {
      const push = await until(
        () => pushesTo("/push/ann-phone").find((p) => decrypt(p, phone).body.startsWith(title)),
        `the push for ${title}`,
        20_000,
      );
      const payload = decrypt(push, phone) as ReturnType<typeof decrypt> & { decide?: string };
      expect(payload.decide).toMatch(/^\/decide\/[^/]+\/[0-9a-f]{64}$/);
      return `${server.url}${payload.decide}`;
    };
    const statusOf = async (approvalId: string) => (await agent.approvals.get({ approvalId })).approval;

    // The link's page, in the browser (as from a mail): the Worker's page, not the app's.
    const { approval: ship } = await agent.approvals.request({ title: "Ship it from the phone", details: "v2" });
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(await decideLink("Ship it from the phone"));
    await page.getByRole("heading", { name: "Ship it from the phone" }).waitFor({ timeout: 10_000 });
    expect((await statusOf(ship.id)).status).toBe("pending");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("status").filter({ hasText: "Approved." }).waitFor({ timeout: 10_000 });
    expect(await statusOf(ship.id)).toMatchObject({ status: "approved", resolvedBy: { name: "Ann" } });

    // The notification's Approve, in the app's real service worker: its own notificationclick
    // handler (sw.js) decides with the push's decision link, from the worker.
    const { approval: restart } = await agent.approvals.request({ title: "Restart the workers", details: "all" });
    const pushed = await until(
      () => pushesTo("/push/ann-phone").find((p) => decrypt(p, phone).body.startsWith("Restart the workers")),
      "the push for the restart",
      20_000,
    );
    await ctx.close();
    // Ann's phone: the app's page, whose service worker is running.
    const phoneCtx = await browser.newContext();
    const phonePage = await phoneCtx.newPage();
    await phonePage.goto(server.url);
    await phonePage.evaluate(async () => void (await navigator.serviceWorker.ready));
    const worker =
      phoneCtx.serviceWorkers().find((w) => w.url() === `${server.url}/sw.js`) ??
      (await phoneCtx.waitForEvent("serviceworker"));
    // Headless Chromium shows no notifications (its Notification.permission stays "denied"),
    // so the click is the event the browser would give the worker's handler for the
    // notification its push handler made (push-actions.ts notificationFor: the push's link).
    const payload = decrypt(pushed, phone) as ReturnType<typeof decrypt> & { decide: string };
    expect((await statusOf(restart.id)).status).toBe("pending");
    await worker.evaluate(
      ({ body, url, decide }) => {
        const click = Object.assign(new Event("notificationclick"), {
          action: "approve",
          notification: { body, data: { url, decide }, close: () => {} },
          waitUntil: (work: Promise<unknown>) => void work.catch(() => {}),
        });
        (self as unknown as WorkerScope).dispatchEvent(click);
      },
      { body: payload.body, url: payload.url, decide: payload.decide },
    );
    await expect
      .poll(async () => statusOf(restart.id), { timeout: 10_000 })
      .toMatchObject({ status: "approved", resolvedBy: { name: "Ann" }, decidedIn: "link" });
    await phoneCtx.close();

    // Above the risk a link decides alone (medium, as nobody set it): pushed without its link,
    // so the notification has no Approve and Deny and opens the approval in the app.
    const { approval: drop } = await agent.approvals.request({ title: "Drop the old database", risk: "critical" });
    const critical = await until(
      () => pushesTo("/push/ann-phone").find((p) => decrypt(p, phone).body.startsWith("Drop the old database")),
      "the push for the critical approval",
      20_000,
    );
    const shown = decrypt(critical, phone);
    expect(shown).not.toHaveProperty("decide");
    expect(new URL(shown.url, server.url).searchParams.get("approval")).toBe(drop.id);
  });
});
