// Projects in the app, in Chromium on the real server (wrangler dev, the Autopilot on the
// scripted model), in the issue's realistic workspace (25 threads, tool calls, approvals,
// jobs, notes and two canvas groups; workspace-seed.ts). The sidebar lists the room's
// projects; a project opens in the inspector with its brief rendered as Markdown (hostile
// parts as text), its links, threads, instances and files; a person edits the brief and
// adds a thread there, and another person's client sees both; on the canvas each project is
// the frame its threads sit in; a canvas group becomes a project with its threads, whose
// frame takes the group's place. Screenshots go to test-artifacts/projects/ (git-ignored).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentScript } from "../../runtime/test/scripted-model";
import type { Project } from "../../shared/protocol/projects";
import { artifactsIn, openLive, signedInPage, withBrowser } from "./browser-helpers";
import { fitView } from "./canvas-metrics";
import { modelVars, until, withScriptedModel, withServer } from "./e2e-helpers";
import { ISSUE_WORKSPACE, type SeededWorkspace, seedWorkspace, threadTitle } from "./workspace-seed";

const artifacts = artifactsIn("projects");
const VIEWPORT = { width: 1440, height: 900 };

const BRIEF = `## Goal
Ship **release 2.4** to every customer by the end of the month, without a rollback.

## Scope
- The new billing webhooks (idempotent retries)
- Postgres 14 → 16 on the primary and the replicas
- German and French onboarding

## Done when
1. Staging has run the migration twice without a timeout
2. The release notes are [published](https://example.com/notes)

\`\`\`sh
npm run release -- --channel stable
\`\`\`

<script>alert("not a script")</script> and [a trap](javascript:alert(1)).`;

const model = withScriptedModel({ reply: agentScript });
const server = withServer(() => ({ vars: modelVars(model) }));
const browser = withBrowser();
let seeded: SeededWorkspace;
let page: Page;
const projects: Project[] = [];

const shot = (name: string) => artifacts.shot(page, name);

beforeAll(async () => {
  seeded = await seedWorkspace(server.url, ISSUE_WORKSPACE, "Projects");
  const t = seeded.threadIds;
  // Projects as the agent makes them through the client library: three, of realistic size.
  const { agent } = seeded;
  projects.push(
    (
      await agent.projects.create({
        name: "Release 2.4 launch",
        brief: BRIEF,
        links: [
          { url: "https://example.com/spec/release-2.4", title: "Release spec" },
          { url: "https://example.com/board/42", title: "Launch board" },
          { url: "https://status.example.com", title: "" },
        ],
        threadIds: [t[1]!, t[2]!, t[19]!, t[24]!, t[20]!],
      })
    ).project,
    (
      await agent.projects.create({
        name: "Mobile app",
        brief: "Crash-free sessions above 99.5 % on Android and iOS.",
        threadIds: [t[15]!, t[16]!],
      })
    ).project,
    (
      await agent.projects.create({
        name: "Hiring",
        brief: "Two backend engineers before the offsite.",
        threadIds: [t[13]!, t[23]!],
      })
    ).project,
  );
  ({ page } = await signedInPage(browser, server.url, seeded.owner.cookie, { viewport: VIEWPORT }));
  await openLive(page, `${server.url}/?w=${seeded.workspace}`);
  await page.locator(".react-flow__node").first().waitFor({ timeout: 30_000 });
}, 400_000);

afterAll(async () => {
  seeded?.close();
  await page?.context().close();
});

/** An accessible name that starts with (the first 30 characters of) `text`. */
const startsWith = (text: string) => new RegExp(`^${text.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);

const sidebarProjects = () => page.locator("section[aria-labelledby=projects-h]");

/** A node's box on screen. */
const boxOf = async (id: string) => (await page.locator(`.react-flow__node[data-id="${id}"]`).boundingBox())!;
const within = (outer: { x: number; y: number; width: number; height: number }, inner: typeof outer) =>
  inner.x >= outer.x - 1 &&
  inner.y >= outer.y - 1 &&
  inner.x + inner.width <= outer.x + outer.width + 1 &&
  inner.y + inner.height <= outer.y + outer.height + 1;

describe("projects in the app", () => {
  it("on the canvas each project is the frame its threads sit in", async () => {
    // Fitted first: the canvas opens at a legible zoom on part of a graph this size, and
    // renders only the nodes in view, so a frame beyond that view has no element yet.
    await fitView(page);
    for (const p of projects) {
      const frame = page.locator(`.react-flow__node[data-id="project:${p.id}"]`);
      await frame.waitFor({ timeout: 20_000 });
      await expect(frame.locator(".project-label").textContent()).resolves.toContain(p.name);
    }
    for (const p of projects) {
      const frame = await boxOf(`project:${p.id}`);
      for (const threadId of p.threadIds)
        expect(within(frame, await boxOf(`thread:${threadId}`)), `${threadId} inside ${p.name}'s frame`).toBe(true);
    }
    await shot("canvas-frames");
    // A frame opens its project.
    await page.locator(`.react-flow__node[data-id="project:${projects[1]!.id}"] .project-label`).click();
    await page.locator(`.project-view[data-project-id="${projects[1]!.id}"]`).waitFor();
  });

  it("the sidebar lists the room's projects; one opens with its brief as Markdown, hostile parts as text", async () => {
    const section = sidebarProjects();
    for (const p of projects) await section.getByRole("button", { name: new RegExp(p.name) }).waitFor();
    await section.getByRole("button", { name: /Release 2.4 launch/ }).click();
    const view = page.locator(`.project-view[data-project-id="${projects[0]!.id}"]`);
    await view.waitFor();
    const brief = view.locator(".project-brief");
    // Rendered, not shown as source: headings, list items, a code block, a safe link.
    await expect(brief.locator("h2", { hasText: "Goal" }).count()).resolves.toBe(1);
    await expect(brief.locator("li").count()).resolves.toBeGreaterThanOrEqual(5);
    await expect(brief.locator("pre code", { hasText: "npm run release" }).count()).resolves.toBe(1);
    expect(await brief.locator("a", { hasText: "published" }).getAttribute("href")).toBe("https://example.com/notes");
    // The raw HTML shows as its text and runs nothing; the javascript: link is not a link.
    await expect(brief.getByText('<script>alert("not a script")</script>', { exact: false }).count()).resolves.toBe(1);
    await expect(brief.locator("script").count()).resolves.toBe(0);
    await expect(brief.locator('a[href^="javascript"]').count()).resolves.toBe(0);
    // Its links open in a new tab without the opener; its threads by their titles.
    const spec = view.getByRole("link", { name: "Release spec" });
    expect(await spec.getAttribute("target")).toBe("_blank");
    expect(await spec.getAttribute("rel")).toContain("noopener");
    for (const i of [1, 2, 19, 24, 20]) await view.getByRole("button", { name: startsWith(threadTitle(i)) }).waitFor();
    await shot("project-view");
  });

  it("a person edits the brief and adds a thread; the room and another client have it", async () => {
    const view = page.locator(`.project-view[data-project-id="${projects[0]!.id}"]`);
    await view.getByRole("button", { name: "Edit" }).click();
    const editor = page.getByRole("form", { name: "Edit the project" });
    await editor.getByLabel(/^Brief/).fill(`${BRIEF}\n\n## Owner\nAlice runs the launch.`);
    await shot("project-editor");
    await editor.getByRole("button", { name: "Save" }).click();
    await view.locator(".project-brief h2", { hasText: "Owner" }).waitFor();
    const edited = await until(
      () => {
        const p = seeded.agent.state.projects.get(projects[0]!.id);
        return p?.brief.endsWith("Alice runs the launch.") ? p : null;
      },
      "the agent's client to hear of the new brief",
      15_000,
    );
    expect(edited.name).toBe("Release 2.4 launch");

    // Add a thread that is in another project: it moves here.
    const moving = seeded.threadIds[16]!;
    await view.getByLabel("Thread to add").selectOption(moving);
    await view.getByRole("button", { name: "Add", exact: true }).click();
    await until(
      () =>
        seeded.agent.state.projects.get(projects[0]!.id)?.threadIds.includes(moving) &&
        !seeded.agent.state.projects.get(projects[1]!.id)?.threadIds.includes(moving),
      "the thread to move from Mobile app to the launch",
      15_000,
    );
    await view.getByRole("button", { name: startsWith(threadTitle(16)) }).waitFor();
  });

  it("a canvas group becomes a project with its threads, whose frame takes the group's place", async () => {
    const groups = page.locator(".canvas-groups");
    const row = groups.locator(".group-row", { hasText: "Customer escalations" });
    await row.waitFor();
    await row.getByRole("button", { name: "Make project" }).click();
    const made = await until(
      () => [...seeded.agent.state.projects.values()].find((p) => p.name === "Customer escalations"),
      "the group's project",
      15_000,
    );
    // The seed grouped threads 10, 11 and 12: each is in the new project now.
    expect([...made.threadIds].sort()).toEqual([10, 11, 12].map((i) => seeded.threadIds[i]!).sort());
    await page.locator(`.project-view[data-project-id="${made.id}"]`).waitFor();
    await expect(groups.locator(".group-row", { hasText: "Customer escalations" }).count()).resolves.toBe(0);
    // The group held only threads: it went, and the project's frame holds them.
    const nodes = seeded.hatchery.doc.getMap<import("yjs").Map<unknown>>("nodes");
    await until(
      () =>
        ![...nodes.values()].some(
          (m) => m.get("kind") === "group" && (m.get("data") as { label?: string }).label === "Customer escalations",
        ) && made.threadIds.every((t) => nodes.get(`thread:${t}`)?.get("parent") === `project:${made.id}`),
      "the group replaced by the project's frame",
      15_000,
    );
    // The other group (also only threads, none converted) is still there.
    expect(
      [...nodes.values()].some(
        (m) => m.get("kind") === "group" && (m.get("data") as { label?: string }).label === "Release 2.4",
      ),
    ).toBe(true);
    await fitView(page);
    await shot("group-made-project");
  });
});
