// Who decides an approval, in the app (protocol 8): the real server (wrangler dev), the
// real runtime and a real gateway; the Autopilot and the gateway both talk to the scripted
// model (the one test double: a paid external API). Ada is alone in her workspace: she
// starts OpenClaw from the first-run card and confirms it herself, and the reply streams.
// Then she switches on the two-person rule: what the Autopilot asks for on her behalf
// waits for another person, and Ben, once he joins, decides it. Screenshots go to
// test-artifacts/ (git-ignored).
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { agentScript, type ChatRequest, markerScript } from "../../runtime/test/scripted-model";
import { openPages, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { modelVars } from "./e2e-helpers";
import { withOpenClawStack } from "./openclaw-stack";

const stamp = Date.now();

const stack = withOpenClawStack("approval-policy", {
  vars: (model) => modelVars(model, "scripted-key"),
  // The Autopilot's turns carry STEPS markers; the gateway's chat the plain markers.
  reply: (request: ChatRequest) =>
    JSON.stringify(request.messages ?? []).includes("STEPS:") ? agentScript(request) : markerScript(request),
});
const browser = withBrowser();
let ada: Page;
let ben: Page;

const shot = screenshots("approval-policy");
const startBar = (page: Page) => page.getByRole("status", { name: "Starting OpenClaw" });

async function send(page: Page, text: string) {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByLabel("Message", { exact: true }).press("Enter");
}

beforeAll(async () => {
  [ada, ben] = await openPages(browser, ["ada", "ben"], { viewport: { width: 1280, height: 900 } });
});

describe("who decides an approval, in the app", () => {
  it("a person alone starts OpenClaw and confirms it herself; the reply streams", async () => {
    await signUpInUi(ada, stack.server.url, "Ada", `ada-${stamp}@example.test`);
    const card = ada.getByRole("region", { name: "Chat with OpenClaw" });
    await card.getByText("You confirm it yourself with one click").waitFor();
    await card.getByLabel("Your first message to OpenClaw").fill("SLOW: hello from Ada alone");
    await card.getByRole("button", { name: "Ask to start OpenClaw" }).click();

    // The decision is in place, in the thread where it waits: one explicit confirm.
    await startBar(ada).waitFor({ timeout: 20_000 });
    const waiting = ada.locator(".thread-view .approval-card", { hasText: "Approval needed" });
    await waiting
      .getByText("You asked for this: confirming it yourself is recorded as self-confirmed.")
      .waitFor({ timeout: 20_000 });
    await shot(ada, "01-alone-confirm");
    await waiting.getByRole("button", { name: "Confirm" }).click();

    await ada.locator(".thread-view .message.streaming").waitFor({ timeout: 180_000 });
    await ada.locator(".message.from-agent:not(.streaming)", { hasText: "END." }).waitFor({ timeout: 60_000 });
    await shot(ada, "02-alone-reply");
    // The queue says who confirmed it, and that it was her own.
    await ada.getByRole("tab", { name: /Approvals/ }).click();
    await ada
      .locator(".queue-item", { hasText: 'Provision OpenClaw instance "OpenClaw"' })
      .getByText("Approved")
      .waitFor();
    await ada.getByRole("tab", { name: "Inspector" }).click();
  }, 300_000);

  it("with the two-person rule on, what the Autopilot asks on her behalf waits for another person", async () => {
    await ada.getByRole("button", { name: "Members & keys" }).click();
    const dialog = ada.getByRole("dialog");
    await dialog.getByLabel("Require a second person (two-person rule)").click();
    await dialog.getByText("Two-person rule: whoever asked for an approval").waitFor();
    await shot(ada, "03-two-person-rule");
    await dialog.getByRole("button", { name: "Close settings" }).click();

    await ada.getByLabel("New thread title").fill("Ask the Autopilot");
    await ada.getByRole("button", { name: "Create", exact: true }).click();
    await expect.poll(() => ada.getByLabel("Answered by").inputValue()).toBe("autopilot");
    await send(ada, `STEPS: instances_backup {"instanceId":"openclaw"}`);
    await ada.locator(".message", { hasText: "TOOL RESULT SEEN" }).waitFor({ timeout: 30_000 });
    await ada.getByRole("tab", { name: /Approvals/ }).click();
    const filed = ada.locator(".queue-item.status-pending", { hasText: "Back up" });
    await filed.locator(".hint", { hasText: "two-person rule" }).waitFor({ timeout: 30_000 });
    expect(await filed.getByRole("button", { name: /Confirm|Approve/ }).isDisabled()).toBe(true);
    await shot(ada, "04-loophole-closed");

    // Ben joins; he decides it.
    const benEmail = `ben-${stamp}@example.test`;
    await signUpInUi(ben, stack.server.url, "Ben", benEmail);
    const workspace = await ada.locator("#workspace-switcher").inputValue();
    const added = await ada.context().request.post(`${stack.server.url}/api/workspaces/${workspace}/members`, {
      data: { email: benEmail, role: "member" },
      headers: { origin: stack.server.url },
    });
    expect(added.status()).toBe(201);
    await ben.goto(`${stack.server.url}/?w=${workspace}`);
    await ben.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await ben.getByRole("tab", { name: /Approvals/ }).click();
    const item = ben.locator(".queue-item.status-pending", { hasText: "Back up" });
    await item.getByRole("button", { name: "Approve" }).click();
    await item.waitFor({ state: "detached", timeout: 20_000 });
    await ada.locator(".queue-item", { hasText: "Back up" }).getByText("by Ben").waitFor({ timeout: 20_000 });
    await shot(ada, "05-decided-by-ben");
  }, 120_000);
});
