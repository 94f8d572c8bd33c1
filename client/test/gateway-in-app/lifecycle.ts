// An OpenClaw instance's whole lifecycle from the browser app: the real server (wrangler
// dev), the real runtime and a real gateway (its model is the scripted one, the only test
// double: a paid external API). A person provisions from the sidebar, then drives Restart,
// Back up now, Restore… and Delete… from the instance's inspector, approving each in the
// app's Approvals queue, and reads the details the room gets from the runtime and gateway.
// Screenshots go to test-artifacts/ (git-ignored).
import type { Browser } from "playwright-core";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { OpenClawStack } from "../openclaw-stack";
import { labProvisionedInApp } from "../app-steps";
import { askerAndApprover } from "../browser-helpers";

/** Registers this part's hooks and tests on the file's OpenClaw stack and browser. */
export function lifecycleInApp(stack: OpenClawStack, browser: Browser): void {
  const { server } = stack;
  const people = askerAndApprover(browser, { height: 900, shots: "lifecycle" });
  const { approve, shot } = people;

  const details = () => people.page.getByLabel("Instance details");
  const fact = (name: string) => details().locator(`dt:text-is("${name}") + dd`);

  describe("an instance's lifecycle in the app", () => {
    it("provision, details, back up, restart, restore a chosen backup and delete — each from the app's buttons, approved in the app", async () => {
      const { page } = people;
      const { workspace, nav } = await labProvisionedInApp(server.url, people, 120_000);

      // The details come from the room, which asks the runtime and the gateway.
      await expect.poll(() => fact("OpenClaw").textContent(), { timeout: 30_000 }).toMatch(/\d{4}\.\d+/);
      expect(await fact("Model").textContent()).toBe("scripted-model");
      expect(await fact("Uptime").textContent()).toMatch(/^up since/);
      // Its month as the room counts it (billing.instanceHours): awake since it started, never asleep yet.
      await expect
        .poll(() => fact("Hours").textContent(), { timeout: 15_000 })
        .toMatch(/^Awake \d+ min this month · never asleep$/);
      // The Billing panel lists the same month for each hosted instance, read from the same call.
      await page.getByRole("tab", { name: "Billing" }).click();
      const hours = page.getByTestId("instance-hours").locator("li", { hasText: "lab" });
      await expect
        .poll(() => hours.textContent(), { timeout: 15_000 })
        .toMatch(/^lab Awake \d+ min this month · never asleep$/);
      await shot("01-billing-hours");
      await page.getByRole("tab", { name: "Inspector" }).click();
      expect(await fact("Last backup").textContent()).toBe("none yet");
      expect(await fact("Scheduled").textContent()).toBe("every 6 h, keeping 7");
      await page.getByText("No backups yet.").waitFor();
      await shot("01-details");

      // Its own tools, under its details: one off the risky list runs at once, its answer shown as text.
      const tools = page.getByRole("region", { name: "Tools" });
      await tools.getByText(/tools of its agent/).click();
      await tools.locator('[data-tool="agents_list"]').getByRole("button", { name: "Run…" }).click();
      await tools.getByRole("button", { name: "Run agents_list" }).click();
      await expect.poll(() => tools.locator(".tool-output").textContent(), { timeout: 30_000 }).toContain('"main"');

      // State the gateway keeps in its workspace, before and after the backup.
      const marker = join(stack.dataDir, "instances", workspace, "lab", "workspace", "marker.txt");
      writeFileSync(marker, "before the backup");
      await page.getByRole("button", { name: "Back up now" }).click();
      // What is under way shows from the room's state: the pending approval, then its job.
      const underWay = page.locator(".instance-lifecycle").getByRole("status");
      await underWay.getByText('Backup waiting for approval (“Back up OpenClaw instance "lab"”)').waitFor();
      await approve('Back up OpenClaw instance "lab"');
      const restoreButton = page.getByRole("button", { name: /^Restore backup / });
      // A failure says what the panel showed instead (a details error, still loading, no backup listed).
      await restoreButton
        .first()
        .waitFor({ timeout: 120_000 })
        .catch(async (error: Error) => {
          const panel = await page
            .locator(".instance-lifecycle")
            .textContent()
            .catch(() => "(no panel)");
          throw new Error(`${error.message}\nthe instance's panel showed:\n${panel}`);
        });
      expect(await restoreButton.count()).toBe(1);
      // Its job done (the runtime may list the backup a moment before), nothing is left to say.
      await expect.poll(() => underWay.count(), { timeout: 30_000 }).toBe(0);
      expect(await fact("Last backup").textContent()).toMatch(/ago|just now|s$/);
      writeFileSync(marker, "after the backup");
      await shot("02-backed-up");

      // Restart asks first, in a dialog that says what happens; Escape would cancel.
      await page.getByRole("button", { name: "Restart" }).click();
      const dialog = page.getByRole("dialog", { name: "Restart lab?" });
      await dialog.getByText("running chats are interrupted").waitFor();
      await shot("03-restart-confirm");
      // A restart is a phase, not a failure: from here until its job is done the gateway is
      // shown restarting and never offline (the page records every time either is on screen:
      // the phase may be over before a locator would look).
      await page.evaluate(() => {
        const w = window as unknown as { offlineSeen: string[]; restartingSeen: boolean };
        w.offlineSeen = [];
        w.restartingSeen = false;
        const look = () => {
          for (const el of document.querySelectorAll(".bridge-offline")) w.offlineSeen.push(el.textContent ?? "");
          for (const el of document.querySelectorAll(".bridge-connecting"))
            if (el.textContent?.includes("Restarting…")) w.restartingSeen = true;
        };
        new MutationObserver(look).observe(document.body, {
          subtree: true,
          childList: true,
          characterData: true,
          attributes: true,
        });
      });
      await dialog.getByRole("button", { name: "Ask to restart" }).click();
      await approve('Restart OpenClaw instance "lab"');
      await expect.poll(() => fact("Restarts").textContent(), { timeout: 120_000 }).toBe("1");
      // Done when its job is: the details reload then, and the gateway is up again.
      await page.getByRole("tab", { name: "Jobs" }).click();
      await page
        .locator(".queue-item.status-succeeded", { hasText: "Restart OpenClaw instance" })
        .waitFor({ timeout: 120_000 });
      await page.getByRole("tab", { name: "Inspector" }).click();
      await expect.poll(() => fact("Uptime").textContent(), { timeout: 30_000 }).toMatch(/^up since/);
      await page.locator(".sidebar .bridge-connected", { hasText: "Gateway connected" }).waitFor({ timeout: 60_000 });
      const seen = await page.evaluate(() => {
        const w = window as unknown as { offlineSeen: string[]; restartingSeen: boolean };
        return { offlineSeen: w.offlineSeen, restartingSeen: w.restartingSeen };
      });
      expect(seen.restartingSeen).toBe(true);
      expect(seen.offlineSeen).toEqual([]);
      // A restart keeps the state.
      expect(readFileSync(marker, "utf8")).toBe("after the backup");

      // Restore the chosen backup: the dialog says what is lost and what is not.
      const backupId = (await restoreButton.first().getAttribute("aria-label"))!.replace("Restore backup ", "");
      await restoreButton.first().click();
      const restoreDialog = page.getByRole("dialog", { name: "Restore lab from this backup?" });
      await restoreDialog.getByText("this workspace's threads and messages are not touched").waitFor();
      await shot("04-restore-confirm");
      await restoreDialog.getByRole("button", { name: "Ask to restore" }).click();
      await approve('Restore OpenClaw instance "lab" from a backup');
      await expect
        .poll(
          () =>
            details()
              .locator('dt:text-is("Restored from") + dd')
              .textContent()
              .catch(() => null),
          { timeout: 120_000 },
        )
        .toBe(backupId);
      await page.getByRole("tab", { name: "Jobs" }).click();
      await page
        .locator(".queue-item.status-succeeded", { hasText: "Restore OpenClaw instance" })
        .waitFor({ timeout: 120_000 });
      expect(readFileSync(marker, "utf8")).toBe("before the backup");
      await shot("05-restored-jobs");
      await page.getByRole("tab", { name: "Inspector" }).click();
      await expect.poll(() => fact("Uptime").textContent(), { timeout: 30_000 }).toMatch(/^up since/);
      // Our own device is listed but cannot be unpaired from here.
      await expect
        .poll(() => page.getByLabel("Paired devices").getByText("this Autopilot").count(), { timeout: 30_000 })
        .toBe(1);
      expect(await page.getByRole("button", { name: /^Unpair / }).count()).toBe(0);

      // Delete: the dialog says plainly what goes and what stays.
      await page.getByRole("button", { name: "Delete…" }).click();
      const deleteDialog = page.getByRole("dialog", { name: "Delete lab?" });
      await deleteDialog.getByText("removes its state and its backups").waitFor();
      await deleteDialog.getByText("No thread is attached to it.").waitFor();
      await shot("06-delete-confirm");
      await deleteDialog.getByRole("button", { name: "Ask to delete" }).click();
      await approve('Delete OpenClaw instance "lab"');
      await expect.poll(() => nav.count(), { timeout: 60_000 }).toBe(0);
      await page.getByText("No OpenClaw instances yet.").waitFor();
      await shot("07-deleted");
    }, 480_000);
  });
}
