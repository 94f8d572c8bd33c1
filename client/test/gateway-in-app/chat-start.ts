// One consent to a running chat (protocol 7), from the browser app, with two people: the
// real server (wrangler dev), the real runtime and a real gateway (its model is the
// scripted one, the only test double: a paid external API). Olga writes a first message
// on her empty workspace's first-run card; Pavel approves the one approval in his queue;
// both watch the start phases and the reply stream; an exec the chat raises is decided in
// the app; "Start a chat" on the ready instance, where a file attached in the composer
// reaches the gateway's model; a start Pavel denies says so in the thread, its message
// marked not sent; and once the instance is deleted, nothing of it is left to act on.
// Screenshots go to test-artifacts/ (git-ignored).
import type { Browser, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { markerScript } from "../../../runtime/test/scripted-model";
import type { OpenClawStack } from "../openclaw-stack";
import { openPages, screenshots, twoPeopleInOneWorkspace } from "../browser-helpers";

/** Registers this part's hooks and tests on the file's OpenClaw stack and browser. */
export function chatStartInApp(stack: OpenClawStack, browser: Browser): void {
  const stamp = Date.now();

  const { model, server } = stack;
  let olga: Page;
  let pavel: Page;

  const shot = screenshots("chat-start");

  beforeAll(async () => {
    [olga, pavel] = await openPages(browser, ["olga", "pavel"], { viewport: { width: 1280, height: 900 } });
  });

  /** Pavel decides the pending approval containing `text` from his Approvals tab, then goes back to his inspector. */
  async function pavelDecides(text: string, button: "Approve" | "Allow once" | "Deny") {
    await pavel.getByRole("tab", { name: /Approvals/ }).click();
    const item = pavel.locator(".queue-item.status-pending", { hasText: text });
    await item.getByRole("button", { name: button }).click();
    await item.waitFor({ state: "detached", timeout: 20_000 });
    await pavel.getByRole("tab", { name: "Inspector" }).click();
  }

  const thread = (page: Page, title: string) => page.locator(".sidebar .nav-item", { hasText: title });
  const startBar = (page: Page) => page.getByRole("status", { name: "Starting OpenClaw" }).getByRole("progressbar");
  const reply = (page: Page, text: string) => page.locator(".message.from-agent:not(.streaming)", { hasText: text });

  describe("one consent to a running chat, in the app", () => {
    it("first-run card → one approval by another person → the start phases for both → the reply streams to both; an exec decided in the app; Start a chat; a denied start says so", async () => {
      await twoPeopleInOneWorkspace(
        server.url,
        { page: olga, name: "Olga", email: `olga-start-${stamp}@example.test` },
        { page: pavel, name: "Pavel", email: `pavel-start-${stamp}@example.test` },
      );

      // An empty workspace starts with the first-run card.
      const card = olga.getByRole("region", { name: "Chat with OpenClaw" });
      await card.waitFor();
      await shot(olga, "01-first-run");
      const first = "SLOW: tell us a story";
      await card.getByLabel("Your first message to OpenClaw").fill(first);
      await card.getByRole("button", { name: "Ask to start OpenClaw" }).click();

      // Olga's new thread opens with her message waiting and the start waiting for a person.
      const olgaThread = olga.locator(".thread-view");
      await olgaThread
        .locator(".message", { hasText: first })
        .locator(".message-mark", { hasText: "waiting for OpenClaw" })
        .waitFor();
      await olga.getByText("Waiting for a person to approve starting OpenClaw").waitFor();
      // She asked, so she may confirm it herself, explicitly; Pavel may approve it plainly.
      const ownCard = olgaThread.locator(".approval-card", { hasText: "Approval needed" });
      await ownCard.getByText("You asked for this: confirming it yourself is recorded as self-confirmed.").waitFor();
      expect(await ownCard.getByRole("button", { name: "Confirm" }).isEnabled()).toBe(true);
      await olga.getByRole("tab", { name: /Approvals/ }).click();
      const own = olga.locator(".queue-item.status-pending", { hasText: 'Provision OpenClaw instance "OpenClaw"' });
      expect(await own.getByRole("button", { name: "Confirm" }).isEnabled()).toBe(true);
      await olga.getByRole("tab", { name: "Inspector" }).click();
      await shot(olga, "02-waiting");

      await thread(pavel, first).click();
      await pavel.getByText("Waiting for a person to approve starting OpenClaw").waitFor();
      await pavelDecides('Provision OpenClaw instance "OpenClaw"', "Approve");

      // Both watch the same start phases move (the provision job's progress) …
      for (const page of [olga, pavel]) {
        await expect
          .poll(
            async () =>
              Number(
                (await startBar(page)
                  .getAttribute("aria-valuenow")
                  .catch(() => null)) ?? 0,
              ),
            { timeout: 60_000 },
          )
          .toBeGreaterThan(5);
      }
      await Promise.all([shot(olga, "03-progress-olga"), shot(pavel, "03-progress-pavel")]);
      // … then the bar goes, and the reply streams to both.
      for (const page of [olga, pavel])
        await page.locator(".thread-view .message.streaming").waitFor({ timeout: 180_000 });
      expect(await startBar(olga).count()).toBe(0);
      await expect
        .poll(() => pavel.locator(".message.streaming .message-text").textContent(), { timeout: 30_000 })
        .toContain("word");
      await Promise.all([shot(olga, "04-streaming-olga"), shot(pavel, "04-streaming-pavel")]);
      for (const page of [olga, pavel]) await reply(page, "END.").waitFor({ timeout: 60_000 });
      // The first message went out once and is no longer marked.
      expect(await olgaThread.locator(".message-mark").count()).toBe(0);
      expect(model.requests.filter((r) => JSON.stringify(r.messages ?? []).includes(first)).length).toBeGreaterThan(0);
      await olga.locator(".gateway-line", { hasText: "Talks to OpenClaw" }).waitFor();

      // The chat asks the gateway to run a command: Pavel allows it in the app, the output shows.
      await olga.getByLabel("Message", { exact: true }).fill("RUNCMD: echo consent-exec-ok");
      await olga.getByRole("button", { name: "Send" }).click();
      await pavel.getByRole("tab", { name: /Approvals/ }).click();
      await pavel
        .locator(".queue-item.status-pending", { hasText: "echo consent-exec-ok" })
        .waitFor({ timeout: 60_000 });
      await shot(pavel, "05-exec-approval");
      await pavelDecides("echo consent-exec-ok", "Allow once");
      for (const page of [olga, pavel]) {
        await page
          .locator(".thread-view .message.tool-message", { hasText: "consent-exec-ok" })
          .waitFor({ timeout: 60_000 });
        await reply(page, "TOOL RESULT SEEN").waitFor({ timeout: 60_000 });
      }
      await shot(olga, "06-exec-result");

      // "Start a chat" on the ready instance: a new thread attached to it.
      await olga.locator(".sidebar .nav-item", { hasText: "OpenClaw" }).filter({ hasText: "ready" }).click();
      await olga.getByRole("button", { name: "Start a chat" }).click();
      await olga.locator(".thread-view h2", { hasText: "Chat with OpenClaw" }).waitFor();
      await olga.locator(".gateway-line", { hasText: "Talks to OpenClaw" }).waitFor();
      await olga.getByLabel("Message", { exact: true }).fill("SAY: second thread ok");
      await olga.getByRole("button", { name: "Send" }).click();
      await reply(olga, "second thread ok").waitFor({ timeout: 60_000 });
      await shot(olga, "07-start-a-chat");

      // A file to the gateway from the composer: the gateway inlines a text file into its
      // model's prompt, so the (scripted) model can say what it holds.
      const fileWord = `heron-${stamp}`;
      model.setReply((request) =>
        JSON.stringify(request.messages ?? []).includes(fileWord)
          ? { text: `FILE SEEN: ${fileWord}` }
          : markerScript(request),
      );
      await olga.getByLabel("Message", { exact: true }).fill("What does the ledger say?");
      await olga.locator(".composer input[type=file]").setInputFiles({
        name: "ledger.txt",
        mimeType: "text/plain",
        buffer: Buffer.from(`The ledger's code word is ${fileWord}.\n`),
      });
      await olga
        .getByRole("list", { name: "Files to send" })
        .locator(".attachment-chip.is-ready")
        .waitFor({ timeout: 20_000 });
      await olga.getByRole("button", { name: "Send" }).click();
      await olgaThread
        .locator(".message", { hasText: "What does the ledger say?" })
        .getByRole("link", { name: "ledger.txt" })
        .waitFor();
      await reply(olga, `FILE SEEN: ${fileWord}`).waitFor({ timeout: 60_000 });
      await shot(olga, "07b-file-to-openclaw");
      model.setReply(markerScript);

      // From a thread's header: Pavel denies this one; the thread says so and the message stays, not sent.
      await olga.getByLabel("New thread title").fill("Plans");
      await olga.getByLabel("New thread title").press("Enter");
      await olga.locator(".thread-view h2", { hasText: "Plans" }).waitFor();
      await olgaThread.getByRole("button", { name: "Chat with OpenClaw", exact: true }).click();
      await olga.getByLabel("Your first message to OpenClaw").fill("SAY: never sent");
      await olga.getByRole("button", { name: "Ask to start OpenClaw" }).click();
      await olga.getByText("Waiting for a person to approve starting OpenClaw").waitFor();
      await pavelDecides('Provision OpenClaw instance "OpenClaw"', "Deny");
      await olga
        .getByRole("alert")
        .filter({ hasText: "OpenClaw was not started: Pavel denied it. Your first message was not sent." })
        .waitFor({ timeout: 20_000 });
      await olgaThread
        .locator(".message", { hasText: "SAY: never sent" })
        .locator(".message-mark", { hasText: "not sent" })
        .waitFor();
      await olgaThread.locator(".message.error-message", { hasText: "Your message was not sent." }).waitFor();
      await olga.getByRole("button", { name: "Try OpenClaw again" }).waitFor();
      await shot(olga, "08-denied");
      expect(model.requests.some((r) => JSON.stringify(r.messages ?? []).includes("never sent"))).toBe(false);

      // Deleting the instance leaves nothing of it to act on. Olga asks from its inspector, where its sessions are open-able …
      await olga.locator(".sidebar .nav-item", { hasText: "OpenClaw" }).filter({ hasText: "ready" }).click();
      const inspector = olga.locator(".right-panel");
      await inspector
        .getByRole("button", { name: /^Open session / })
        .first()
        .waitFor({ timeout: 30_000 });
      await olga.getByRole("button", { name: "Delete…" }).click();
      await olga
        .getByRole("dialog", { name: "Delete OpenClaw?" })
        .getByRole("button", { name: "Ask to delete" })
        .click();
      await olga
        .locator(".instance-lifecycle")
        .getByRole("status")
        .filter({ hasText: "Delete waiting for approval" })
        .waitFor();
      await pavelDecides('Delete OpenClaw instance "OpenClaw"', "Approve");
      // … and once it is gone, the inspector has no sessions to open, nor does anything else.
      await inspector.getByText("This instance is not in the workspace (any more).").waitFor({ timeout: 60_000 });
      expect(await olga.getByRole("button", { name: /^Open session / }).count()).toBe(0);
      // The first thread says what happened; no start bar is left over from its start, and nobody answers there now.
      await thread(olga, first).click();
      await olgaThread
        .locator(".message", { hasText: "OpenClaw instance OpenClaw was deleted: this thread has no responder now." })
        .waitFor({ timeout: 20_000 });
      expect(await olgaThread.getByRole("progressbar").count()).toBe(0);
      expect(await olgaThread.locator(".chat-start").count()).toBe(0);
      expect(await olgaThread.getByLabel("Answered by").inputValue()).toBe("none");
      expect(await olgaThread.locator(".gateway-line").count()).toBe(0);
      await shot(olga, "09-deleted");
    }, 600_000);
  });
}
