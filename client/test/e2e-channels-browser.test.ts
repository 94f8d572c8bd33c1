// An instance's channels from the browser app: the real server (wrangler dev), the real
// runtime and the pinned gateway (the scripted model is the only test double). A person
// connects Telegram from the inspector's Channels section with a bot token, a second person
// approves in the app, and the section shows what the gateway reports: configured, not
// connected (offline, the Bot API is out of reach). Then who may message, then disconnect.
// The token is never on either page after it was sent. WhatsApp's QR link, approved in the
// app, ends in plain words: the pinned gateway has no WhatsApp plugin. Screenshots go to
// test-artifacts/.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { approveInQueue, openPage, screenshots, twoPeopleInOneWorkspace, withBrowser } from "./browser-helpers";
import { withOpenClawStack } from "./openclaw-stack";

const stamp = Date.now();
const TOKEN = "424242424:AAbrowser-channel-secret_0123456789ab";

const stack = withOpenClawStack("channels-browser");
const browser = withBrowser();
let page: Page;
let approver: Page;

const screenshot = screenshots("channels");
const shot = (name: string) => screenshot(page, name);

beforeAll(async () => {
  page = (await openPage(browser, "owner", { viewport: { width: 1280, height: 1000 } })).page;
  approver = (await openPage(browser, "approver", { viewport: { width: 1280, height: 900 } })).page;
});

/** The second person approves, from the Approvals tab, the pending approval titled `title`. */
const approve = (title: string) => approveInQueue(approver, title);

const telegram = () => page.locator(".channel-row", { hasText: "Telegram" });

describe("channels in the app", () => {
  it("connects Telegram with a token that is never shown again, sets who may message, and disconnects — each approved in the app", async () => {
    await twoPeopleInOneWorkspace(
      stack.server.url,
      { page, name: "Olga", email: `olga-${stamp}@example.test` },
      { page: approver, name: "Pavel", email: `pavel-${stamp}@example.test` },
    );
    await page.getByLabel("New instance id").fill("lab");
    await page.getByRole("button", { name: "Provision" }).click();
    await approve('Provision OpenClaw instance "lab"');
    const nav = page.locator(".sidebar .nav-item", { hasText: "lab" });
    await expect.poll(() => nav.locator(".nav-meta").textContent(), { timeout: 180_000 }).toBe("ready");
    await nav.click();
    await page.locator(".sidebar .bridge-connected", { hasText: "Gateway connected" }).waitFor({ timeout: 60_000 });

    // Telegram is listed (bundled with the gateway), not yet configured.
    await expect.poll(() => telegram().textContent(), { timeout: 30_000 }).toContain("not configured");
    await telegram().getByRole("button", { name: "Connect Telegram" }).click();
    const form = page.getByRole("form", { name: "Connect Telegram" });
    const field = form.getByLabel("Bot token");
    expect(await field.getAttribute("type")).toBe("password");
    await field.fill(TOKEN);
    await shot("01-connect-form");
    await form.getByRole("button", { name: "Ask to connect Telegram" }).click();
    // Sent once: the field is emptied at once and the form closes when the approval is filed.
    await page
      .locator(".instance-channels")
      .getByRole("status")
      .getByText('Waiting for approval: Connect Telegram on OpenClaw instance "lab"')
      .waitFor();
    // The approval's event may reach the page before the request's answer, which closes the form.
    await expect.poll(() => form.count(), { timeout: 10_000 }).toBe(0);
    await shot("02-waiting");
    await approver.getByRole("tab", { name: /Approvals/ }).click();
    await approver
      .locator(".queue-item.status-pending", { hasText: "Connect Telegram" })
      .getByText(/kept hidden/)
      .first()
      .waitFor();
    await approve('Connect Telegram on OpenClaw instance "lab"');

    // What the gateway reports, read again when the job is done.
    await expect.poll(() => telegram().textContent(), { timeout: 60_000 }).toContain("configured, not connected yet");
    await shot("03-configured");

    await telegram().getByRole("button", { name: "Who may message…" }).click();
    const access = page.getByRole("form", { name: "Who may message on Telegram" });
    await access.getByLabel("Direct messages").selectOption("allowlist");
    await access.getByLabel("Allowed senders").fill("111\n@ada");
    await access.getByRole("button", { name: "Ask to change access" }).click();
    await approve('Set who may message on Telegram on OpenClaw instance "lab"');
    await expect.poll(() => telegram().textContent(), { timeout: 60_000 }).toContain("allowed: 111, @ada");
    expect(await telegram().textContent()).toContain("DMs: allowlist");
    await shot("04-access");

    await telegram().getByRole("button", { name: "Ask to disconnect Telegram" }).click();
    await approve('Disconnect Telegram on OpenClaw instance "lab"');
    await expect
      .poll(() => telegram().getByRole("button", { name: "Connect Telegram" }).count(), { timeout: 60_000 })
      .toBe(1);
    await shot("05-disconnected");

    for (const p of [page, approver]) expect(await p.content()).not.toContain(TOKEN);
  }, 480_000);

  it("links WhatsApp after an approval, and says in plain words that this gateway has no WhatsApp to show a QR for", async () => {
    const whatsapp = page.locator(".whatsapp-link");
    await expect.poll(() => whatsapp.textContent(), { timeout: 30_000 }).toContain("not linked from here");
    // Who may message, in words, beside each channel's policy.
    expect(await telegram().textContent()).toContain("DMs: allowlist — who may message it: only the senders listed");
    await whatsapp.getByRole("button", { name: "Link WhatsApp" }).click();
    await page
      .locator(".instance-channels")
      .getByRole("status")
      .getByText('Waiting for approval: Link WhatsApp on OpenClaw instance "lab"')
      .waitFor();
    await approve('Link WhatsApp on OpenClaw instance "lab"');
    await whatsapp
      .getByRole("status")
      .getByText(/This gateway has no WhatsApp channel: WhatsApp's plugin \(@openclaw\/whatsapp\) is not installed/)
      .waitFor({ timeout: 60_000 });
    expect(await whatsapp.textContent()).toContain("the link did not complete");
    // No QR drawn, and a new link can be asked for.
    expect(await whatsapp.locator("img").count()).toBe(0);
    expect(await whatsapp.getByRole("button", { name: "Link WhatsApp" }).isEnabled()).toBe(true);
    await shot("06-whatsapp-failed");
  }, 180_000);
});
