// The Autopilot's own agent in the browser app, end to end: the real server (wrangler dev)
// whose Autopilot talks to the scripted model (the one test double: a paid external API),
// two people in two Chromium contexts. Alice asks in a thread, Bob watches the reply
// stream; a gated tool's approval card is approved from Bob's queue and Alice sees the
// result; a follow-up queued behind a pending approval goes ahead without it. Screenshots go to test-artifacts/ (git-ignored).
import { readdirSync, readFileSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { openPage, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { approvalWaitingOn, openNewThread } from "./app-steps";
import { rawInternals } from "../../shared/test/plain-text-check";
import { TOOL_PREVIEW_CHARS } from "../../shared/protocol/agent";
import { agentScript, type ChatRequest, type ScriptedTurn } from "../../runtime/test/scripted-model";
import { modelVars, withScriptedModel, withServer } from "./e2e-helpers";

const stamp = Date.now();
const MODEL_KEY = `autopilot-model-key-${stamp}-c41f`;

/** The release task's goal: a gate at step 4 among ungated steps, then an answer in Markdown. */
const RELEASE_GOAL = "Release 1.4: tag, notes and the announcement";
const RELEASE_STEPS = 6;
const RELEASE_REPORT = "## Release report\n\n**6 steps** done.\n\n| Step | State |\n|---|---|\n| tag | ok |";

/** agentScript, except the release task answers in Markdown once its steps are done. */
function script(request: ChatRequest): ScriptedTurn {
  const messages = request.messages ?? [];
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  const steps = messages.slice(lastUser + 1).filter((m) => m.role === "assistant" && m.tool_calls?.length).length;
  const goal = JSON.stringify(messages[lastUser]?.content ?? "");
  if (goal.includes(RELEASE_GOAL) && steps === RELEASE_STEPS) return { text: RELEASE_REPORT };
  return agentScript(request);
}

// A real endpoint refuses calls without its key: the replies below prove the key reached the Worker.
const model = withScriptedModel({ usage: "when-asked", apiKey: MODEL_KEY, reply: script });
const server = withServer(() => ({ vars: modelVars(model, MODEL_KEY) }));
const browser = withBrowser();
let alice: Page;
let bob: Page;
let bobContext: BrowserContext;
let workspace: string;
/** The sizes the issue checks: a laptop and a phone. */
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

const shot = screenshots("autopilot");

const signUp = (page: Page, name: string, email: string) => signUpInUi(page, server.url, name, email);

async function send(page: Page, text: string) {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByLabel("Message", { exact: true }).press("Enter");
}

beforeAll(async () => {
  alice = (await openPage(browser, "Alice", { viewport: DESKTOP })).page;
  ({ page: bob, ctx: bobContext } = await openPage(browser, "Bob", { viewport: DESKTOP }));
});

describe("the Autopilot in two browsers", () => {
  it("the model key is on no command line on this machine (wrangler dev gets it from a private file)", () => {
    // Command lines are public to every uid, gateways' included: /proc/<pid>/cmdline.
    const cmdlines = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          return ""; // gone meanwhile
        }
      });
    expect(cmdlines.some((line) => line.includes("wrangler") && line.includes("dev"))).toBe(true);
    expect(cmdlines.filter((line) => line.includes(MODEL_KEY))).toEqual([]);
  });

  it("Alice asks in a thread; Bob sees the reply stream with the Autopilot working", async () => {
    const bobEmail = `bob-${stamp}@example.test`;
    await Promise.all([signUp(alice, "Alice", `alice-${stamp}@example.test`), signUp(bob, "Bob", bobEmail)]);
    workspace = await alice.locator("#workspace-switcher").inputValue();
    await alice.getByRole("button", { name: "Members & keys" }).click();
    const dialog = alice.getByRole("dialog");
    await dialog.getByLabel("Email of the person to add").fill(bobEmail);
    await dialog.getByLabel("Role", { exact: true }).selectOption("member");
    await dialog.getByRole("button", { name: "Add member" }).click();
    await dialog.getByText(`${bobEmail} was added as member.`).waitFor();
    // The model status comes from the room's hello.
    await dialog.getByText("scripted-model").waitFor();
    await shot(alice, "01-settings-model");
    await dialog.getByRole("button", { name: "Close settings" }).click();
    await bob.goto(`${server.url}/?w=${workspace}`);
    await bob.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });

    await openNewThread(alice, "Ask the Autopilot");
    // With a model configured, new threads are answered by the Autopilot: people's posts, not agents'.
    await expect.poll(() => alice.getByLabel("Answered by").inputValue()).toBe("autopilot");
    await expect.poll(() => alice.getByLabel("Agents' messages").inputValue()).toBe("ignore");
    await alice.getByLabel("Agents' messages").selectOption("answer");
    await bob
      .locator(".sidebar")
      .getByRole("button", { name: /Ask the Autopilot/ })
      .click();
    // The setting is the room's: Bob's control shows what Alice set.
    await expect.poll(() => bob.getByLabel("Agents' messages").inputValue()).toBe("answer");

    await send(alice, "SLOW please");
    await bob.locator(".message.streaming").waitFor({ timeout: 15_000 });
    await bob.getByTestId("autopilot-online").waitFor();
    await expect
      .poll(() => bob.locator(".message.streaming .message-text").textContent(), { timeout: 15_000 })
      .toContain("word");
    await shot(bob, "02-bob-sees-stream");
    await bob.locator(".message", { hasText: "word39 END." }).waitFor({ timeout: 20_000 });
    await expect.poll(() => bob.getByTestId("autopilot-online").count()).toBe(0);
    expect(await bob.locator(".message.streaming").count()).toBe(0);
  });

  it("a gated tool's approval card shows inline for Alice; Bob approves from the queue; Alice sees the result", async () => {
    const threadId = await alice.locator(".thread-view").getAttribute("data-thread-id");
    expect(threadId).toBeTruthy();
    // The call archives another thread, which then leaves the canvas; this one's node shows the call.
    await openNewThread(alice, "Old plans");
    await expect.poll(() => alice.locator(".thread-view").getAttribute("data-thread-id")).not.toBe(threadId);
    const oldPlans = await alice.locator(".thread-view").getAttribute("data-thread-id");
    await alice
      .locator(".sidebar")
      .getByRole("button", { name: /Ask the Autopilot/ })
      .click();
    await expect.poll(() => alice.locator(".thread-view").getAttribute("data-thread-id")).toBe(threadId);
    await send(alice, `STEPS: threads_archive {"threadId":"${oldPlans}"}`);
    const card = alice.locator(".approval-card");
    await card.waitFor({ timeout: 20_000 });
    // What it will do leads the card, the thread named by its title; the arguments fold under Details.
    await card.getByText(/The Autopilot will archive the thread “/).waitFor();
    // Its arguments in words: "Thread" and the thread's title, not `threadId` and `thr_…`.
    await card.locator("summary", { hasText: "Details" }).click();
    const args = card.locator(".tool-arguments");
    await args.waitFor();
    expect(await args.locator("dt").allTextContents()).toEqual(["Thread", "Archived"]);
    expect(await args.textContent()).not.toMatch(/thr_|threadId/);
    // Her turn asked for it: she may confirm it as her own; Bob approves it plainly.
    await expect.poll(() => card.getByRole("button", { name: "Confirm" }).isEnabled()).toBe(true);
    // The buttons are in view where the thread waits, above the folded details.
    const button = await card.getByRole("button", { name: "Confirm" }).boundingBox();
    expect(button).not.toBeNull();
    expect(button!.y + button!.height).toBeLessThanOrEqual(alice.viewportSize()!.height);
    await shot(alice, "03-approval-card");
    // Waiting, it shows on its thread's node and in Needs attention (from the room's state), not as a node of its own.
    await alice.getByTitle("Fit everything in view (F)").click();
    const threadNode = alice.locator(`.react-flow__node[data-id="thread:${threadId}"]`);
    await approvalWaitingOn(alice, threadNode, "archive a thread", "Approval waiting");
    expect(await alice.locator(".react-flow__node-approval, .react-flow__node-tool").count()).toBe(0);
    const oldPlansNode = alice.locator(`.react-flow__node[data-id="thread:${oldPlans}"]`);
    expect(await oldPlansNode.count()).toBe(1);

    await bob.getByRole("tab", { name: /Approvals/ }).click();
    const item = bob.locator(".queue-item", { hasText: "The Autopilot wants to archive a thread" });
    await item.getByRole("button", { name: "Approve" }).click();
    await shot(bob, "04-bob-approved");

    // In words (shared/plain-words.ts): what the call did and how it went, not the tool's name.
    const call = alice.locator(".tool-call", { hasText: "Archive the thread “Old plans”" });
    await call.waitFor({ timeout: 20_000 });
    await expect.poll(() => call.locator(".chip").textContent()).toBe("Done");
    // Decided: one line where the card was says who decided what, and when.
    await alice
      .locator(".approval-decision", { hasText: /^✓ Bob approved: archive the thread “Old plans” · \d/ })
      .waitFor();
    // The run goes on to its reply: once that has arrived the list stops growing and scrolling,
    // so the click below lands on the call's summary and not where it was a moment before.
    await alice.locator(".message:not(.streaming)", { hasText: "TOOL RESULT SEEN" }).waitFor({ timeout: 20_000 });
    await call.locator(":scope > summary").click();
    await expect.poll(() => call.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(true);
    await call.getByText("Approved by Bob").waitFor();
    // Its arguments in words; the JSON only one disclosure further down, as text.
    expect(await call.locator(".tool-arguments:not(.tool-result) dt").allTextContents()).toEqual([
      "Thread",
      "Archived",
    ]);
    expect(await call.locator(".tool-arguments:not(.tool-result)").textContent()).toBe("ThreadOld plansArchivedyes");
    await call.locator(".tool-json > summary").click();
    await call.locator(".tool-json pre", { hasText: `"threadId":"${oldPlans}"` }).waitFor();
    // Decided: the card gave way to the tool call that carries the outcome.
    expect(await alice.locator(".approval-card").count()).toBe(0);
    await shot(alice, "05-tool-result");
    // The call shows on the canvas too, folded into its thread's activity with the approval it waited for;
    // the thread it archived has left the canvas (a fit frames every node there is).
    await alice.getByTitle("Fit everything in view (F)").click();
    await expect.poll(() => oldPlansNode.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => threadNode.getByTestId("attention-badges").count(), { timeout: 10_000 }).toBe(0);
    const toggle = threadNode.getByRole("button", { name: /Show the activity of/ });
    await expect
      .poll(() => toggle.getAttribute("aria-label"), { timeout: 20_000 })
      .toMatch(/: 1 tool call · 1 approval$/);
    // Drawn by CSS from its data attribute (the button's name is the words above).
    expect(await toggle.locator(".activity-compact").getAttribute("data-text")).toBe("▸ ƒ 1 · ✓ 1");
    await alice.getByRole("tab", { name: "Inspector" }).click();
    // Keyboard reachable: focus the toggle, open with Enter; the first entry takes the focus.
    await toggle.focus();
    await alice.keyboard.press("Enter");
    const timeline = alice.getByRole("region", { name: /^Activity of/ });
    await timeline.waitFor();
    const folded = timeline.locator(".activity-entry.kind-tool", { hasText: "Archive a thread" });
    await expect.poll(() => folded.locator(".chip").textContent(), { timeout: 10_000 }).toBe("done");
    const asked = timeline.getByRole("button", { name: /Open approval .*archive a thread.*: approved/ });
    await expect.poll(() => asked.evaluate((el) => el === document.activeElement)).toBe(true);
    await shot(alice, "05b-canvas-activity");
    expect(await alice.locator(".react-flow__node-approval, .react-flow__node-tool").count()).toBe(0);
    // Its approval opens in the inspector from the room's state; the thread stays selected on the canvas.
    await asked.click();
    await alice.locator(".approval-view", { hasText: "The Autopilot wants to archive a thread" }).waitFor();
    await expect.poll(() => alice.locator(".thread-view").count()).toBe(0);
    await alice.keyboard.press("Escape");
    await threadNode.click();
    await expect.poll(() => alice.locator(".thread-view").getAttribute("data-thread-id")).toBe(threadId);
  });

  it("a follow-up waits behind a pending approval, says so for both, and Bob lets the run go ahead without it", async () => {
    await alice.getByRole("tab", { name: "Inspector" }).click();
    await openNewThread(alice, "Queued behind an approval");
    await expect.poll(() => alice.getByLabel("Answered by").inputValue()).toBe("autopilot");
    const threadId = await alice.locator(".thread-view").getAttribute("data-thread-id");
    await send(alice, `STEPS: threads_archive {"threadId":"${threadId}"}`);
    await alice.locator(".approval-card").waitFor({ timeout: 20_000 });
    await send(alice, "SAY: answered after going ahead");
    const line =
      "Waiting for approval “The Autopilot wants to archive a thread” — the Autopilot answers after it is decided";
    await alice.locator(".run-waiting", { hasText: line }).waitFor({ timeout: 20_000 });
    await shot(alice, "08-queued-behind-approval");

    await bob.getByRole("tab", { name: "Inspector" }).click();
    await bob
      .locator(".sidebar")
      .getByRole("button", { name: /Queued behind an approval/ })
      .click();
    const waiting = bob.locator(".run-waiting", { hasText: line });
    await waiting.waitFor({ timeout: 20_000 });
    await shot(bob, "08b-bob-can-go-ahead");
    await waiting.getByRole("button", { name: "Go ahead without it" }).click();

    const call = alice.locator(".tool-call", { hasText: "Archive the thread “Queued behind an approval”" });
    await call.waitFor({ timeout: 20_000 });
    await expect.poll(() => call.locator(".chip").textContent()).toBe("Not run");
    await alice
      .locator(".approval-decision", { hasText: /^⌛ Withdrawn: archive the thread .* — “Bob went ahead without it”$/ })
      .waitFor();
    // Bob went ahead without it: its approval reads Withdrawn, not Expired (nobody let it run out).
    await call.locator(":scope > summary").click();
    await call.locator(".outcome", { hasText: "Withdrawn" }).getByText("Bob went ahead without it").waitFor();
    await alice.locator(".message", { hasText: "answered after going ahead" }).last().waitFor({ timeout: 20_000 });
    await expect.poll(() => alice.locator(".message", { hasText: "TOOL RESULT SEEN" }).count()).toBeGreaterThan(0);
    // The room says the run moved on: the line and the card are gone for both, the thread is not archived.
    expect(await alice.locator(".run-waiting").count()).toBe(0);
    await expect.poll(() => bob.locator(".run-waiting").count()).toBe(0);
    expect(await alice.locator(".approval-card").count()).toBe(0);
    await alice
      .locator(".sidebar")
      .getByRole("button", { name: /Queued behind an approval/ })
      .waitFor();
    await shot(alice, "09-went-ahead");

    // The audit log says what happened in words: no action names, no run or approval ids.
    await bob.getByRole("tab", { name: "Audit" }).click();
    await bob
      .locator(".audit-entry", {
        hasText: "went ahead without waiting for approval in the thread “Queued behind an approval”",
      })
      .waitFor({ timeout: 10_000 });
    await bob.locator(".audit-entry", { hasText: "withdrew “The Autopilot wants to archive a thread”" }).waitFor();
    const lines = await bob.locator(".audit-entry").allTextContents();
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.flatMap(rawInternals)).toEqual([]);
    await shot(bob, "09b-audit-in-words");
  });

  it("a task's gated step names its task and step and links to it; the decision stays as a line; the calls fold; previews show no Markdown", async () => {
    await alice.getByRole("tab", { name: "Inspector" }).click();
    for (const title of ["Docs: API keys page", "Release 1.4"]) {
      await alice.getByLabel("New thread title").fill(title);
      await alice.getByRole("button", { name: "Create", exact: true }).click();
    }
    await alice
      .locator(".sidebar")
      .getByRole("button", { name: /Docs: API keys page/ })
      .click();
    // The open thread changes once the click is taken (on a loaded machine, not at once).
    await expect
      .poll(() => alice.locator(".thread-view").textContent(), { timeout: 15_000 })
      .toContain("Docs: API keys page");
    const docs = (await alice.locator(".thread-view").getAttribute("data-thread-id"))!;
    await alice
      .locator(".sidebar")
      .getByRole("button", { name: /Release 1\.4/ })
      .click();
    await expect
      .poll(() => alice.locator(".thread-view").getAttribute("data-thread-id"), { timeout: 15_000 })
      .not.toBe(docs);
    const release = (await alice.locator(".thread-view").getAttribute("data-thread-id"))!;
    // Alice writes here first (so she follows it): the Autopilot's answer is Markdown, a heading and a table.
    await send(alice, "SAY:\n## House rules\n\n| Day | Owner |\n|---|---|\n| Thu | **Ada** |");
    await alice.locator(".message.from-agent .md table").waitFor({ timeout: 20_000 });

    const list = "threads_list {}";
    const read = `messages_list {"threadId":"${release}"}`;
    const steps = [list, list, list, `threads_archive {"threadId":"${docs}"}`, read, read];
    await alice.locator(".thread-view").getByRole("button", { name: "Start a task" }).click();
    const dialog = alice.getByRole("dialog", { name: "Start a task" });
    await dialog.getByLabel("Goal").fill(`${RELEASE_GOAL}\nSTEPS: ${steps.join("; ")}`);
    await dialog.getByRole("button", { name: "Start task" }).click();
    await dialog.waitFor({ state: "detached" });
    const taskId = (await alice.locator(".task-view").getAttribute("data-task-id"))!;
    await alice.locator(".task-view .task-where").getByRole("button", { name: "Release 1.4" }).click();

    // The approval names the step and the task wherever it reaches a person: the thread's card, the queue, the inbox.
    const asks = `Step 4 of Alice’s task “${RELEASE_GOAL}” wants to archive the thread “Docs: API keys page”`;
    const card = alice.locator(".approval-card", { hasText: asks });
    await card.waitFor({ timeout: 30_000 });
    await card.getByRole("button", { name: "Open the task’s run log" }).waitFor();
    await shot(alice, "10-task-step-card");
    await bob.getByRole("tab", { name: /Approvals/ }).click();
    const item = bob.locator(".queue-item", { hasText: asks });
    await item.waitFor({ timeout: 20_000 });
    await bob.getByRole("tab", { name: /Inbox/ }).click();
    await bob
      .locator(".inbox-item", { hasText: asks })
      .getByRole("button", { name: "Open the task’s run log" })
      .waitFor();

    // Bob's phone: the same words, and the link opens the task's run log.
    const phoneContext = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    await phoneContext.addCookies(await bobContext.cookies());
    const phone = await phoneContext.newPage();
    await phone.goto(`${server.url}/?w=${workspace}`);
    await phone.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await phone
      .getByRole("navigation", { name: "Sections" })
      .getByRole("button", { name: /Approvals/ })
      .click();
    const phoneItem = phone.locator(".queue-item", { hasText: asks });
    await phoneItem.waitFor();
    await shot(phone, "11-phone-task-step-approval");
    await phone.emulateMedia({ colorScheme: "dark" });
    await shot(phone, "11b-phone-task-step-approval-dark");
    await phoneItem.getByRole("button", { name: "Open the task’s run log" }).click();
    // The task's own view says what its waiting step would do, the thread named.
    await phone
      .locator(`.task-view[data-task-id="${taskId}"] .task-approvals .approval-summary`, { hasText: asks })
      .waitFor();
    await shot(phone, "12-phone-task-view");

    // Bob approves; the thread keeps one line of the decision where the card was.
    await bob.getByRole("tab", { name: /Approvals/ }).click();
    await item.getByRole("button", { name: "Approve" }).click();
    const thread = alice.locator(`.thread-view[data-thread-id="${release}"]`);
    await thread.locator(".message.from-agent", { hasText: "Release report" }).waitFor({ timeout: 30_000 });
    await thread
      .locator(".approval-decision", { hasText: /^✓ Bob approved: archive the thread “Docs: API keys page” · \d/ })
      .waitFor();
    expect(await thread.locator(".approval-card").count()).toBe(0);
    // The task's six calls are one block, not six messages; Enter on its line opens it.
    const group = thread.locator(".tool-group");
    expect(await group.count()).toBe(1);
    expect(await thread.locator(".message.tool-message").count()).toBe(1);
    const line = group.locator(".tool-group-fold > summary");
    await expect
      .poll(() => line.textContent())
      .toBe(
        "6 tool calls: list the threads ×3, archive the thread “Docs: API keys page”, read a thread's messages in “Release 1.4” ×2",
      );
    await line.focus();
    await alice.keyboard.press("Enter");
    await expect
      .poll(() => group.locator(".tool-group-fold").evaluate((d) => (d as HTMLDetailsElement).open))
      .toBe(true);
    expect(await group.locator(".tool-call").count()).toBe(RELEASE_STEPS);
    // The calls that came while the thread was open came with their result's opening (tool.steps);
    // opened, a call reads its whole result from the room and shows it.
    const cut = group.locator(".tool-call[data-clipped]");
    expect(await cut.count()).toBeGreaterThan(0);
    const cutId = await cut.first().evaluate((d) => d.closest("li[data-message-id]")?.getAttribute("data-message-id"));
    const opened = group.locator(`li[data-message-id="${cutId}"] .tool-call`);
    await opened.locator(":scope > summary").click();
    await expect.poll(() => opened.getAttribute("data-clipped")).toBeNull();
    await opened.locator(".tool-json > summary").click();
    await expect
      .poll(async () => (await opened.locator(".tool-json pre").last().textContent())?.length ?? 0)
      .toBeGreaterThan(TOOL_PREVIEW_CHARS);
    await group.locator(".approval-decision").scrollIntoViewIfNeeded();
    await shot(alice, "13-thread-folded-calls-decision");
    await alice.emulateMedia({ colorScheme: "dark" });
    await shot(alice, "13b-thread-folded-calls-decision-dark");
    await alice.emulateMedia({ colorScheme: "light" });

    // No Markdown's syntax where a line of text stands for it: the task's result and run log, the inbox, ⌘K.
    const raw = /\*\*|##|\|\s*-{3}/;
    await alice
      .locator(".thread-view .thread-task")
      .getByRole("button", { name: /Last task/ })
      .click();
    const taskView = alice.locator(`.task-view[data-task-id="${taskId}"]`);
    const result = taskView.locator(".task-outcome-line");
    await expect
      .poll(() => result.textContent(), { timeout: 20_000 })
      .toMatch(/^Release report 6 steps done\. Step · State tag · ok/);
    const end = taskView.locator(".run-end .run-text");
    await expect
      .poll(() => end.textContent(), { timeout: 20_000 })
      .toBe("Task done: Release report 6 steps done. Step · State tag · ok");
    await shot(alice, "14-task-result-plain");
    const texts = [(await result.textContent()) ?? "", (await end.textContent()) ?? ""];
    await alice.getByRole("tab", { name: /Inbox/ }).click();
    // Her inbox's reply line: the Autopilot's newest answer in the thread she wrote in, as words.
    const reply = alice.locator(".inbox-item", { hasText: /repl(y|ies) in “Release 1\.4”/ });
    await reply.waitFor({ timeout: 20_000 });
    expect(await reply.locator("p").first().textContent()).toMatch(
      /^Autopilot: Release report 6 steps done\. Step · State tag · ok · /,
    );
    await shot(alice, "15-inbox-plain");
    await alice.keyboard.press("Control+k");
    await alice.getByRole("combobox", { name: /search messages/ }).fill("Owner");
    const hits = alice.locator(".palette-item", { hasText: "Owner" });
    await hits.first().waitFor({ timeout: 20_000 });
    await shot(alice, "16-search-snippet-plain");
    texts.push(...(await hits.allTextContents()), (await reply.textContent()) ?? "");
    expect(texts.filter((text) => raw.test(text))).toEqual([]);
    await alice.keyboard.press("Escape");
    await phoneContext.close();
  }, 180_000);

  it("Memory and Billing: Alice remembers something, Bob sees it live; usage counts the replies", async () => {
    await bob.getByRole("tab", { name: "Memory" }).click();
    await alice.getByRole("tab", { name: "Memory" }).click();
    await alice.getByLabel("Key", { exact: true }).fill("release-day");
    await alice.getByLabel("Value", { exact: true }).fill("<b>Thursdays</b>");
    await alice.getByRole("button", { name: "Remember" }).click();
    // Hostile strings stay text.
    await bob.locator(".memory-entry", { hasText: "<b>Thursdays</b>" }).waitFor({ timeout: 10_000 });
    await shot(bob, "06-memory");
    await alice.getByRole("button", { name: "Delete release-day" }).click();
    await expect.poll(() => bob.locator(".memory-entry").count(), { timeout: 10_000 }).toBe(0);

    // Usage in tokens and time sits folded at the foot of Billing.
    await bob.getByRole("tab", { name: "Billing" }).click();
    // Opened from the keyboard: the sections above it (receipts, allowances) fill in as their
    // reads come back and move it, and a pointer's click can land where it was a frame before.
    await bob.getByText("The Autopilot's model calls: tokens and time").press("Enter");
    const section = bob.locator("details.billing-model-calls");
    await expect
      .poll(() => section.evaluate((details: HTMLDetailsElement) => details.open), { timeout: 10_000 })
      .toBe(true);
    // The count once the totals show; until then what the section says (loading, an error), so a
    // miss reads as what Bob saw.
    const calls = bob.getByLabel("Usage totals").locator("dd").first();
    const shown = async () =>
      (await calls.count()) > 0 ? Number(await calls.textContent()) : ((await section.textContent()) ?? "");
    await expect.poll(shown, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await bob.getByRole("table", { name: "By thread" }).getByText("Ask the Autopilot").waitFor();
    await shot(bob, "07-usage");
  });
});
