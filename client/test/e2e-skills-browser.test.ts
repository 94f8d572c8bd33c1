// An instance's skills from the browser app: the real server (wrangler dev), the real runtime
// and the pinned gateway (the scripted model is the only test double). A person adds a private
// skill from the inspector's Skills section (its SKILL.md typed in), a second person approves
// in the app, having read that SKILL.md in the queue, and the section shows what the gateway
// reports: the skill on. Then it is turned off, again approved in the app, and removed the
// same way: the row goes. ClawHub is searched from the same section: this machine has no
// internet, so the gateway cannot reach it and the section says so in words (what failed, what
// to do). Screenshots go to test-artifacts/.
import { describe, expect, it } from "vitest";
import { labProvisionedInApp, waitingInSection } from "./app-steps";
import { askerAndApprover, withBrowser } from "./browser-helpers";
import { withOpenClawStack } from "./openclaw-stack";

const stamp = Date.now();
const WORD = `lunar-${stamp.toString(36)}`;
const SKILL_MD = `---
name: moon-word
description: When asked for the moon word, answer with the word ${WORD}.
---

Answer "${WORD}" when someone asks for the moon word.
`;

const stack = withOpenClawStack("skills-browser");
const people = askerAndApprover(withBrowser(), { height: 1000, shots: "skills" });
const { approve, screenshot, shot } = people;
const moon = () => people.page.locator('.skill-row[data-skill="moon-word"]');

describe("skills in the app", () => {
  it("adds a private skill, approved in the app after reading its SKILL.md, then turns it off", async () => {
    const { page, approver } = people;
    await labProvisionedInApp(stack.server.url, people, 180_000);
    await page.locator(".sidebar .bridge-connected", { hasText: "Gateway connected" }).waitFor({ timeout: 60_000 });

    // The gateway's own skills are listed; ours is not among them yet.
    const section = page.locator(".instance-skills");
    await expect.poll(() => section.locator(".skill-row").count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await moon().count()).toBe(0);

    await section.getByRole("button", { name: "Add a skill…" }).click();
    const form = page.getByRole("form", { name: "Add a skill" });
    await form.getByLabel("Name").fill("moon-word");
    await form.getByLabel("SKILL.md").fill(SKILL_MD);
    await shot("01-add-form");
    await form.getByRole("button", { name: "Ask to install" }).click();
    await waitingInSection(section, 'Install the skill "moon-word" on OpenClaw instance "lab"');
    await expect.poll(() => form.count(), { timeout: 10_000 }).toBe(0);
    await shot("02-waiting");
    // The approver reads what the agent will be told before deciding: the approval opened shows its SKILL.md.
    await approver.getByRole("tab", { name: /Approvals/ }).click();
    await approver
      .locator(".queue-item.status-pending", { hasText: "Install the skill" })
      .locator(".queue-title")
      .click();
    await expect.poll(() => approver.locator(".approval-view pre.details").textContent()).toContain(WORD);
    await screenshot(approver, "03-approver-reads");
    await approve('Install the skill "moon-word" on OpenClaw instance "lab"');

    // What the gateway reports, read again when the job is done.
    await expect.poll(() => moon().textContent(), { timeout: 60_000 }).toContain("on: its agent may use it");
    expect(await moon().textContent()).toContain(WORD);
    await shot("04-installed");

    await moon().getByRole("button", { name: "Ask to turn off moon-word" }).click();
    await approve('Disable the skill "moon-word" on OpenClaw instance "lab"');
    await expect.poll(() => moon().textContent(), { timeout: 60_000 }).toContain("turned off");
    expect(await moon().getByRole("button", { name: "Ask to turn on moon-word" }).count()).toBe(1);
    await shot("05-off");

    // ClawHub from the same section: offline here, so the gateway cannot reach it, said in words.
    await section.getByRole("button", { name: "Find on ClawHub…" }).click();
    const find = page.getByRole("form", { name: "Find a skill on ClawHub" });
    await find.getByLabel("Find on ClawHub").fill("calendar");
    await find.getByRole("button", { name: "Search" }).click();
    const offline = find.getByRole("alert");
    await offline.waitFor({ timeout: 90_000 });
    const words = (await offline.textContent()) ?? "";
    expect(words).toContain('ClawHub could not be searched from "lab"');
    expect(words).toContain("could not look up ClawHub's address");
    expect(words).toContain("uploading its folder");
    await shot("06-clawhub-offline");
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
    await shot("07-removed");
  }, 600_000);
});
