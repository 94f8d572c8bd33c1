// "Autopilot's tools here" in the app, in Chromium on the real stack: the real server
// (wrangler dev), the real runtime hosting a real `openclaw` gateway, and the scripted model
// as the only stand-in, in the issue's realistic workspace (25 threads, tool calls,
// approvals, jobs; workspace-seed.ts). A thread with the instance attached and a project
// holding it show what agent.toolset answers each person (its own tools, the instance's
// catalog, which wait for a person, why the rest are not offered), opened by keyboard; a
// viewer sees what a run for them could not use, with why; `autopilot tools` prints the same
// answer. In the instance's own OpenClaw thread a person's @autopilot asks the Autopilot for a
// config change (decision 75), which a second person approves in the queue: the approval
// names that thread (it waits there as a card, and the queue opens it), and the thread keeps
// the decision under the Autopilot's call. Screenshots go to
// test-artifacts/toolset/ (git-ignored).
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project } from "../../../shared/protocol/projects";
import type { AgentToolsetResult } from "../../../shared/protocol/toolset";
import type { AutopilotClient } from "../../src/client";
import { openProject } from "../app-steps";
import { approveInQueue, artifactsIn, openLive, signedInPage } from "../browser-helpers";
import { httpJson, personClient, provisionConnected, runCli, signUpVerified, until } from "../e2e-helpers";
import type { OpenClawStack } from "../openclaw-stack";
import { ISSUE_WORKSPACE, type SeededWorkspace, seedWorkspace, threadTitle } from "../workspace-seed";

/** Registers this part's hooks and tests on the file's OpenClaw stack and browser. */
export function toolsetInApp(stack: OpenClawStack, browser: Browser): void {
  const { shot } = artifactsIn("toolset");
  const VIEWPORT = { width: 1440, height: 900 };
  const PHONE = { width: 390, height: 844 };
  const INSTANCE = "lab";

  let seeded: SeededWorkspace;
  let owner: AutopilotClient;
  let viewerCookie: string;
  let project: Project;
  let threadId: string;
  const contexts: BrowserContext[] = [];
  const clients: AutopilotClient[] = [];

  async function openApp(cookie: string, { thread, viewport = VIEWPORT } = {} as OpenOptions): Promise<Page> {
    const url = stack.server.url;
    const { ctx: context, page } = await signedInPage(browser, url, cookie, { viewport });
    contexts.push(context);
    await openLive(page, `${url}/?w=${seeded.workspace}${thread ? `&thread=${thread}` : ""}`);
    return page;
  }

  interface OpenOptions {
    /** The thread the address opens. */
    thread?: string;
    viewport?: { width: number; height: number };
  }

  /** Opens the section with the keyboard: focus on its summary, Enter. */
  async function openByKeyboard(section: Locator): Promise<void> {
    await section.locator(":scope > summary").focus();
    await section.page().keyboard.press("Enter");
    await section.locator(".toolset-body").waitFor({ timeout: 30_000 });
  }

  /** The tool names the section lists under one group heading of one source. */
  async function listed(section: Locator, heading: RegExp, group: RegExp): Promise<string[]> {
    const source = section
      .locator(".toolset-group")
      .filter({ has: section.page().getByRole("heading", { name: heading }) });
    const kind = source.locator(".toolset-kind").filter({ has: section.page().locator("summary", { hasText: group }) });
    if ((await kind.count()) === 0) return [];
    return (await kind.locator(".toolset-name").allTextContents()).sort();
  }

  const names = (toolset: AgentToolsetResult, source: string, approval: string) =>
    toolset.tools
      .filter((t) => t.source === source && t.approval === approval)
      .map((t) => t.name)
      .sort();

  beforeAll(async () => {
    const url = stack.server.url;
    seeded = await seedWorkspace(url, ISSUE_WORKSPACE, "Toolset");
    owner = personClient(url, seeded.owner.cookie, seeded.workspace, "owner-tools");
    const second = personClient(url, seeded.second.cookie, seeded.workspace, "second-tools");
    clients.push(owner, second);
    await Promise.all([owner.ready(), second.ready()]);
    // A real gateway: provisioned by the owner, approved by the second person.
    await provisionConnected(owner, second, { instanceId: INSTANCE, name: "Lab" });
    threadId = seeded.threadIds[1]!;
    await owner.instances.attach({ instanceId: INSTANCE, threadId });
    await owner.threads.configure({ threadId, responder: "autopilot", reply: "every" });
    project = (
      await seeded.agent.projects.create({
        name: "Release 2.4 launch",
        brief: "Ship release 2.4 to every customer.",
        threadIds: [threadId, seeded.threadIds[2]!, seeded.threadIds[19]!],
        instanceIds: [INSTANCE],
      })
    ).project;
    const viewer = await signUpVerified(url, "Vera");
    const added = await httpJson(url, `/api/workspaces/${seeded.workspace}/members`, {
      method: "POST",
      cookie: seeded.owner.cookie,
      body: JSON.stringify({ email: viewer.email, role: "viewer" }),
    });
    if (added.status !== 201) throw new Error(`adding the viewer failed: ${added.status}`);
    viewerCookie = viewer.cookie;
  }, 600_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    seeded?.close();
    for (const context of contexts) await context.close();
  });

  describe("Autopilot's tools here", () => {
    it("a thread with an instance attached lists the Autopilot's own tools and the instance's, as agent.toolset answers", async () => {
      const answer = await owner.agent.toolset({ threadId });
      expect(answer.instances).toEqual([expect.objectContaining({ instanceId: INSTANCE, catalog: "ready" })]);
      // The real gateway's catalog, some of it waiting for a person (the default risky list).
      expect(names(answer, "instance", "person").length).toBeGreaterThan(0);
      expect(names(answer, "instance", "none").length).toBeGreaterThan(0);

      const page = await openApp(seeded.owner.cookie);
      await openProject(page, "Release 2.4 launch");
      const projectView = page.locator(`.project-view[data-project-id="${project.id}"]`);
      await projectView.getByRole("button", { name: new RegExp(`^${threadTitle(1).slice(0, 20)}`) }).click();
      const thread = page.locator(`.thread-view[data-thread-id="${threadId}"]`);
      const section = thread.getByTestId("toolset");
      await openByKeyboard(section);
      expect(await section.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(true);
      await section.getByRole("heading", { name: "Lab (OpenClaw instance)" }).waitFor();
      const own = /^Its own$/;
      const lab = /^Lab \(OpenClaw instance\)$/;
      expect(await listed(section, own, /^Waits for a person/)).toEqual(names(answer, "autopilot", "person"));
      expect(await listed(section, lab, /^Waits for a person/)).toEqual(names(answer, "instance", "person"));
      // The collapsed groups are in the page too, and open from the keyboard.
      const runs = section.locator(".toolset-group").first().locator(".toolset-kind", { hasText: "Runs when" });
      await runs.locator("summary").focus();
      await page.keyboard.press("Enter");
      expect(await listed(section, own, /^Runs when/)).toEqual(names(answer, "autopilot", "none"));
      expect(await listed(section, own, /^Not available here/)).toEqual(names(answer, "autopilot", "refused"));
      await expect(section.locator("summary").first().textContent()).resolves.toContain(
        `${answer.tools.filter((t) => t.approval !== "refused").length} it can use`,
      );
      await section.scrollIntoViewIfNeeded();
      await section.evaluate((el) => el.scrollTo(0, 0));
      await shot(page, "thread-tools");
      await section.getByRole("heading", { name: "Lab (OpenClaw instance)" }).scrollIntoViewIfNeeded();
      await shot(page, "thread-tools-instance");
    });

    it("a project's view says where the Autopilot can use each instance", async () => {
      const answer = await owner.agent.toolset({ projectId: project.id });
      const page = await openApp(seeded.owner.cookie);
      await openProject(page, "Release 2.4 launch");
      const section = page.locator(`.project-view[data-project-id="${project.id}"]`).getByTestId("toolset");
      await openByKeyboard(section);
      const note = section.locator(".toolset-instance");
      await note.waitFor();
      expect(await note.textContent()).toBe(answer.instances[0]!.why);
      expect(answer.instances[0]!.why).toContain("(in the one thread of this project attached to it)");
      await section.scrollIntoViewIfNeeded();
      await shot(page, "project-tools");
    });

    it("a viewer sees what a run for them could not use, and why", async () => {
      const page = await openApp(viewerCookie);
      await openProject(page, "Release 2.4 launch");
      await page
        .locator(`.project-view[data-project-id="${project.id}"]`)
        .getByRole("button", { name: new RegExp(`^${threadTitle(1).slice(0, 20)}`) })
        .click();
      const section = page.locator(`.thread-view[data-thread-id="${threadId}"]`).getByTestId("toolset");
      await openByKeyboard(section);
      await section.getByText("it may only read", { exact: false }).waitFor();
      const refused = section
        .locator(".toolset-group")
        .first()
        .locator(".toolset-kind", { hasText: "Not available here" });
      await refused.locator("summary").click();
      await refused.getByText("Needs write access, which you do not have here.").first().waitFor();
      expect(await section.locator(".toolset-instance").textContent()).toBe(
        "Needs write access, which you do not have here.",
      );
      await refused.scrollIntoViewIfNeeded();
      await shot(page, "viewer-tools");
    });

    it("autopilot tools --project prints the same answer for an agent's key", async () => {
      const created = await httpJson<{ key: string }>(stack.server.url, `/api/workspaces/${seeded.workspace}/keys`, {
        method: "POST",
        cookie: seeded.owner.cookie,
        body: JSON.stringify({ name: "tools-bot" }),
      });
      const run = await runCli({ url: stack.server.url, workspace: seeded.workspace, key: created.body.key }, [
        "tools",
        "--project",
        project.id,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const printed = JSON.parse(run.stdout) as AgentToolsetResult;
      expect(printed.scopes).toEqual(["read", "write"]);
      // The same tools and approvals the owner's answer has: both act with read and write.
      const fromOwner = await owner.agent.toolset({ projectId: project.id });
      expect(printed.tools.map((t) => [t.name, t.approval])).toEqual(fromOwner.tools.map((t) => [t.name, t.approval]));
    });
  });

  describe("config by chat in the instance's own OpenClaw thread (decision 75)", () => {
    it("a person's @autopilot there proposes the change in words, a second person approves it once in the queue, and the instance's Channels section shows it", async () => {
      const { thread } = await owner.threads.create({ title: "Family on Telegram" });
      // Attached, the instance answers the thread: its own OpenClaw thread.
      await owner.instances.attach({ instanceId: INSTANCE, threadId: thread.id });
      const summary = "only my family may message it on Telegram";
      const patch = { channels: { telegram: { dmPolicy: "allowlist", allowFrom: ["111111", "222222"] } } };
      const title = `Change the config of OpenClaw instance "Lab": ${summary}`;

      const page = await openApp(seeded.owner.cookie, { thread: thread.id });
      const view = page.locator(`.thread-view[data-thread-id="${thread.id}"]`);
      await expect
        .poll(() => view.textContent(), { timeout: 30_000 })
        .toContain("OpenClaw (Lab) answers here; a message naming @autopilot goes to the Autopilot instead");
      const composer = view.getByLabel("Message", { exact: true });
      await composer.fill(
        `@autopilot only answer my family on Telegram. STEPS: instances_proposeConfig ${JSON.stringify({
          instanceId: INSTANCE,
          summary,
          patch,
        })}`,
      );
      await composer.press("Enter");
      // The Autopilot answers in the thread once its tool filed the approval: what it saw is the approval, by its title.
      const answer = view.locator(".message", { hasText: "TOOL RESULT SEEN" });
      await answer.waitFor({ timeout: 60_000 });
      // The reply streams: its first words can show before the tool result's title has arrived.
      await expect.poll(() => answer.textContent(), { timeout: 30_000 }).toContain(summary);
      await view.locator(".tool-message").first().waitFor();
      // The approval names the thread it was asked in, and waits there as a card too.
      const proposal = await until(
        () => [...owner.state.approvals.values()].find((a) => a.title === title),
        "the proposal in the owner's state",
        30_000,
      );
      expect(proposal.threadId).toBe(thread.id);
      const card = view.getByRole("listitem", { name: `Approval: ${title}` });
      await card.waitFor({ timeout: 30_000 });
      await shot(page, "config-by-chat-asked");

      // The second person reads the patch in words in the queue, and approves.
      const second = await openApp(seeded.second.cookie);
      await second.getByRole("tab", { name: /Approvals/ }).click();
      const item = second.locator(".queue-item.status-pending", { hasText: title });
      await item.getByRole("button", { name: title, exact: false }).click();
      const details = second.locator(".approval-view pre.details");
      await expect.poll(() => details.textContent(), { timeout: 30_000 }).toContain(summary);
      expect(await details.textContent()).toContain('"222222"');
      await shot(second, "config-by-chat-approval");
      // The decider opens the conversation it was asked in from the approval.
      await second.locator(".approval-view").getByRole("button", { name: "Family on Telegram" }).click();
      await second
        .locator(`.thread-view[data-thread-id="${thread.id}"] .message`, { hasText: "only answer my family" })
        .first()
        .waitFor({ timeout: 30_000 });
      await approveInQueue(second, title);

      const job = await until(
        () => [...owner.state.jobs.values()].find((j) => j.title === title && j.status !== "running"),
        "the config change's job",
        90_000,
      );
      expect(job).toMatchObject({ status: "succeeded" });
      // The thread shows the outcome where it was asked: the card gone, the decision under the call.
      await expect.poll(() => card.count(), { timeout: 30_000 }).toBe(0);
      const decision = view.locator(".approval-decision.decision-approved", { hasText: title });
      await decision.first().waitFor({ timeout: 30_000 });
      expect(await decision.first().textContent()).toMatch(/^✓ .+ approved: /);
      await shot(page, "config-by-chat-decided");
      // Applied: the gateway reports the new access for Telegram, in the instance's Channels section.
      await second
        .locator(".sidebar .nav-item")
        .filter({ has: second.locator(".nav-title", { hasText: /^Lab$/ }) })
        .click();
      const telegram = second.locator(".instance-channels .channel-row", { hasText: "Telegram" });
      await expect.poll(() => telegram.textContent(), { timeout: 60_000 }).toContain("allowed: 111111, 222222");
      expect(await telegram.textContent()).toContain("DMs: allowlist");
      await telegram.scrollIntoViewIfNeeded();
      await shot(second, "config-by-chat-applied");

      // Exactly one approval, decided once; the gateway's agent was never asked (the post was the Autopilot's).
      const filed = [...owner.state.approvals.values()].filter((a) => a.title === title);
      expect(filed.map((a) => a.status)).toEqual(["approved"]);
      const { messages } = await owner.messages.list({ threadId: thread.id, limit: 50 });
      expect(messages.filter((m) => m.author.id.startsWith("instance:"))).toEqual([]);

      const phone = await openApp(seeded.owner.cookie, { thread: thread.id, viewport: PHONE });
      await phone
        .locator(`.thread-view[data-thread-id="${thread.id}"] .message`, { hasText: "TOOL RESULT SEEN" })
        .waitFor();
      await shot(phone, "config-by-chat-phone");
    }, 300_000);
  });
}
