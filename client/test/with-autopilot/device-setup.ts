// "Add a device" from the browser app: the real server (wrangler dev, with the device
// entry's origin set), the real runtime, a real gateway (its model is the scripted one, the
// only test double: a paid external API) and a real node host (`openclaw node run`). A person
// provisions an instance, opens its inspector and asks for a setup code: the command to run,
// the code (naming this instance's device entry and a bootstrap token), its QR image, copy,
// a new code on request; Nodes says there are none yet. The command run on "another machine"
// asks in Approvals; approved from a second tab, the node shows connected with its commands in
// the first tab's inspector without Refresh; the Autopilot runs a command on it from a thread
// once a person approved that call, and the thread shows the node's output; Revoke… removes
// it once confirmed and the gateway refuses it from then on. An agent signed in with its key
// is told a person adds devices. Screenshots go to test-artifacts/ (git-ignored).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../../party/dev/server.mjs";
import { ARTIFACTS, openPage, signInWithKey, signUpInUi } from "../browser-helpers";
import { openNewThread } from "../app-steps";
import type { OpenClawStack } from "../openclaw-stack";

/** Registers this part's hooks and tests on the file's OpenClaw stack and browser. */
export function deviceSetupInApp(stack: OpenClawStack, browser: Browser): void {
  const stamp = Date.now();

  // The Autopilot's model and the gateway's are the scripted one.
  const { server } = stack;
  let context: BrowserContext;
  let page: Page;
  /** The node host this test starts (`openclaw node run`), and its home. */
  let node: ChildProcess | null = null;
  let nodeHome: string | null = null;
  let nodeLog = "";

  // Transitions finished: a theme switch must not be caught halfway.
  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `device-setup-${name}.png`), animations: "disabled" });
  /** Brings the Nodes section to the middle of the inspector for a screenshot. */
  const showNodes = () =>
    page.getByRole("heading", { name: "Nodes" }).evaluate((h) => h.scrollIntoView({ block: "start" }));
  let workspace = "";

  beforeAll(async () => {
    ({ ctx: context, page } = await openPage(browser, "owner", { viewport: { width: 1280, height: 900 } }));
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  });

  afterAll(() => {
    node?.kill("SIGKILL");
    if (nodeHome) rmSync(nodeHome, { recursive: true, force: true });
  });

  /** What a setup code carries: base64url JSON naming the entry's URL and a bootstrap token. */
  function decode(code: string): { url?: unknown; bootstrapToken?: unknown } {
    return JSON.parse(Buffer.from(code, "base64url").toString("utf8")) as { url?: unknown; bootstrapToken?: unknown };
  }

  describe("adding a device to an instance, in the app", () => {
    it("ready instance → Add a device → command, setup code for this instance's device entry, QR, copy, a new code; no nodes yet", async () => {
      await signUpInUi(page, server.url, "Olga", `olga-${stamp}@example.test`);
      workspace = await page.locator("#workspace-switcher").inputValue();

      // Provision, confirmed by the person who asked (no two-person rule here).
      await page.getByLabel("New instance id").fill("lab");
      await page.getByRole("button", { name: "Provision" }).click();
      await page.getByRole("tab", { name: /Approvals/ }).click();
      const own = page.locator(".queue-item.status-pending", { hasText: 'Provision OpenClaw instance "lab"' });
      await own.getByRole("button", { name: "Confirm" }).click();
      await own.waitFor({ state: "detached", timeout: 20_000 });
      await page.getByRole("tab", { name: "Inspector" }).click();
      const nav = page.locator(".sidebar .nav-item", { hasText: "lab" });
      await expect.poll(() => nav.locator(".nav-meta").textContent(), { timeout: 120_000 }).toBe("ready");
      await nav.click();

      // Nodes: none yet, as the gateway lists them (the room asks it once its link is up).
      await page.locator(".sidebar .bridge-connected", { hasText: "Gateway connected" }).waitFor({ timeout: 60_000 });
      await page.getByRole("button", { name: "Refresh", exact: true }).click();
      await page.getByText("No nodes yet. Add a device to pair one.").waitFor({ timeout: 30_000 });
      expect(await page.getByRole("list", { name: "Paired nodes" }).count()).toBe(0);

      const add = page.getByRole("button", { name: "Add a device" });
      await add.click();
      const dialog = page.getByRole("dialog", { name: "Add a device to lab" });
      const command = dialog.getByRole("textbox", { name: "Command" });
      const code = dialog.getByRole("textbox", { name: "Setup code" });
      await code.waitFor({ timeout: 30_000 });

      // The command runs the node with this code; the code names this instance's device entry.
      const first = await code.inputValue();
      expect(await command.inputValue()).toBe(`openclaw node run --pair ${first}`);
      const payload = decode(first);
      expect(payload.url).toBe(`ws://127.0.0.1:${new URL(server.url).port}/devices/${workspace}/lab`);
      expect(typeof payload.bootstrapToken).toBe("string");
      expect((payload.bootstrapToken as string).length).toBeGreaterThan(8);
      await dialog.getByText(/Single use · expires in \d+:\d\d/).waitFor();

      // The QR image is the gateway's PNG, drawn (not a broken image).
      const qr = dialog.getByRole("img", { name: "Setup code as a QR code" });
      await qr.waitFor();
      expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
      expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      await shot("01-dialog");

      // Copy puts the command on the clipboard; the code's field selects itself whole.
      await dialog.getByRole("button", { name: "Copy command" }).click();
      await dialog.getByText("Copied.").waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`openclaw node run --pair ${first}`);
      await dialog.getByRole("button", { name: "Copy code" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
      await code.focus();
      expect(
        await code.evaluate((input: HTMLInputElement) =>
          input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0),
        ),
      ).toBe(first);

      // New code: another single-use code for the same entry.
      await dialog.getByRole("button", { name: "New code" }).click();
      await expect
        .poll(() => code.inputValue({ timeout: 1_000 }).catch(() => first), { timeout: 30_000 })
        .not.toBe(first);
      const second = await code.inputValue();
      expect(second).not.toBe(first);
      expect(decode(second).url).toBe(payload.url);
      expect(decode(second).bootstrapToken).not.toBe(payload.bootstrapToken);
      expect(await command.inputValue()).toBe(`openclaw node run --pair ${second}`);

      // Both themes read (the QR code keeps its light quiet zone in the dark one).
      await page.emulateMedia({ colorScheme: "dark" });
      await shot("02-dialog-dark");

      // Escape closes it and focus is back on the button that opened it.
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      expect(await add.evaluate((button) => document.activeElement === button)).toBe(true);
      await showNodes();
      await shot("03-nodes-empty");
    }, 360_000);

    it("a node run with the code asks in Approvals; approved, it shows connected with its commands, without Refresh; Revoke… unpairs it after a person confirms", async () => {
      const add = page.getByRole("button", { name: "Add a device" });
      await add.click();
      const dialog = page.getByRole("dialog", { name: "Add a device to lab" });
      const command = dialog.getByRole("textbox", { name: "Command" });
      await command.waitFor({ timeout: 30_000 });
      const line = await command.inputValue();
      await dialog.getByRole("button", { name: "Done" }).click();
      await dialog.waitFor({ state: "hidden" });

      // The line as a person would paste it, on a machine of its own (its own home and state).
      nodeHome = mkdtempSync(join(tmpdir(), "autopilot-device-setup-node-"));
      const [bin, ...args] = line.split(" ");
      expect(bin).toBe("openclaw");
      node = spawn(
        join(ROOT, "runtime/openclaw/node_modules/.bin/openclaw"),
        [...args, "--display-name", "Olga's build box"],
        {
          // No update check from a test: nothing outside this machine is reached.
          env: {
            ...process.env,
            HOME: nodeHome,
            OPENCLAW_HOME: nodeHome,
            OPENCLAW_STATE_DIR: join(nodeHome, "state"),
            OPENCLAW_NO_AUTO_UPDATE: "1",
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      node.stdout?.on("data", (chunk: Buffer) => (nodeLog += chunk.toString()));
      node.stderr?.on("data", (chunk: Buffer) => (nodeLog += chunk.toString()));

      // Its requests come to the queue; the same person approves each from a second tab
      // (the node reconnects by itself between them), while this tab stays on the inspector:
      // what it shows next comes from the room's answers after those decisions, no Refresh.
      const approver = await context.newPage();
      await approver.goto(`${server.url}/?w=${workspace}`);
      await approver.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
      await approver.getByRole("tab", { name: /Approvals/ }).click();
      for (const target of ["device", "node"]) {
        const item = approver.locator(".queue-item.status-pending", { hasText: `Pair ${target} "` }).first();
        await item.waitFor({ timeout: 90_000 }).catch((error: unknown) => {
          throw new Error(`no ${target} pairing request: ${String(error)}\n${nodeLog}`);
        });
        await item.getByRole("button", { name: "Approve" }).click();
        await item.waitFor({ state: "detached", timeout: 20_000 });
      }

      // Listed as connected, with what it may run.
      const nodes = page.getByRole("list", { name: "Paired nodes" });
      const row = nodes.getByRole("listitem").filter({ hasText: "Olga's build box" }).first();
      await row.getByText("connected", { exact: true }).waitFor({ timeout: 60_000 });
      await expect.poll(() => row.locator(".command-chip").count(), { timeout: 30_000 }).toBeGreaterThan(0);
      await showNodes();
      await shot("04-node-connected");

      // The Autopilot runs a command on it from a thread: the call waits for a person (nothing
      // runs on the node before), then the node's own output comes back into the thread.
      const nodeId = await row.getAttribute("data-node-id");
      expect(nodeId).toMatch(/^[0-9a-f]{64}$/);
      await openNewThread(page, "Ask the build box");
      await expect.poll(() => page.getByLabel("Answered by").inputValue()).toBe("autopilot");
      const call = {
        instanceId: "lab",
        nodeId,
        command: "system.run",
        params: { command: ["echo", `hello from ${stamp}`] },
      };
      await page.getByLabel("Message", { exact: true }).fill(`STEPS: instances_invokeNode ${JSON.stringify(call)}`);
      await page.getByLabel("Message", { exact: true }).press("Enter");
      const asked = approver.locator(".queue-item.status-pending", {
        hasText: `Autopilot wants to run system.run: echo hello from ${stamp} on a node of lab`,
      });
      await asked.waitFor({ timeout: 60_000 });
      expect(await page.locator(".tool-call", { hasText: "Run a command on a paired device" }).count()).toBe(0);
      await asked.getByRole("button", { name: "Confirm" }).click();
      const tool = page.locator(".tool-call", { hasText: "Run a command on a paired device" });
      await expect.poll(() => tool.locator(".chip").textContent(), { timeout: 60_000 }).toBe("Done");
      await page
        .locator(".message", { hasText: "TOOL RESULT SEEN" })
        .filter({ hasText: `hello from ${stamp}` })
        .waitFor({ timeout: 30_000 });
      await shot("04b-node-output-in-thread");
      await page.locator(".sidebar .nav-item", { hasText: "lab" }).click();

      // Revoke… asks first; once a person confirms the unpair, the node is gone from the list.
      await page.getByRole("button", { name: "Revoke Olga's build box" }).click();
      const confirm = page.getByRole("dialog", { name: "Revoke Olga's build box?" });
      await confirm.getByText("the gateway drops its connection").waitFor();
      await shot("05-revoke-confirm");
      await confirm.getByRole("button", { name: "Ask to revoke" }).click();
      const unpair = approver.locator(".queue-item.status-pending", {
        hasText: 'Unpair a device from OpenClaw instance "lab"',
      });
      await unpair.getByRole("button", { name: "Confirm" }).click();
      await unpair.waitFor({ state: "detached", timeout: 20_000 });
      await page.getByText("No nodes yet. Add a device to pair one.").waitFor({ timeout: 60_000 });
      expect(await nodes.count()).toBe(0);
      // The gateway dropped it and refuses its token from now on.
      await expect.poll(() => nodeLog, { timeout: 60_000 }).toMatch(/device token mismatch|AUTH_DEVICE_TOKEN_MISMATCH/);
      await showNodes();
      await shot("06-node-revoked");
    }, 300_000);

    it("an agent signed in with its key reads that a person adds devices, and gets no button the room would refuse", async () => {
      const invitation = await page.request.post(`${server.url}/api/workspaces/${workspace}/agent-invitations`, {
        data: {},
        headers: { origin: server.url },
      });
      expect(invitation.status()).toBe(201);
      const res = await fetch(`${server.url}/api/agent/signup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Scout", invitation: ((await invitation.json()) as { token: string }).token }),
      });
      expect(res.status).toBe(201);
      const { key } = (await res.json()) as { key: { key: string } };
      const { page: agent } = await openPage(browser, "agent", { viewport: { width: 1280, height: 900 } });
      await signInWithKey(agent, server.url, key.key);
      await agent.locator(".sidebar .nav-item", { hasText: "lab" }).click();
      await agent.getByText("Adding a device needs a person: an agent's key cannot make setup codes.").waitFor();
      expect(await agent.getByRole("button", { name: "Add a device" }).count()).toBe(0);
      // It still reads the nodes (the details are the read scope's).
      await agent.getByText("No nodes yet. Add a device to pair one.").waitFor({ timeout: 30_000 });
    }, 120_000);
  });
}
