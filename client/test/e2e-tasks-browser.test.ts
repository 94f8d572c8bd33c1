// Tasks in the app, end to end in Chromium against the real server (wrangler dev, the
// Autopilot on the scripted model), in the issue's realistic workspace (25 threads, tool
// calls, approvals, jobs, notes, groups; workspace-seed.ts) with a project and 22 other
// tasks. The issue's acceptance: a person starts a task of 24 steps in a project and closes
// the tab; the task goes on with nobody connected; the server restarts in the middle and
// the task resumes without repeating or losing a step (each step posts a note in another
// thread: each note is there once, in order); its risky step (archiving a thread) waits for
// a second person, who opens the app later and approves it there; the task finishes; its
// run log in the app shows every step, also the steps written while that person's tab was
// cut off (read again after the reconnect), and exports as JSON. Then the Tasks list at
// that size (older tasks page in), pause / resume / cancel, and a task started from a
// thread with a budget over the workspace's maximum refused in words. Screenshots go to
// test-artifacts/tasks/ (git-ignored). Then the Runs view over all of it and over the week before,
// made on the server's clock moved back day by day (tasks-runs-view.ts, runs-week.ts).
import { readFileSync } from "node:fs";
import type { Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentScript, type ChatRequest, type ScriptedTurn } from "../../runtime/test/scripted-model";
import type { RunLogEntry, Task } from "../../shared/protocol/tasks";
import type { AutopilotClient } from "../src/client";
import { openProject } from "./app-steps";
import { appPages, artifactsIn, withBrowser } from "./browser-helpers";
import { modelVars, personClient, until, withScriptedModel, withServer } from "./e2e-helpers";
import { ISSUE_WORKSPACE, type SeededWorkspace, seedWorkspace, threadTitle } from "./workspace-seed";
import { runsViewSteps, withOtlpCollector } from "./tasks-runs-view";

const { shot } = artifactsIn("tasks");
const VIEWPORT = { width: 1440, height: 900 };

const GOAL_OPENING = "Draft the release notes for 2.4, one note per change, and archive the old sync thread.";
const NOTES = 22;
/** The step whose tool call archives a thread: it waits for a person. */
const ARCHIVE_STEP = 12;
/** 22 notes, the archive, and the final answer. */
const TOTAL_STEPS = NOTES + 2;
/** The model holds these steps' calls: until Alice left, across the restart, while Bob's tab is cut off. */
const AFTER_ALICE = 4;
const AT_RESTART = 10;
const WHILE_BOB_AWAY = 16;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const model = withScriptedModel({ reply: script });
// Each run's trace goes to a stand-in collector: the Runs view shows its id.
const collector = withOtlpCollector();
// DEV_TEST_CLOCK: the Runs part moves the server's clock to the days of the week before (decision 85).
const server = withServer(() => ({ vars: { ...modelVars(model), ...collector.vars(), DEV_TEST_CLOCK: "1" } }));
const browser = withBrowser();
let seeded: SeededWorkspace;
let notesThread: string;
let archivedThread: string;
let projectId: string;
let waitingTaskId: string;
let mainTask: Task;
const clients: AutopilotClient[] = [];
const openApp = appPages(browser, () => ({ url: server.url, workspace: seeded.workspace }), {
  viewport: VIEWPORT,
  acceptDownloads: true,
});

/** The main task's model calls as the model got them: the step each asks for. */
const mainSteps: number[] = [];
const aliceGone = deferred();
const bobAway = deferred();
let holdAtRestart = true;
/** Bob's tab, and its room socket, which the test can cut off (the network going down). */
let bob: Page;
let bobSockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
let bobCutOff = false;

const stepOf = (request: ChatRequest) =>
  (request.messages ?? []).filter((m) => m.role === "assistant" && m.tool_calls?.length).length + 1;
const isMainTask = (request: ChatRequest) =>
  JSON.stringify(request.messages?.find((m) => m.role === "user")?.content ?? "").includes(GOAL_OPENING);

/** agentScript, with the main task's calls held where the test needs the task to wait for it. */
function script(request: ChatRequest): ScriptedTurn {
  const turn = agentScript(request);
  if (!isMainTask(request)) return turn;
  const step = stepOf(request);
  mainSteps.push(step);
  if (step === AFTER_ALICE) return { ...turn, waitFor: aliceGone.promise };
  // The server stops while this call is out: the call dies with it and is asked again.
  if (step === AT_RESTART && holdAtRestart) return { hang: "before-headers" };
  if (step === WHILE_BOB_AWAY) return { ...turn, waitFor: bobAway.promise };
  return turn;
}

function connect(cookie: string, device: string): AutopilotClient {
  const client = personClient(server.url, cookie, seeded.workspace, device);
  clients.push(client);
  return client;
}

async function wholeLog(client: AutopilotClient, runId: string): Promise<RunLogEntry[]> {
  const entries: RunLogEntry[] = [];
  let after = 0;
  for (;;) {
    const page = await client.request("runlog.list", { runId, after, limit: 100 });
    entries.push(...page.entries);
    if (page.next === null) return entries;
    after = page.next;
  }
}

const noteTexts = async (client: AutopilotClient) =>
  (await client.messages.list({ threadId: notesThread, limit: 200 })).messages.map((m) => m.text);

beforeAll(async () => {
  seeded = await seedWorkspace(server.url, ISSUE_WORKSPACE, "Tasks");
  const { agent, threadIds: t } = seeded;
  notesThread = (await agent.threads.create({ title: "Release notes 2.4 (drafts)" })).thread.id;
  archivedThread = t[8]!; // "Weekly sync notes"
  projectId = (
    await agent.projects.create({
      name: "Release 2.4 launch",
      brief: "Ship **release 2.4** to every customer by the end of the month.",
      threadIds: [t[1]!, t[2]!, t[19]!, notesThread, archivedThread],
    })
  ).project.id;
  // Tasks of the weeks before: 21 the release bot ran to the end, one that waits for a person.
  for (let i = 0; i < 21; i++)
    await agent.request("tasks.start", {
      goal: `Summarise “${threadTitle(i)}” for the weekly update. SAY: Summary of ${threadTitle(i)} posted.`,
      threadId: t[i]!,
      ...(i % 3 === 0 && { projectId }),
    });
  waitingTaskId = (
    await agent.request("tasks.start", {
      goal: `Tidy up the idea backlog: archive “${threadTitle(14)}”. STEPS: threads_archive {"threadId":"${t[14]}"}`,
      threadId: t[21]!,
    })
  ).task.id;
  await until(
    () => {
      const tasks = [...agent.state.tasks.values()];
      return (
        tasks.filter((task) => task.status === "done").length === 21 &&
        agent.state.tasks.get(waitingTaskId)?.status === "waiting"
      );
    },
    "the seeded tasks to finish, and one to wait for approval",
    120_000,
  );
}, 600_000);

afterAll(async () => {
  for (const client of clients) client.close();
  seeded?.close();
});

describe("a task that runs for many steps, with nobody watching", () => {
  it("Alice starts it from her project's view, watches its first steps live, and closes the tab", async () => {
    const page = await openApp(seeded.owner.cookie);
    await openProject(page, "Release 2.4 launch");
    const view = page.locator(`.project-view[data-project-id="${projectId}"]`);
    await view.waitFor();
    // By keyboard: the button opens a modal dialog whose goal box has the focus.
    await view.locator(".project-tasks").getByRole("button", { name: "Start a task" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Start a task" });
    await dialog.waitFor();
    const steps = Array.from({ length: NOTES + 1 }, (_, i) =>
      i + 1 === ARCHIVE_STEP
        ? `threads_archive {"threadId":"${archivedThread}"}`
        : `chat_send {"threadId":"${notesThread}","text":"Release note ${i + 1 < ARCHIVE_STEP ? i + 1 : i}"}`,
    );
    await page.keyboard.type(GOAL_OPENING);
    await expect(dialog.getByLabel("Goal").inputValue()).resolves.toBe(GOAL_OPENING);
    await dialog.getByLabel("Goal").fill(`${GOAL_OPENING}\nSTEPS: ${steps.join("; ")}`);
    await dialog.getByLabel("Steps").fill("40");
    // It says what such a task typically costs here and the most it may with that budget, as tasks.estimate has it.
    const worst = await seeded.agent.request("tasks.estimate", { budget: { maxSteps: 40 } });
    await dialog
      .locator(".task-worst-case", {
        hasText: `At most 40 steps and ${worst.budget.maxTokens.toLocaleString("en-US")} tokens: typically ~${worst.typical!.credits.toLocaleString("en-US")} credit`,
      })
      .filter({ hasText: `at most ${worst.worstCase!.credits.toLocaleString("en-US")} credits (its whole budget` })
      .waitFor();
    await shot(page, "01-start-dialog");
    await dialog.getByLabel("Goal").press("Control+Enter");
    await dialog.waitFor({ state: "detached" });

    // The task opens in the inspector and its run log grows live, step by step.
    const taskView = page.locator(".task-view");
    await taskView.waitFor();
    const taskId = (await taskView.getAttribute("data-task-id"))!;
    await taskView.locator('.run-step[data-step="3"] .run-tool-call').waitFor({ timeout: 30_000 });
    await expect(taskView.locator(".task-status").first().textContent()).resolves.toBe("Running");
    // It works in a new thread named after its goal.
    await taskView
      .locator(".task-where")
      .getByRole("button", { name: /^Task: Draft the release notes/ })
      .waitFor();
    await shot(page, "02-task-running-live");
    // Its job shows each step's progress live: the app's client makes a step's report from the
    // step's change (steps.derived), so step 3's is there while step 4 waits for Alice to leave.
    await page.getByRole("tab", { name: "Jobs" }).click();
    await page
      .locator(".queue-item.status-running", { hasText: "Task: Draft the release notes" })
      .filter({ hasText: "8% · step 3 of at most 40" })
      .waitFor({ timeout: 30_000 });
    await page.getByRole("tab", { name: "Inspector" }).click();

    const client = connect(seeded.owner.cookie, "alice-node");
    await client.ready();
    mainTask = (await client.request("tasks.get", { taskId })).task;
    expect(mainTask).toMatchObject({ projectId, budget: { maxSteps: 40 }, startedBy: { kind: "user" } });
    client.close();
    clients.pop();

    // Alice leaves; so do the release bot and the canvas sync: nobody is connected now.
    await until(() => mainSteps.at(-1) === AFTER_ALICE, `step ${AFTER_ALICE}'s model call`, 30_000);
    await page.context().close();
    seeded.close();
    aliceGone.resolve();
  }, 180_000);

  it("goes on with nobody connected, and a server restart mid-step resumes it at that step", async () => {
    // The model is the only one watching: it gets the next steps' calls with no client in the room.
    await until(() => mainSteps.includes(AT_RESTART), `step ${AT_RESTART}'s model call`, 60_000);
    expect(mainSteps.slice(mainSteps.indexOf(AFTER_ALICE))).toEqual(
      Array.from({ length: AT_RESTART - AFTER_ALICE + 1 }, (_, i) => AFTER_ALICE + i),
    );
    holdAtRestart = false;
    await server.stop();
    await server.start();
    // Nobody connects: the room's own alarm wakes it, and the step that was cut off is asked again.
    await until(() => mainSteps.includes(ARCHIVE_STEP), `step ${ARCHIVE_STEP}'s model call after the restart`, 90_000);
    const afterRestart = mainSteps.slice(mainSteps.indexOf(AT_RESTART) + 1);
    expect(afterRestart.slice(0, ARCHIVE_STEP - AT_RESTART + 1)).toEqual(
      Array.from({ length: ARCHIVE_STEP - AT_RESTART + 1 }, (_, i) => AT_RESTART + i),
    );
  }, 180_000);

  it("Bob opens the app later, finds the task waiting for him, and approves its risky step there", async () => {
    bob = await openApp(seeded.second.cookie, {
      beforeOpen: async (page) => {
        // Bob's room socket goes through the test (untouched) so it can be cut off later.
        await page.routeWebSocket(/\/agents\/autopilot\//, (ws) => {
          if (bobCutOff) {
            ws.close({ code: 1012, reason: "network down" });
            return;
          }
          bobSockets.push({ page: ws, server: ws.connectToServer() });
        });
      },
    });
    const tab = bob.getByRole("tab", { name: /Tasks/ });
    await tab.click();
    const row = bob.locator(`.task-row[data-task-id="${mainTask.id}"]`);
    await row.locator(".task-status", { hasText: "Waiting for approval" }).waitFor({ timeout: 30_000 });
    // Two unfinished: this one and the release bot's that waits too.
    await expect.poll(() => tab.locator(".badge").textContent()).toBe("2");
    await shot(bob, "03-tasks-waiting");

    // Every note so far is there once, in order: none repeated or lost across the restart.
    const client = connect(seeded.second.cookie, "bob-node");
    await client.ready();
    expect(await noteTexts(client)).toEqual(
      Array.from({ length: ARCHIVE_STEP - 1 }, (_, i) => `Release note ${i + 1}`),
    );

    await row.getByRole("button", { name: /Draft the release notes/ }).click();
    const taskView = bob.locator(`.task-view[data-task-id="${mainTask.id}"]`);
    const ask = taskView.locator(".task-approvals .approval-card", {
      hasText: "The Autopilot wants to archive a thread",
    });
    await ask.waitFor();
    await shot(bob, "04-task-needs-approval");
    await ask.getByRole("button", { name: "Approve" }).click();
    // Bob watches the next steps arrive live.
    await taskView.locator(`.run-step[data-step="${WHILE_BOB_AWAY - 1}"] .run-tool-call`).waitFor({ timeout: 30_000 });
    await expect(
      taskView
        .locator(`.run-step[data-step="${ARCHIVE_STEP}"] .run-approval`, { hasText: "BobTasks approved" })
        .count(),
    ).resolves.toBe(1);
  }, 180_000);

  it("finishes while Bob's tab is cut off; after the reconnect his run log shows every step", async () => {
    await until(() => mainSteps.includes(WHILE_BOB_AWAY), `step ${WHILE_BOB_AWAY}'s model call`, 30_000);
    bobCutOff = true;
    for (const ws of bobSockets) {
      await ws.page.close({ code: 1012, reason: "network down" });
      await ws.server.close();
    }
    bobSockets = [];
    await bob.getByTestId("connection").getByText("Live").waitFor({ state: "detached", timeout: 15_000 });
    const alice = connect(seeded.owner.cookie, "alice-node-2");
    await alice.ready();
    bobAway.resolve();
    const done = await until(
      () => {
        const task = alice.state.tasks.get(mainTask.id);
        return task && task.status !== "running" && task.status !== "queued" ? task : null;
      },
      "the task to finish",
      90_000,
    );
    expect(done).toMatchObject({ status: "done", used: { steps: TOTAL_STEPS } });
    const log = await wholeLog(alice, mainTask.id);
    // Bob's tab missed the live entries of steps 16 to the end: his view still has none of them.
    const taskView = bob.locator(`.task-view[data-task-id="${mainTask.id}"]`);
    await expect(taskView.locator(`.run-step[data-step="${TOTAL_STEPS}"]`).count()).resolves.toBe(0);

    bobCutOff = false;
    await bob.getByTestId("connection").getByText("Live").waitFor({ timeout: 60_000 });
    await taskView.locator(".task-status", { hasText: "Done" }).first().waitFor({ timeout: 30_000 });
    await taskView.locator(`.run-step[data-step="${TOTAL_STEPS}"] .run-end`).waitFor({ timeout: 30_000 });
    await expect.poll(() => taskView.locator(".run-entry").count(), { timeout: 15_000 }).toBe(log.length);
    await shot(bob, "05-task-done-run-log");

    // Every step shows, each tool step with its one call; the risky one with who approved it.
    const shown = await taskView.locator(".run-step").evaluateAll((steps) =>
      steps.map((s) => ({
        step: Number((s as HTMLElement).dataset.step),
        tools: [...s.querySelectorAll(".run-tool-call .run-text")].map((e) => e.textContent),
        approvals: [...s.querySelectorAll(".run-approval .run-text")].map((e) => e.textContent),
        models: s.querySelectorAll(".run-model-call").length,
      })),
    );
    expect(shown.map((s) => s.step)).toEqual(Array.from({ length: TOTAL_STEPS }, (_, i) => i + 1));
    for (const s of shown.slice(0, TOTAL_STEPS - 1)) {
      expect(s.tools, `step ${s.step}`).toEqual([
        s.step === ARCHIVE_STEP ? "Archive a thread: done" : "Post a message: done",
      ]);
      expect(s.models, `step ${s.step}`).toBeGreaterThanOrEqual(1);
    }
    expect(shown[ARCHIVE_STEP - 1]!.approvals).toEqual([
      "Asked the people to approve: The Autopilot wants to archive a thread",
      "BobTasks approved: The Autopilot wants to archive a thread",
    ]);
    await expect(taskView.locator(".run-end .run-text").textContent()).resolves.toMatch(/^Task done: /);

    // Each step's effect happened exactly once: every note once, in order; one approval; the thread archived.
    expect(await noteTexts(alice)).toEqual(Array.from({ length: NOTES }, (_, i) => `Release note ${i + 1}`));
    expect(log.filter((e) => e.kind === "tool-call").map((e) => e.step)).toEqual(
      Array.from({ length: TOTAL_STEPS - 1 }, (_, i) => i + 1),
    );
    const asked = (await alice.approvals.list({ limit: 200 })).approvals.filter(
      (a) => a.action?.kind === "tool" && a.action.runId === mainTask.id,
    );
    expect(asked.map((a) => [a.status, a.resolvedBy?.name])).toEqual([["approved", "BobTasks"]]);
    expect(alice.state.threads.get(archivedThread)?.archived).toBe(true);

    // Export JSON: the whole log as the room keeps it.
    const [download] = await Promise.all([
      bob.waitForEvent("download"),
      taskView.getByRole("button", { name: "Export JSON" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^task-draft-the-release-notes-for-2-4-.*-run-log\.json$/);
    const exported = JSON.parse(readFileSync((await download.path())!, "utf8")) as {
      task: Task;
      entries: RunLogEntry[];
    };
    expect(exported.task.id).toBe(mainTask.id);
    expect(exported.entries).toEqual(log);

    // A long run reads better wide: Expand opens the same log in a dialog; Escape gives focus back.
    const expand = taskView.getByRole("button", { name: "Expand" });
    await expand.click();
    const wide = bob.getByRole("dialog", { name: "Run log" });
    await expect.poll(() => wide.locator(".run-step").count()).toBe(TOTAL_STEPS);
    const archiveCall = wide.locator(`.run-step[data-step="${ARCHIVE_STEP}"] .run-tool-call`);
    await archiveCall.locator(".tool-call > summary").click();
    // Its arguments in words, the thread by its name; the JSON one disclosure further down.
    await archiveCall.locator(".tool-arguments:not(.tool-result)", { hasText: "ThreadWeekly sync notes" }).waitFor();
    await archiveCall.locator(".tool-json > summary").click();
    await wide.getByText(`"threadId":"${archivedThread}"`).first().waitFor();
    await wide.locator(`.run-step[data-step="${ARCHIVE_STEP}"]`).scrollIntoViewIfNeeded();
    await shot(bob, "06-run-log-expanded");
    await bob.keyboard.press("Escape");
    await wide.waitFor({ state: "detached" });
    await expect(expand.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
  }, 240_000);
});

describe("the Tasks list at the size of a busy workspace", () => {
  it("pages older tasks in, and pauses, resumes and cancels a task for people with write", async () => {
    const client = connect(seeded.owner.cookie, "alice-node-3");
    await client.ready();
    const all = (await client.request("tasks.list", { limit: 200 })).tasks;
    expect(all.length).toBe(23);
    await bob.getByRole("tab", { name: /Tasks/ }).click();
    const rows = bob.locator(".task-list .task-row");
    // The newest page, and the unfinished ones beyond it; the rest page in.
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(20);
    expect(await rows.count()).toBeLessThan(all.length);
    const more = bob.getByRole("button", { name: "Load older tasks" });
    await more.click();
    await expect.poll(() => rows.count()).toBe(all.length);
    await expect(more.count()).resolves.toBe(0);

    const row = bob.locator(`.task-row[data-task-id="${waitingTaskId}"]`);
    await row.scrollIntoViewIfNeeded();
    await row.getByRole("button", { name: "Pause" }).click();
    await row.locator(".task-status", { hasText: "Paused" }).waitFor();
    await row.getByRole("button", { name: "Resume" }).click();
    await row.locator(".task-status", { hasText: "Waiting for approval" }).waitFor();
    await shot(bob, "07-tasks-list");
    await row.getByRole("button", { name: "Cancel task" }).click();
    await row.getByRole("button", { name: "Yes, cancel it" }).click();
    await row.locator(".task-status", { hasText: "Cancelled" }).waitFor();
    await expect(row.locator(".task-outcome").textContent()).resolves.toBe("cancelled by BobTasks");
    // What it waited for is withdrawn: the approval is no longer pending for anyone.
    await until(
      () =>
        [...client.state.approvals.values()].every(
          (a) => !(a.action?.kind === "tool" && a.action.runId === waitingTaskId && a.status === "pending"),
        ),
      "the cancelled task's approval to be withdrawn",
      15_000,
    );
  }, 120_000);

  it("starts a task from a thread; a budget over the workspace's maximum is refused in words", async () => {
    const threadId = seeded.threadIds[23]!; // "Plan the offsite in Lisbon"
    await bob
      .locator("nav.sidebar")
      .getByRole("button", { name: new RegExp(`^${threadTitle(23)}`) })
      .click();
    const thread = bob.locator(`.thread-view[data-thread-id="${threadId}"]`);
    await thread.getByRole("button", { name: "Start a task" }).click();
    const dialog = bob.getByRole("dialog", { name: "Start a task" });
    await dialog.getByLabel("Goal").fill("Draft the offsite agenda. SAY: The offsite agenda is drafted.");
    await dialog.getByLabel("Steps").fill("5000");
    await dialog.getByRole("button", { name: "Start task" }).click();
    await expect(dialog.getByRole("alert").textContent()).resolves.toBe(
      "This workspace allows a task at most 200 steps.",
    );
    await dialog.getByLabel("Steps").fill("5");
    await dialog.getByRole("button", { name: "Start task" }).click();
    await dialog.waitFor({ state: "detached" });
    const taskView = bob.locator(".task-view");
    await taskView.locator(".task-status", { hasText: "Done" }).first().waitFor({ timeout: 30_000 });
    await expect(taskView.locator(".task-outcome-line").textContent()).resolves.toMatch(
      /The offsite agenda is drafted/,
    );
    // The thread names its last task.
    await taskView.getByRole("button", { name: threadTitle(23) }).click();
    await thread.locator(".thread-task", { hasText: "Last task: done" }).waitFor();
    await shot(bob, "08-thread-last-task");
  }, 120_000);
});

runsViewSteps({
  openApp,
  serverUrl: () => server.url,
  seeded: () => seeded,
  archivedThread: () => archivedThread,
  connect,
  shot,
  spans: collector.spans,
});
