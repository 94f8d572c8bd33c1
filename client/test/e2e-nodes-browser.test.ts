// A node reaches a hosted gateway through the device entry, end to end: the real server
// (wrangler dev), the real runtime and a real pinned gateway, and a real `openclaw node run
// --pair <code>` started outside the runtime, on this machine, from the command the app
// shows. Its pairing requests are approved by a person in the app (Chromium); the app lists
// it as paired; the Autopilot runs a command on it from a thread once a person approved that
// call, and the thread shows the node's output; revoking it (approved) disconnects it. The
// scripted model is the only stand-in (a paid external API). Screenshots go to test-artifacts/.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../party/dev/chromium.mjs";
import { ROOT, type startServer } from "../../party/dev/server.mjs";
import { agentScript, type ChatRequest, markerScript, type ScriptedModel } from "../../runtime/test/scripted-model";
import { twoPeopleInOneWorkspace } from "./browser-helpers";
import { type OpenClawStack, startOpenClawStack } from "./openclaw-stack";

const ARTIFACTS = join(ROOT, "test-artifacts");
const stamp = Date.now();
const NODE_NAME = `build-box-${stamp.toString(36)}`;
/** The pinned `openclaw` CLI, as a person who installed it would run it. */
const OPENCLAW_CLI = join(ROOT, "runtime", "openclaw", "node_modules", "openclaw", "openclaw.mjs");

let stack: OpenClawStack;
let model: ScriptedModel;
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let olga: Page;
let pavel: Page;
let nodeHome: string;
let node: ChildProcess | undefined;
/** Everything the node process printed, for waiting on what it reports. */
let nodeLog = "";

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `nodes-${name}.png`) });
const isAutopilotRequest = (request: ChatRequest) => (request.tools ?? []).some((t) => t.function.name === "threads_list");

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startOpenClawStack("nodes", { vars: (m) => ({ AUTOPILOT_MODEL_BASE_URL: m.baseUrl, AUTOPILOT_MODEL_ID: "scripted-model" }) });
  ({ model, server } = stack);
  model.setReply((request) => (isAutopilotRequest(request) ? agentScript(request) : markerScript(request)));
  browser = await launchChromium();
  const pages: Page[] = [];
  for (const name of ["Olga", "Pavel"]) {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on("pageerror", (error) => console.error(`[${name}] page error: ${error.message}`));
    pages.push(page);
  }
  [olga, pavel] = pages as [Page, Page];
  nodeHome = mkdtempSync(join(tmpdir(), "autopilot-node-host-"));
}, 120_000);

afterAll(async () => {
  if (node && node.exitCode === null) {
    node.kill("SIGTERM");
    await new Promise((resolve) => node?.once("exit", resolve));
  }
  await browser?.close();
  await stack?.stop();
  if (nodeHome) rmSync(nodeHome, { recursive: true, force: true });
});

/** Pavel approves the pending approval whose title contains `title`, from his Approvals tab. */
async function approve(title: string | RegExp) {
  await pavel.getByRole("tab", { name: /Approvals/ }).click();
  const item = pavel.locator(".queue-item.status-pending", { hasText: title });
  await item.first().waitFor({ timeout: 60_000 });
  await item.first().getByRole("button", { name: "Approve" }).click();
  await pavel.locator(".queue-item.status-approved", { hasText: title }).first().waitFor();
}

/** Starts `openclaw node run` as a person would from the app's command line: the code names the entry. */
function startNode(code: string): ChildProcess {
  const env = {
    ...process.env,
    HOME: nodeHome,
    OPENCLAW_STATE_DIR: join(nodeHome, "state"),
    OPENCLAW_CONFIG_PATH: join(nodeHome, "openclaw.json"),
    // No update check from a test: nothing outside the machine is reached.
    OPENCLAW_NO_AUTO_UPDATE: "1",
  };
  const child = spawn(process.execPath, [OPENCLAW_CLI, "node", "run", "--pair", code, "--display-name", NODE_NAME], { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => (nodeLog += String(d)));
  child.stderr?.on("data", (d) => (nodeLog += String(d)));
  return child;
}

const nodesList = () => olga.getByRole("list", { name: "Paired nodes" });
const nodeItem = () => nodesList().getByRole("listitem").filter({ hasText: NODE_NAME });

describe("a node through the device entry", () => {
  it("pairs from the app's command, with both of its requests approved by a person in the app", async () => {
    const workspace = await twoPeopleInOneWorkspace(
      server.url,
      { page: olga, name: "Olga", email: `olga-${stamp}@example.test` },
      { page: pavel, name: "Pavel", email: `pavel-${stamp}@example.test` },
    );
    await olga.getByLabel("New instance id").fill("lab");
    await olga.getByRole("button", { name: "Provision" }).click();
    await approve('Provision OpenClaw instance "lab"');
    const nav = olga.locator(".sidebar .nav-item", { hasText: "lab" });
    await expect.poll(() => nav.locator(".nav-meta").textContent(), { timeout: 120_000 }).toBe("ready");
    await nav.click();

    await olga.getByRole("button", { name: "Add a device" }).click();
    const dialog = olga.getByRole("dialog", { name: /^Add a device to / });
    const command = dialog.getByLabel("Command");
    await expect.poll(() => command.inputValue(), { timeout: 30_000 }).toMatch(/^openclaw node run --pair \S+$/);
    const code = (await command.inputValue()).replace("openclaw node run --pair ", "");
    const setup = JSON.parse(Buffer.from(code, "base64url").toString("utf8")) as { url: string; bootstrapToken: string };
    // The code names the public entry for this instance, never the runtime or the gateway's port.
    expect(setup.url).toBe(`${server.url.replace(/^http/, "ws")}/devices/${workspace}/lab`);
    expect(setup.bootstrapToken).toEqual(expect.any(String));
    await shot(olga, "01-add-a-device");
    await olga.keyboard.press("Escape");

    node = startNode(code);
    // The gateway holds the node until a person approves the device, then its command surface.
    await approve(`Pair device "${NODE_NAME}"`);
    await approve(`Pair node "${NODE_NAME}"`);
    await expect
      .poll(
        async () => {
          await olga.getByRole("button", { name: "Refresh" }).click();
          return (await nodeItem().count()) > 0 ? nodeItem().textContent() : "";
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toMatch(/connected/);
    expect(await nodeItem().textContent()).toContain("system.run");
    await shot(olga, "02-node-paired");
    expect(node.exitCode).toBeNull();
  }, 360_000);

  it("the Autopilot runs a command on it from a thread after a person approves that call; the thread shows the output", async () => {
    const nodeId = await nodeItem().getAttribute("data-node-id");
    expect(nodeId).toMatch(/^[0-9a-f]{64}$/);
    await olga.getByLabel("New thread title").fill("Ask the build box");
    await olga.getByRole("button", { name: "Create", exact: true }).click();
    await olga
      .locator(".sidebar")
      .getByRole("button", { name: /Ask the build box/ })
      .click();
    await expect.poll(() => olga.getByLabel("Answered by").inputValue()).toBe("autopilot");
    const call = { instanceId: "lab", nodeId, command: "system.run", params: { command: ["echo", `hello from ${NODE_NAME}`] } };
    await olga.getByLabel("Message", { exact: true }).fill(`STEPS: instances_invokeNode ${JSON.stringify(call)}`);
    await olga.getByLabel("Message", { exact: true }).press("Enter");
    // Nothing runs on the node before a person decides: the call waits as an approval.
    await approve(`Autopilot wants to run system.run: echo hello from ${NODE_NAME} on a node of lab`);
    const tool = olga.locator(".tool-call", { hasText: "instances_invokeNode" });
    await tool.waitFor({ timeout: 60_000 });
    await expect.poll(() => tool.locator(".chip").textContent(), { timeout: 30_000 }).toBe("ok");
    // The model got the node's own output back and answered with it.
    await olga
      .locator(".message", { hasText: `TOOL RESULT SEEN` })
      .filter({ hasText: `hello from ${NODE_NAME}` })
      .waitFor({ timeout: 30_000 });
    await shot(olga, "03-node-output-in-thread");
  }, 180_000);

  it("revoking it, once a person approves, disconnects it and takes it off the list", async () => {
    await olga.locator(".sidebar .nav-item", { hasText: "lab" }).click();
    await olga.getByRole("button", { name: `Revoke ${NODE_NAME}` }).click();
    await olga
      .getByRole("dialog")
      .getByRole("button", { name: /^Ask to / })
      .click();
    await approve(/Unpair|Remove|Revoke/);
    // The gateway dropped the node's connection and refuses its token from now on.
    await expect.poll(() => nodeLog, { timeout: 60_000 }).toMatch(/device token mismatch|AUTH_DEVICE_TOKEN_MISMATCH/);
    await expect
      .poll(
        async () => {
          await olga.getByRole("button", { name: "Refresh" }).click();
          return nodeItem().count();
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe(0);
    await shot(olga, "04-node-revoked");
  }, 120_000);
});
