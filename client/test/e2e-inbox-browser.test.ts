// Attention in and out of the app (docs/inbox.md): the real server (wrangler dev, as
// `npm start` runs it) and two people in two Chromium contexts. Bob asks for an instance;
// the approval shows up live in Alice's inbox, with the unread count in her tab's title
// and a browser notification (the permission granted through the browser context, the
// notification captured by wrapping window.Notification before the app loads). Having set
// a short e-mail delay, Alice finds the mail in the dev outbox; its link opens the
// approval in the app, she decides it there, and it leaves her inbox. Then, as the owner, she
// sets the workspace's reminder ladder in Settings and her quiet hours in her notification
// settings, and the room holds both (docs/access.md "Who is told"). Screenshots go to
// test-artifacts/ (git-ignored).
import type { BrowserContext, Locator, Page } from "playwright-core";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { openPage, PASSWORD, screenshots, twoPeopleInOneWorkspace, withBrowser, withPeople } from "./browser-helpers";
import type { ReminderLadder } from "../../shared/protocol/settings";
import { notYet, personClient, withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
const browser = withBrowser();
const people = withPeople(browser, ["alice", "bob"]);

const shot = screenshots("inbox");

/** Runs in the page before the app: every notification the app shows is recorded in `window.__notifications`. */
function captureNotifications() {
  const Real = window.Notification;
  const shown: { title: string; body: string | undefined; tag: string | undefined }[] = [];
  (window as unknown as { __notifications: typeof shown }).__notifications = shown;
  class Captured extends Real {
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, body: options?.body, tag: options?.tag });
      super(title, options);
    }
  }
  Object.defineProperty(Captured, "permission", { get: () => Real.permission });
  Object.defineProperty(Captured, "requestPermission", {
    value: (...args: Parameters<typeof Real.requestPermission>) => Real.requestPermission(...args),
  });
  window.Notification = Captured as typeof Notification;
}

/** Scrolls what `locator` finds to the top of its scroller, for a screenshot of what follows it. */
const toTop = (locator: Locator) => locator.evaluate((el) => el.scrollIntoView({ block: "start" }));

const notifications = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { __notifications: { title: string; body?: string; tag?: string }[] }).__notifications,
  );

/** The newest mail in the person's dev outbox whose subject names `text`, once there is one. */
async function mailAbout(
  ctx: BrowserContext,
  text: string,
  timeoutMs: number,
): Promise<{ subject: string; link: string }> {
  return vi.waitFor(
    async () => {
      const res = await ctx.request.get(`${server.url}/api/dev/mail`);
      const { mails } = (await res.json()) as { mails: { subject: string; link: string }[] };
      return (
        mails.find((m) => m.subject.includes(text)) ??
        notYet(`no mail about ${text}: ${JSON.stringify(mails.map((m) => m.subject))}`)
      );
    },
    { timeout: timeoutMs, interval: 250 },
  );
}

beforeAll(async () => {
  await people.alice.ctx.grantPermissions(["notifications"], { origin: server.url });
  await people.alice.ctx.addInitScript(captureNotifications);
});

describe("the inbox in the app", () => {
  it("another person's approval reaches the first person's inbox live, in the tab's title and as a notification, then by e-mail; the mail opens it, and deciding it empties the inbox", async () => {
    const { alice, bob } = people;
    const workspace = await twoPeopleInOneWorkspace(
      server.url,
      { page: alice.page, name: "Alice", email: alice.email },
      { page: bob.page, name: "Bob", email: bob.email },
    );
    const title = "Autopilot — Alice's workspace";
    await expect.poll(() => alice.page.title()).toBe(title);

    // Alice opens her inbox, turns on notifications (the permission is already granted: the
    // app asks only on this click) and wants mail after a few seconds.
    await alice.page.getByRole("button", { name: /^Inbox/ }).click();
    await alice.page.getByText("Nothing waiting").waitFor();
    await alice.page.getByRole("button", { name: "Turn on browser notifications" }).click();
    await alice.page.getByRole("button", { name: "Turn off browser notifications" }).waitFor();
    await alice.page.getByText("Notification settings").click();
    await alice.page.getByLabel("E-mail after (minutes unread)").fill("0.05");
    await alice.page.getByRole("button", { name: "Save" }).click();
    await alice.page.getByText("Saved.").waitFor();

    // Bob asks for an instance: Alice may decide it, Bob only confirm it as his own.
    await bob.page.getByLabel("New instance id").fill("lab");
    await bob.page.getByRole("button", { name: "Provision" }).click();
    const approvalTitle = 'Provision OpenClaw instance "lab"';

    const item = alice.page.locator(".inbox-item.unread", { hasText: approvalTitle });
    await item.waitFor({ timeout: 10_000 });
    await expect.poll(() => alice.page.title()).toBe(`(1) ${title}`);
    expect(await alice.page.getByTestId("inbox-badge").textContent()).toBe("1");
    await expect
      .poll(() => notifications(alice.page))
      .toEqual([expect.objectContaining({ title: approvalTitle, tag: expect.stringMatching(/^approval:/) })]);
    // It can be decided right there; it says what it will do and who asked.
    expect(await item.getByRole("button", { name: "Approve" }).isEnabled()).toBe(true);
    await item.getByText(/A new OpenClaw instance “lab” starts for this workspace/).waitFor();
    await shot(alice.page, "01-approval-in-inbox");
    // Bob asked for it: it waits in his inbox too, for his own explicit confirm.
    await bob.page.getByRole("button", { name: /^Inbox/ }).click();
    await bob.page
      .locator(".inbox-item", { hasText: approvalTitle })
      .getByRole("button", { name: "Confirm" })
      .waitFor();

    // The mail for what waited too long, with a link into the app.
    const mail = await mailAbout(alice.ctx, approvalTitle, 20_000);
    expect(mail.subject).toMatch(/^An approval is waiting for you/);
    const link = new URL(mail.link);
    expect(link.origin).toBe(server.url);
    expect(link.searchParams.get("w")).toBe(workspace);

    // The link opens the approval in the app; Alice decides it there.
    await alice.page.goto(mail.link);
    const view = alice.page.locator(".approval-view");
    await view.getByRole("heading", { name: approvalTitle }).waitFor({ timeout: 20_000 });
    await shot(alice.page, "02-mail-link-opens-approval");
    await view.getByRole("button", { name: "Deny" }).click();
    await view.locator(".chip-denied").waitFor();

    // Decided, it leaves her inbox and the title.
    await expect.poll(() => alice.page.title()).toBe(title);
    await alice.page.getByRole("button", { name: /^Inbox/ }).click();
    await alice.page.getByText("Nothing waiting").waitFor();
    await shot(alice.page, "03-decided-inbox-empty");

    // The owner reads how approvals reached people in the approvals view: this one decided,
    // none expired unseen, and a time to its first notice (the room's approvals.figures).
    await alice.page
      .getByRole("button", { name: /^Approvals/ })
      .first()
      .click();
    const figures = alice.page.getByTestId("approval-figures");
    await figures.getByText("Decided 1").waitFor({ timeout: 15_000 });
    const line = (await figures.textContent()) ?? "";
    expect(line).toContain("expired with nobody told 0");
    expect(line).not.toContain("first notice none yet");
    await shot(alice.page, "03b-approval-figures");
    // Back to her inbox, where the next case finds her.
    await alice.page.getByRole("button", { name: /^Inbox/ }).click();
    await alice.page.getByText("Nothing waiting").waitFor();
  });

  it("a mention reaches the person named and opens the thread, which marks it read; following the thread brings its replies", async () => {
    const { alice, bob } = people;
    const title = "Autopilot — Alice's workspace";
    await bob.page.getByLabel("New thread title").fill("Plans");
    await bob.page.getByRole("button", { name: "Create", exact: true }).click();
    await bob.page.locator(".sidebar").getByRole("button", { name: /Plans/ }).click();
    await bob.page.getByLabel("Message", { exact: true }).fill("@Alice can you look?");
    await bob.page.getByLabel("Message", { exact: true }).press("Enter");

    const mention = alice.page.locator(".inbox-item.unread", { hasText: "Bob mentioned you" });
    await mention.waitFor({ timeout: 10_000 });
    await expect.poll(() => alice.page.title()).toBe(`(1) ${title}`);
    await expect.poll(async () => (await notifications(alice.page)).map((n) => n.title)).toContain("Bob mentioned you");
    await mention.getByRole("button").click();
    const thread = alice.page.locator(".thread-view");
    await thread.getByRole("heading", { name: "Plans" }).waitFor();
    await expect.poll(() => alice.page.title()).toBe(title);

    // Alice never wrote there: she follows it on purpose and turns to her inbox; Bob's next message is a reply for her.
    await thread.getByRole("button", { name: "Follow", exact: true }).click();
    await thread.getByRole("button", { name: "Following" }).waitFor();
    await alice.page.getByRole("tab", { name: /^Inbox/ }).click();
    await bob.page.getByLabel("Message", { exact: true }).fill("the plan is ready");
    await bob.page.getByLabel("Message", { exact: true }).press("Enter");
    await expect.poll(() => alice.page.title()).toBe(`(1) ${title}`);
    await expect
      .poll(async () => (await notifications(alice.page)).map((n) => n.title))
      .toContain("2 replies in “Plans”");
    await shot(alice.page, "04-followed-thread-reply");

    // She opens it; what arrives while she watches is read as it comes (it used to stay unread in her inbox).
    await alice.page.locator(".inbox-item.unread", { hasText: "2 replies in “Plans”" }).getByRole("button").click();
    await thread.getByRole("heading", { name: "Plans" }).waitFor();
    await expect.poll(() => alice.page.title()).toBe(title);
    await bob.page.getByLabel("Message", { exact: true }).fill("and the budget too");
    await bob.page.getByLabel("Message", { exact: true }).press("Enter");
    await thread.getByText("and the budget too").waitFor();

    // Another device: a fresh sign-in finds the thread read and its replies read in the inbox, as the room keeps them.
    const { ctx: device, page } = await openPage(browser, "alice, second device");
    await page.goto(server.url);
    await page.getByLabel("Email").fill(alice.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await page.locator(".sidebar .nav-item:not(.unread)", { hasText: "Plans" }).waitFor();
    await page.getByRole("tab", { name: /^Inbox/ }).click();
    await page.locator(".inbox-item.read", { hasText: "3 replies in “Plans”" }).waitFor();
    await expect.poll(() => page.title()).toBe(title);
    await shot(page, "05-second-device-read");
    await device.close();
  });

  it("the owner sets the reminder ladder in Settings and her quiet hours in her notification settings; the room holds both and a member reads the ladder", async () => {
    const { alice, bob } = people;
    const page = alice.page;
    const workspace = await page.locator("#workspace-switcher").inputValue();
    const cookie = (await alice.ctx.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    // Another of Alice's connections, open before the change: what it is told is what the room holds.
    const watcher = personClient(server.url, cookie, workspace, "watcher");
    await watcher.ready();
    try {
      expect(watcher.state.settings.approvals.reminders).toBeUndefined();
      await page.getByRole("button", { name: "Members & keys" }).click();
      const dialog = page.getByRole("dialog");
      const ladder = dialog.locator("form.reminder-ladder");
      await toTop(dialog.getByRole("heading", { name: "Reminders while nobody decides" }));
      const minutesOf = (n: number) => ladder.getByLabel(`Step ${n}: minutes after it was asked for`);
      const does = (n: number) => ladder.getByLabel(`Step ${n}: what it does`);
      // Unset, the ladder shown is the room's default: 5 minutes another surface, 15 the admins, 60 the owners.
      expect(await minutesOf(1).inputValue()).toBe("5");
      expect(await does(2).inputValue()).toBe("admins");
      expect(await minutesOf(3).inputValue()).toBe("60");

      // A wait the room does not take is refused in words, and nothing is saved.
      await minutesOf(1).fill("0");
      await ladder.getByRole("button", { name: "Save reminders" }).click();
      await ladder.getByRole("alert").getByText("Step 1: enter how many minutes").waitFor();
      // By keyboard: 2 minutes, then 10 for the admins; the owners' step goes, and a new one for high and critical risk only.
      await minutesOf(1).fill("2");
      await minutesOf(2).fill("10");
      await ladder.getByRole("button", { name: "Remove step 3" }).click();
      await ladder.getByRole("button", { name: "Add a step" }).focus();
      await page.keyboard.press("Enter");
      await minutesOf(3).fill("30");
      await does(3).selectOption("owners");
      await ladder.getByLabel("Step 3: for low risk").uncheck();
      await ladder.getByLabel("Step 3: for medium risk").press("Space");
      await ladder.getByRole("button", { name: "Save reminders" }).press("Enter");
      await ladder.getByRole("status").getByText("Saved.").waitFor();
      const expected: ReminderLadder = [
        { afterMs: 2 * 60_000, add: "surface" },
        { afterMs: 10 * 60_000, add: "admins" },
        { afterMs: 30 * 60_000, add: "owners", risks: ["high", "critical"] },
      ];
      await expect.poll(() => watcher.state.settings.approvals.reminders, { timeout: 10_000 }).toEqual(expected);
      expect(await minutesOf(1).inputValue()).toBe("2");
      expect(await minutesOf(3).inputValue()).toBe("30");
      await toTop(dialog.getByRole("heading", { name: "Reminders while nobody decides" }));
      await shot(page, "06-reminder-ladder-light");
      await page.emulateMedia({ colorScheme: "dark" });
      await shot(page, "07-reminder-ladder-dark");
      await page.setViewportSize({ width: 390, height: 844 });
      await toTop(dialog.getByRole("heading", { name: "Reminders while nobody decides" }));
      await shot(page, "08-reminder-ladder-phone-dark");
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: "light" });
      await page.keyboard.press("Escape");

      // Bob, a member, reads the ladder in words and has nothing to change.
      await bob.page.getByRole("button", { name: "Members & keys" }).click();
      const read = bob.page.getByRole("dialog").locator(".reminder-steps.read-only");
      await read.getByText("After 2 minutes: remind on another surface").waitFor();
      await read.getByText("After 30 minutes: add the owners (high and critical risk only)").waitFor();
      expect(await bob.page.getByRole("dialog").getByRole("button", { name: "Save reminders" }).count()).toBe(0);
      await bob.page.keyboard.press("Escape");

      // Her quiet hours, in her notification settings: the same start and end is refused in words.
      await page.getByRole("button", { name: /^Inbox/ }).click();
      const preferences = page.locator("details.inbox-preferences");
      if (!(await preferences.evaluate((el) => (el as HTMLDetailsElement).open)))
        await preferences.getByText("Notification settings").click();
      const quiet = preferences.getByRole("group", { name: "Quiet hours" });
      await quiet.getByLabel("Keep quiet hours").check();
      await quiet.getByLabel("From", { exact: true }).fill("23:00");
      await quiet.getByLabel("To", { exact: true }).fill("23:00");
      await quiet.getByLabel("Find a time zone").fill("tokyo");
      expect(await quiet.getByLabel("Time zone", { exact: true }).inputValue()).toBe("Asia/Tokyo");
      await preferences.getByRole("button", { name: "Save", exact: true }).click();
      await preferences.getByRole("alert").getByText("Quiet hours start and end at the same time").waitFor();
      await quiet.getByLabel("To", { exact: true }).fill("06:30");
      await preferences.getByRole("button", { name: "Save", exact: true }).click();
      await preferences.getByText("Saved.").waitFor();
      await expect
        .poll(async () => (await watcher.inbox.get({})).inbox.preferences.quietHours, { timeout: 10_000 })
        .toEqual({ timeZone: "Asia/Tokyo", from: "23:00", to: "06:30" });
      await toTop(quiet);
      await shot(page, "09-quiet-hours-light");
      await page.emulateMedia({ colorScheme: "dark" });
      await shot(page, "10-quiet-hours-dark");
      // On a phone the inbox is a section of its own, from the bottom bar.
      await page.setViewportSize({ width: 390, height: 844 });
      await page
        .getByRole("navigation", { name: "Sections" })
        .getByRole("button", { name: /^Inbox/ })
        .click();
      await toTop(quiet);
      await shot(page, "11-quiet-hours-phone-dark");
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: "light" });

      // A fresh load shows what the room holds.
      await page.reload();
      await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
      await page.getByRole("button", { name: /^Inbox/ }).click();
      const reloaded = page.locator("details.inbox-preferences");
      await reloaded.getByText("Notification settings").click();
      const again = reloaded.getByRole("group", { name: "Quiet hours" });
      expect(await again.getByLabel("Keep quiet hours").isChecked()).toBe(true);
      expect(await again.getByLabel("From", { exact: true }).inputValue()).toBe("23:00");
      expect(await again.getByLabel("To", { exact: true }).inputValue()).toBe("06:30");
      expect(await again.getByLabel("Time zone", { exact: true }).inputValue()).toBe("Asia/Tokyo");
    } finally {
      watcher.close();
    }
  });
});
