// An instance's channels from the browser app: the real server (wrangler dev), the real
// runtime and the pinned gateway (the scripted model is the only test double). A person
// connects Telegram from the inspector's Channels section with a bot token, a second person
// approves in the app, and the section shows what the gateway reports: configured, not
// connected (offline, the Bot API is out of reach). Then who may message, then disconnect.
// The token is never on either page after it was sent; the instance's node on the canvas says
// its channel needs attention. WhatsApp's QR link, approved in the app, ends in plain words:
// the pinned gateway has no WhatsApp plugin. A scripted gateway linked beside it (the only way
// to have a QR here) shows the dialog as the room pushes it: the code, its replacement, expired
// with "Show a new code", then linked, and the node saying WhatsApp is connected. Screenshots
// go to test-artifacts/.
// Then, on the same instance (one gateway start serves both sections), its skills: a person
// adds a private skill from the inspector's Skills section (its SKILL.md typed in), a second
// person approves in the app, having read that SKILL.md in the queue, and the section shows
// what the gateway reports: the skill on. It is used: in a chat started on the instance, the
// gateway's agent answers from the skill's instructions (the scripted model answers from the
// prompt the gateway gives it). Then it is turned off, again approved in the app, and a new
// chat's answer no longer has it; and removed the same way: the row goes. ClawHub is searched from the same section: this
// machine has no internet, so the gateway cannot reach it and the section says so in words
// (what failed, what to do).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatRequest, textOf } from "../../runtime/test/scripted-model";
import { freePort } from "../../party/dev/server.mjs";
import { labProvisionedInApp, waitingInSection } from "./app-steps";
import { askerAndApprover, screenshots, withBrowser } from "./browser-helpers";
import { withOpenClawStack } from "./openclaw-stack";
import { scriptedGateway } from "./scripted-gateway";

// Two QR-like PNGs (a WhatsApp login code as a gateway sends it: a base64 PNG data URL), made
// for the tests: they scan as nothing.
const QR_PNG_1 =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAQgAAAEICAAAAACGnTUjAAACPklEQVR42u3cOY7DMAwAQP//0xsg/cK8JAX2sDR8UFMRJJPrT3zjQgACBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIEC8FuIqRvb5/+6fzgcECBAgQIAAsR8iXJgEIe4Ofne9mg8IECBAgAAB4hxE9GDdBO8KqvF8QIAAAQIECBA/C9FtyIAAAQIECBAg3geRbaQ8tqACAQIECBAgQLQHPNFC6/GTLhAgQIAAAeJFENMLntGCaFc+IECAAAECBIh5iOmoHnR5XiBAgAABAgSIcYjsAml1caQKUl1cBQECBAgQIECsh4gmHk0gO8ipLqimG0QgQIAAAQIEiGUQUwfqFkSrGjYgQIAAAQIEiPNzje5zWfApGBAgQIAAAQLEPojo9ewgJ9uYyQ6EQIAAAQIECBD7ILqFTzbR6g9Yuo0bECBAgAABAsQ6iGgDZrqAyg6SqiAgQIAAAQIEiHmIbiEUTTC7MJIdBIEAAQIECBAgzkFUByndQqmaDwgQIECAAAHiPEQ3ugsc1UJs+YAHBAgQIECAAHH8D8Kr36sOpECAAAECBAgQ+yGqH84ueHQLsW0dKhAgQIAAAQLEtftg00AgQIAAAQIEiOdDVN9bbQgtG/CAAAECBAgQII5BdA90d195EQUECBAgQIAAsRyiChdtsGQXRKJwIECAAAECBIhzEN0GyfTiavZ7IECAAAECBIj9EG8JECBAgAABAgQIECBAgAABAgQIECBAgAABAgQIECBAgAABAsRj4wPazc2Faw0igQAAAABJRU5ErkJggg==";
const QR_PNG_2 =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAQgAAAEICAAAAACGnTUjAAACNElEQVR42u3bS3LCQAwFQN//0klVLmB9Jza0dlBg5GbzSiNfP+qvLgQgQIAAAQIECBAgQIAAAQIECBAgQIAAAQIECBAgQIAAAQLE10Jcxcpe5+5z0/2AAAECBAgQIM5BhINJEOLu/e1+QIAAAQIECBDnIaKBJ9pINhB1+wEBAgQIECBAvA9iejADAgQIECBAgPh8iGrQin4PBAgQIECAAPEeiCm46MFO9cZAgAABAgQIEM+BmFrwjC6mnuoHBAgQIECAALEHsVXRhrMBqtwPCBAgQIAAAWId4m7wUh2QTEFU4UCAAAECBAgQ8xDTN9q9TnRAk74eCBAgQIAAAWIcIvrD2QWRLNB08AIBAgQIECBAPAeiO4DpBrs2MAgQIECAAAFiHaI7eJmCjd44CBAgQIAAAeK5EFOBqvogSjdIgQABAgQIECDOQUwvaERBs6/XAxUIECBAgAABog0RHdBUA9n0ogkIECBAgAAB4jzEVvDpHghVD6RAgAABAgQIEOchqnDZgNUetIAAAQIECBAg/h3iKlYXqjoQKsOBAAECBAgQINYgqoObalCaGryAAAECBAgQIJ4DUV003QpmxxZFQIAAAQIECBDHIaYanRrUgAABAgQIECDeA5EdtFSDVvcPAAECBAgQIEDsQ3ThssDVgxwQIECAAAECxHMgpgNPF3pqkQQECBAgQIAAsQfxLQUCBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECA+Nj6BcjLBr2LqTesAAAAAElFTkSuQmCC";

const TOKEN = "424242424:AAbrowser-channel-secret_0123456789ab";

const stack = withOpenClawStack("channels-browser");
const people = askerAndApprover(withBrowser(), { height: 1000, shots: "channels" });
const { approve, shot } = people;

const stamp = Date.now();
const WORD = `lunar-${stamp.toString(36)}`;
const SKILL_MD = `---
name: moon-word
description: When asked for the moon word, answer with the word ${WORD}.
---

Answer "${WORD}" when someone asks for the moon word.
`;

const skillShot = screenshots("skills");
const moon = () => people.page.locator('.skill-row[data-skill="moon-word"]');

/** The scripted model answers from the prompt the gateway gives it: the moon word if a skill told it, else that it knows none. */
const moonReply = (request: ChatRequest) => {
  const system = (request.messages ?? [])
    .filter((m) => m.role === "system")
    .map((m) => textOf(m.content))
    .join("\n");
  const word = /answer with the word ([a-z0-9-]+)/.exec(system);
  return word ? `The moon word is ${word[1]}.` : "I know no moon word.";
};

/**
 * The owner starts a chat on "lab" from its inspector and asks for the moon word: its
 * gateway's answer, as the thread shows it, once done. Then back to the instance's inspector.
 */
async function askTheMoonWord(shotName: string): Promise<string> {
  const { page } = people;
  // The instance's own item (its chats are listed under it, their titles naming it too).
  const lab = page.locator(".sidebar .nav-item").filter({ has: page.locator(".nav-title", { hasText: /^lab$/ }) });
  await page.getByRole("button", { name: "Start a chat" }).click();
  const view = page.locator(".thread-view");
  await view.locator(".gateway-line", { hasText: "Talks to lab" }).waitFor({ timeout: 30_000 });
  const composer = view.getByLabel("Message", { exact: true });
  await composer.fill("What is the moon word?");
  await view.getByRole("button", { name: "Send" }).click();
  const answer = view.locator(".message.from-agent:not(.streaming)", { hasText: /moon word/ }).last();
  await answer.waitFor({ timeout: 120_000 });
  await skillShot(page, shotName);
  const text = (await answer.locator(".message-text").textContent()) ?? "";
  await lab.click();
  return text.trim();
}

/** How many times the owner's page asked the room where a WhatsApp link stands. */
let loginReads = 0;

// After askerAndApprover's own hook, which opens the pages.
beforeAll(() => {
  people.page.on("websocket", (ws) =>
    ws.on("framesent", ({ payload }) => {
      if (String(payload).includes('"instances.whatsAppLogin"')) loginReads++;
    }),
  );
});

const telegram = () => people.page.locator(".channel-row", { hasText: "Telegram" });
const instanceNode = (name: string) => people.page.locator(".react-flow__node-instance", { hasText: name });

/** The scripted gateway's login: each wait answered by the test (`answerWait`), or at once once `waitAtOnce` is set. */
const pendingWaits: Array<(answer: unknown) => void> = [];
let waitAtOnce: unknown = null;
let whatsAppConnected = false;
const waGateway = scriptedGateway(
  {},
  {
    "web.login.start": async () => ({ qrDataUrl: QR_PNG_1, message: "Scan this code in WhatsApp.", sessionKey: "wa" }),
    "web.login.wait": () =>
      waitAtOnce ? Promise.resolve(waitAtOnce) : new Promise((resolve) => pendingWaits.push(resolve)),
    "channels.status": async () => ({
      channelOrder: ["whatsapp"],
      channelLabels: { whatsapp: "WhatsApp" },
      channelAccounts: {
        whatsapp: whatsAppConnected
          ? [{ accountId: "default", configured: true, enabled: true, running: true, connected: true }]
          : [],
      },
    }),
  },
);
afterAll(() => waGateway.close());

describe("channels in the app", () => {
  it("connects Telegram with a token that is never shown again, sets who may message, and disconnects — each approved in the app", async () => {
    const { page, approver } = people;
    await labProvisionedInApp(stack.server.url, people, 300_000);
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
    await waitingInSection(page.locator(".instance-channels"), 'Connect Telegram on OpenClaw instance "lab"');
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
    // The instance's node on the canvas says it too, in words, from the room's state.
    await expect
      .poll(() => instanceNode("lab").locator(".node-channels").textContent(), { timeout: 30_000 })
      .toContain("Telegram needs attention");
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
    // The node follows: nothing set up, it says what it is again.
    await expect
      .poll(() => instanceNode("lab").locator(".node-foot").textContent(), { timeout: 30_000 })
      .toBe("OpenClaw instance");
    await shot("05-disconnected");

    for (const p of [page, approver]) expect(await p.content()).not.toContain(TOKEN);
  }, 600_000);

  it("links WhatsApp after an approval, and says in plain words that this gateway has no WhatsApp to show a QR for", async () => {
    const { page } = people;
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
    // The dialog opened on asking: it waits for the decision, then says what the room pushed.
    const dialog = page.getByRole("dialog", { name: "Link WhatsApp to lab" });
    await dialog.getByText("Waiting for a person to approve the link.").waitFor();
    await approve('Link WhatsApp on OpenClaw instance "lab"');
    await whatsapp
      .getByRole("status")
      .getByText(/This gateway has no WhatsApp channel: WhatsApp's plugin \(@openclaw\/whatsapp\) is not installed/)
      .waitFor({ timeout: 60_000 });
    expect(await dialog.getByRole("status").textContent()).toMatch(/This gateway has no WhatsApp channel/);
    expect(await whatsapp.textContent()).toContain("the link did not complete");
    // No QR drawn, and a new link can be asked for.
    expect(await page.locator(".whatsapp-qr").count()).toBe(0);
    await shot("06-whatsapp-failed");
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await whatsapp.getByRole("button", { name: "Link WhatsApp" }).isEnabled()).toBe(true);
  }, 180_000);

  it("shows a linked gateway's QR as the room pushes it, a new one in its place, expired with Show a new code, then linked, with no timer", async () => {
    const { page } = people;
    const port = await freePort();
    await waGateway.listen(port);
    await page.getByRole("button", { name: "Link your own gateway…" }).click();
    await page.getByRole("dialog", { name: "Run your own OpenClaw" }).getByLabel("Port").fill(String(port));
    const form = page.getByRole("form", { name: "Link your own gateway" });
    await form.getByLabel("Id").fill("wa");
    await form.getByLabel("Name").fill("WA");
    await form.getByRole("button", { name: "Link", exact: true }).click();
    await approve('Link OpenClaw gateway "WA"');
    const nav = page.locator(".sidebar .nav-item", { hasText: "WA" });
    await nav.waitFor({ timeout: 30_000 });
    await nav.click();
    const whatsapp = page.locator(".whatsapp-link");
    await expect.poll(() => whatsapp.textContent(), { timeout: 60_000 }).toContain("not linked from here");
    // Nothing reads the link on a timer: from here on the page reads it no more.
    const readsBefore = loginReads;
    // The section read it once when it opened (so the count is watching the page's socket).
    expect(readsBefore).toBeGreaterThan(0);

    await whatsapp.getByRole("button", { name: "Link WhatsApp" }).click();
    const dialog = page.getByRole("dialog", { name: "Link WhatsApp to WA" });
    await approve('Link WhatsApp on OpenClaw instance "WA"');
    const qr = dialog.getByRole("img", { name: "WhatsApp QR code to scan" });
    await expect.poll(() => qr.getAttribute("src"), { timeout: 30_000 }).toBe(QR_PNG_1);
    expect(await dialog.getByRole("status").textContent()).toContain("Scan this code with WhatsApp on your phone");
    for (const [width, height, size] of [
      [1440, 900, "wide"],
      [390, 844, "phone"],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        // The theme's colours ease in: shot once they have.
        await page.waitForFunction(() => document.getAnimations().length === 0);
        await shot(`07-whatsapp-qr-${size}-${scheme}`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.emulateMedia({ colorScheme: "dark" });
    // The gateway's code expired and it sent another: it takes the old one's place.
    await expect.poll(() => pendingWaits.length, { timeout: 10_000 }).toBe(1);
    pendingWaits.shift()!({ connected: false, qrDataUrl: QR_PNG_2, message: "A new code." });
    await expect.poll(() => qr.getAttribute("src"), { timeout: 10_000 }).toBe(QR_PNG_2);
    // Then nobody scans it: the room gives up, the code goes, and a new one can be asked for.
    waitAtOnce = { connected: false, qrDataUrl: QR_PNG_2 };
    pendingWaits.shift()?.(waitAtOnce);
    await dialog.getByText("The code expired: nobody scanned it in time.").waitFor({ timeout: 30_000 });
    expect(await dialog.locator("img").count()).toBe(0);
    expect(await whatsapp.textContent()).toContain("the QR code expired");
    await shot("08-whatsapp-expired");
    waitAtOnce = null;
    await dialog.getByRole("button", { name: "Show a new code" }).click();
    await dialog.getByText("Waiting for a person to approve the link.").waitFor({ timeout: 10_000 });
    await approve('Link WhatsApp on OpenClaw instance "WA"');
    await expect.poll(() => qr.getAttribute("src"), { timeout: 30_000 }).toBe(QR_PNG_1);
    // The phone scanned it.
    whatsAppConnected = true;
    await expect.poll(() => pendingWaits.length, { timeout: 10_000 }).toBe(1);
    pendingWaits.shift()!({ connected: true, message: "Linked." });
    await dialog.getByText(/WhatsApp is linked/).waitFor({ timeout: 30_000 });
    expect(await dialog.locator("img").count()).toBe(0);
    await shot("09-whatsapp-linked");
    await dialog.getByRole("button", { name: "Close" }).click();
    expect(await whatsapp.getByRole("button", { name: "Ask to unlink WhatsApp" }).count()).toBe(1);
    // The instance's node says its WhatsApp is connected, from the room's state.
    await expect
      .poll(() => instanceNode("WA").locator(".node-channels").textContent(), { timeout: 30_000 })
      .toContain("WhatsApp connected");
    expect(await instanceNode("WA").locator(".node-channels").isVisible()).toBe(true);
    await shot("10-canvas-channels");
    // The QR and every state after came pushed: not one read since the section opened.
    expect(loginReads).toBe(readsBefore);
  }, 300_000);
});

describe("skills in the app", () => {
  it("adds a private skill, approved in the app after reading its SKILL.md; a chat gets its answer from it; turned off, a chat no longer does; removed", async () => {
    const { page, approver } = people;
    // The instance the channels' tests provisioned (the last of them left the linked gateway open).
    const lab = page.locator(".sidebar li").filter({ has: page.locator(".nav-item", { hasText: "lab" }) });
    await lab.locator(".nav-item").click();
    await lab.locator(".bridge-connected", { hasText: "Gateway connected" }).waitFor({ timeout: 60_000 });

    // Its gateway's agent answers from the skills it has (none of ours yet).
    stack.model.setReply(moonReply);
    // The gateway's own skills are listed; ours is not among them yet.
    const section = page.locator(".instance-skills");
    await expect.poll(() => section.locator(".skill-row").count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await moon().count()).toBe(0);

    await section.getByRole("button", { name: "Add a skill…" }).click();
    const form = page.getByRole("form", { name: "Add a skill" });
    await form.getByLabel("Name").fill("moon-word");
    await form.getByLabel("SKILL.md").fill(SKILL_MD);
    await skillShot(page, "01-add-form");
    await form.getByRole("button", { name: "Ask to install" }).click();
    await waitingInSection(section, 'Install the skill "moon-word" on OpenClaw instance "lab"');
    await expect.poll(() => form.count(), { timeout: 10_000 }).toBe(0);
    await skillShot(page, "02-waiting");
    // The approver reads what the agent will be told before deciding: the approval opened shows its SKILL.md.
    await approver.getByRole("tab", { name: /Approvals/ }).click();
    await approver
      .locator(".queue-item.status-pending", { hasText: "Install the skill" })
      .locator(".queue-title")
      .click();
    await expect.poll(() => approver.locator(".approval-view pre.details").textContent()).toContain(WORD);
    await skillShot(approver, "03-approver-reads");
    await approve('Install the skill "moon-word" on OpenClaw instance "lab"');

    // What the gateway reports, read again when the job is done.
    await expect.poll(() => moon().textContent(), { timeout: 60_000 }).toContain("on: its agent may use it");
    expect(await moon().textContent()).toContain(WORD);
    await skillShot(page, "04-installed");

    // Used: in a chat with the instance, its agent answers from the skill's instructions.
    const asked = stack.model.requests.length;
    expect(await askTheMoonWord("04b-used")).toBe(`The moon word is ${WORD}.`);
    expect(stack.model.requests.slice(asked).some((r) => JSON.stringify(r.messages).includes(WORD))).toBe(true);

    await moon().getByRole("button", { name: "Ask to turn off moon-word" }).click();
    await approve('Disable the skill "moon-word" on OpenClaw instance "lab"');
    await expect.poll(() => moon().textContent(), { timeout: 60_000 }).toContain("turned off");
    expect(await moon().getByRole("button", { name: "Ask to turn on moon-word" }).count()).toBe(1);
    await skillShot(page, "05-off");
    // Off, its agent no longer has it: a new chat's answer knows no moon word.
    expect(await askTheMoonWord("05b-unused")).toBe("I know no moon word.");

    // ClawHub from the same section: offline here, so the gateway cannot reach it, said in words.
    await section.getByRole("button", { name: "Find on ClawHub…" }).click();
    const find = page.getByRole("form", { name: "Find a skill on ClawHub" });
    await find.getByLabel("Find on ClawHub").fill("calendar");
    await find.getByRole("button", { name: "Search" }).click();
    const offline = find.getByRole("alert");
    await offline.waitFor({ timeout: 90_000 });
    const words = (await offline.textContent()) ?? "";
    expect(words).toContain('ClawHub could not be searched from "lab"');
    // Why, as the gateway found it: no address for ClawHub, or (on a busy machine) no answer in time.
    expect(words).toMatch(/could not look up ClawHub's address|did not answer through its gateway in time/);
    expect(words).toContain("uploading its folder");
    await skillShot(page, "06-clawhub-offline");
    await find.getByRole("button", { name: "Cancel" }).click();

    // Removed (a managed instance: the runtime deletes its folder), approved in the app: the row goes.
    await moon().getByRole("button", { name: "Ask to remove moon-word" }).click();
    await section
      .getByRole("status")
      .getByText('Waiting for approval: Remove the skill "moon-word" on OpenClaw instance "lab"')
      .waitFor();
    await approve('Remove the skill "moon-word" on OpenClaw instance "lab"');
    await expect.poll(() => moon().count(), { timeout: 60_000 }).toBe(0);
    expect(await section.locator(".skill-row").count()).toBeGreaterThan(0);
    await skillShot(page, "07-removed");
  }, 600_000);
});
