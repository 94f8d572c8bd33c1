// Bring your own gateway, end to end: a real, pinned `openclaw` gateway that this test
// starts itself — no runtime, as a user would run one on their own machine — linked to a
// workspace with `instances.link`, approved by another person, dialled by the Autopilot
// directly (same handshake and device pairing as a hosted gateway), answering in a thread.
// The only stand-in is the scripted model (a paid external API).
import { randomBytes } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../party/dev/chromium.mjs";
import { freePort } from "../../party/dev/server.mjs";
import {
  type StandaloneGateway,
  startGatewayByCommand,
  startStandaloneGateway,
} from "../../runtime/test/standalone-gateway";
import { markerScript } from "../../runtime/test/scripted-model";
import type { AutopilotClient } from "../src/client";
import { openLive, screenshots, signedInPage } from "./browser-helpers";
import { until, waitForMessage, withScriptedModel, withServer } from "./e2e-helpers";
import { type recordingClients, recordedAliceAndBob } from "./recording-clients";

let gateway: StandaloneGateway;
/** The gateway the self-hoster starts from the app's guide. */
let own: StandaloneGateway | undefined;
let gatewayPort: number;
/** The gateway's own token: what a user pastes into the link form. */
const GATEWAY_TOKEN = `own-gateway-${randomBytes(24).toString("hex")}`;
let cookie: string;
/** Every frame any member received (`members.received`), and every line the server logged: the token is in none. */
let members: ReturnType<typeof recordingClients>;
const serverLog: string[] = [];

const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

let browser: Browser | undefined;
let alice: AutopilotClient;
let bob: AutopilotClient;

const model = withScriptedModel({ reply: markerScript });
beforeAll(async () => {
  gatewayPort = await freePort();
  gateway = startStandaloneGateway({ port: gatewayPort, token: GATEWAY_TOKEN, modelBaseUrl: model.baseUrl });
});
afterAll(async () => {
  await gateway?.stop();
  await own?.stop();
});

// No runtime at all: a linked gateway does not need one. (startServer allows loopback
// gateways, as `npm start` does; production refuses them unless its operator allows.)
const server = withServer({ log: (line) => serverLog.push(line) });

beforeAll(async () => {
  // A verified person, as the app expects one (the browser step opens the app as Alice).
  ({ cookie, members, alice, bob } = await recordedAliceAndBob(server.url));
});

afterAll(async () => {
  members?.closeAll();
  await browser?.close();
});

describe("a gateway its user runs elsewhere, linked to the workspace", () => {
  it("link → another person approves → the bridge connects → a thread's message gets the gateway's reply streamed; the token reaches no one", async () => {
    const { approval } = await alice.instances.link({
      instanceId: "home",
      name: "Home",
      url: `ws://127.0.0.1:${gatewayPort}`,
      token: GATEWAY_TOKEN,
      idempotencyKey: key("link"),
    });
    expect(approval).toMatchObject({
      status: "pending",
      action: { kind: "instance", operation: "link", instanceId: "home" },
    });
    // Whoever asked decides only with an explicit confirm of their own request.
    await expect(
      alice.request("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: key("self") }),
    ).rejects.toMatchObject({
      code: "forbidden",
      details: { needs: "confirmOwn" },
    });
    const approvedAt = Date.now();
    await bob.request("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: key("ok") });
    const connected = await until(
      () => {
        const i = alice.state.instances.get("home");
        return i?.bridge === "connected" && i;
      },
      `the linked gateway connected (gateway output: ${gateway.output.slice(-5).join(" | ")})`,
      120_000,
    );
    expect(connected).toMatchObject({ kind: "linked", status: "ready", url: `ws://127.0.0.1:${gatewayPort}` });
    // Paired like a hosted gateway: the first connect signed over the gateway token, then
    // the device token it issued.
    const auths = serverLog
      .filter((l) => l.includes('"msg":"gateway connected"'))
      .map((l) => (JSON.parse(l.slice(l.indexOf("{"))) as { auth: string }).auth);
    expect(auths[0]).toBe("token");

    const { thread } = await alice.request("threads.create", {
      title: "Ask my own OpenClaw",
      idempotencyKey: key("thr"),
    });
    await alice.request("instances.attach", { instanceId: "home", threadId: thread.id, idempotencyKey: key("att") });
    const streamed = new Map<string, string>();
    bob.on("chat.delta", (p: { runId: string; offset: number; text: string }) =>
      streamed.set(p.runId, (streamed.get(p.runId) ?? "").slice(0, p.offset) + p.text),
    );
    await alice.request("chat.send", {
      threadId: thread.id,
      text: "SAY: hello from the gateway you run yourself",
      idempotencyKey: key("msg"),
    });
    const reply = await waitForMessage(
      alice,
      thread.id,
      (m) => m.author.id === "instance:home" && m.text.includes("hello from the gateway you run yourself"),
      "the linked gateway's reply",
      90_000,
    );
    expect(reply.kind ?? "text").toBe("text");
    expect(reply.runId).toBeTruthy();
    expect([...streamed.values()].some((t) => t.includes("hello from the gateway"))).toBe(true);

    // Its devices come from the gateway itself; what needs our runtime is refused, typed.
    const { details } = await alice.request("instances.details", { instanceId: "home" });
    expect(details.devices?.some((d) => d.self)).toBe(true);
    // What the gateway said in its hello, and since when the bridge is connected.
    expect(details).toMatchObject({
      gatewayVersion: expect.stringMatching(/^\d{4}\.\d+\.\d+/),
      model: null,
      restarts: 0,
      backups: [],
    });
    // Connected after the link was approved (the server runs on this machine's clock).
    expect(details.readyAt).toBeGreaterThanOrEqual(approvedAt);
    expect(details.readyAt).toBeLessThanOrEqual(Date.now());
    await expect(
      alice.request("instances.restart", { instanceId: "home", idempotencyKey: key("rs") }),
    ).rejects.toMatchObject({ code: "conflict" });

    // Unlink (delete, gated): the room forgets it; the user's gateway keeps running.
    const { approval: unlink } = await alice.request("instances.delete", {
      instanceId: "home",
      idempotencyKey: key("del"),
    });
    await bob.request("approvals.resolve", { approvalId: unlink.id, decision: "approve", idempotencyKey: key("ok2") });
    await until(() => alice.state.instances.get("home")?.status === "stopped", "unlinked", 15_000);
    expect(gateway.child.exitCode).toBeNull();

    expect(members.received.length).toBeGreaterThan(20);
    for (const frame of members.received) expect(frame).not.toContain(GATEWAY_TOKEN);
    for (const line of serverLog) expect(line).not.toContain(GATEWAY_TOKEN);
  }, 240_000);

  it("in the app, as a self-hoster: the guide's commands start a gateway on this machine, the link form (filled by the guide, token as a password field, gone once filed), the request waiting under Instances, then the linked gateway in the list, connected", async () => {
    const shot = screenshots("linked-gateway");
    browser = await launchChromium();
    const { page } = await signedInPage(browser, server.url, cookie, { viewport: { width: 1280, height: 900 } });
    await openLive(page, server.url);
    await page.getByRole("button", { name: "Link your own gateway…" }).click();
    const dialog = page.getByRole("dialog", { name: "Run your own OpenClaw" });
    // This machine, on a port of the person's choosing: the commands and the address follow it.
    expect(await dialog.getByLabel("How the Autopilot reaches it").inputValue()).toBe("this-machine");
    const ownPort = await freePort();
    await dialog.getByLabel("Port").fill(String(ownPort));
    const steps = dialog.getByRole("list", { name: "Steps" });
    expect(await steps.getByLabel("Install OpenClaw").inputValue()).toMatch(
      /^npm install -g openclaw@\d{4}\.\d+\.\d+$/,
    );
    const start = await steps.getByLabel("Start the gateway").inputValue();
    await shot(page, "guide");
    // The person runs the start command as shown (after `openclaw onboard`, which wrote its model).
    const started = startGatewayByCommand(start, model.baseUrl);
    own = started;
    const form = page.getByRole("form", { name: "Link your own gateway" });
    await form.getByLabel("Id").fill("laptop");
    await form.getByLabel("Name").fill("My laptop");
    // Filled by the guide: this machine's address on that port, and the token the command starts it with.
    expect(await form.getByLabel("Gateway URL").inputValue()).toBe(`ws://127.0.0.1:${ownPort}`);
    const token = form.getByLabel("Token");
    expect(await token.getAttribute("type")).toBe("password");
    const ownToken = await token.inputValue();
    expect(start).toBe(`OPENCLAW_GATEWAY_TOKEN=${ownToken} openclaw gateway run --port ${ownPort} --auth token`);
    // The same link from a terminal: the token on stdin, never an argument.
    const terminal = await form.getByLabel("Or from a terminal").inputValue();
    expect(terminal).toMatch(new RegExp(`^echo ${ownToken} \\| `));
    expect(terminal.split(" | ")[1]).toContain(`autopilot instance link <id> ws://127.0.0.1:${ownPort}`);
    expect(terminal.split(" | ")[1]).not.toContain(ownToken);
    await shot(page, "form");
    await form.getByRole("button", { name: "Link", exact: true }).click();
    // Filed: the form closes (the token goes with it) and the request shows under Instances, from the room's state.
    const requested = page
      .getByRole("list", { name: "Instances waiting for approval" })
      .getByRole("button", { name: "My laptop — waiting for approval" });
    await requested.waitFor({ timeout: 15_000 });
    // The state's patch can reach the page before the request's reply, which is what closes the form.
    await expect.poll(() => form.count(), { timeout: 15_000 }).toBe(0);
    expect(await page.locator('input[type="password"]').count()).toBe(0);
    const approval = await until(
      () =>
        [...bob.state.approvals.values()].find(
          (a) =>
            a.status === "pending" &&
            a.action?.kind === "instance" &&
            a.action.operation === "link" &&
            a.action.instanceId === "laptop",
        ),
      "the link approval",
      10_000,
    );
    await bob.request("approvals.resolve", {
      approvalId: approval.id,
      decision: "approve",
      idempotencyKey: key("ok3"),
    });
    const item = page.locator(".sidebar .nav-item", { hasText: "My laptop" });
    await item.getByText("linked").waitFor({ timeout: 15_000 });
    // Decided: the request's line is gone with its pending approval.
    await expect.poll(() => requested.count(), { timeout: 15_000 }).toBe(0);
    await page.getByText("Gateway connected").first().waitFor({ timeout: 90_000 });
    await until(
      () => alice.state.instances.get("laptop")?.bridge === "connected",
      `the app's link connected (gateway output: ${started.output.slice(-5).join(" | ")})`,
      90_000,
    );
    await item.click();
    await page.getByText("Your own gateway at").waitFor({ timeout: 10_000 });
    // Linked details read as such: the gateway's version, its own model, connected since.
    const facts = page.getByRole("definition");
    const fact = (term: string) => page.locator(`dl[aria-label="Instance details"] dt:text-is("${term}") + dd`);
    await expect.poll(() => fact("OpenClaw").textContent(), { timeout: 15_000 }).toMatch(/^\d{4}\.\d+\.\d+/);
    expect(await fact("Model").textContent()).toBe("set on the gateway");
    expect(await fact("Connected").textContent()).toMatch(/^since /);
    expect(await facts.getByText("not running").count()).toBe(0);
    await shot(page, "list");
    expect(await page.getByRole("button", { name: "Restart" }).count()).toBe(0);
    // Renamed in place: the heading and the list follow the room's name.
    await page.locator(".instance-name").getByRole("button", { name: "Rename" }).click();
    const rename = page.getByRole("form", { name: "Rename the instance" });
    await rename.getByLabel("Instance name").fill("My home laptop");
    await rename.getByLabel("Instance name").press("Enter");
    await page.locator(".instance-name h2", { hasText: "My home laptop" }).waitFor({ timeout: 10_000 });
    await page.locator(".sidebar .nav-item", { hasText: "My home laptop" }).waitFor({ timeout: 10_000 });
    await until(() => bob.state.instances.get("laptop")?.name === "My home laptop", "the rename reached Bob", 10_000);
    expect(await page.content()).not.toContain(ownToken);
    for (const frame of members.received) expect(frame).not.toContain(ownToken);
    for (const line of serverLog) expect(line).not.toContain(ownToken);
  }, 180_000);
});
