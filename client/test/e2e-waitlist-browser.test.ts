// Sign-up as a waitlist, end to end in Chromium against the real server (wrangler dev with
// SIGNUP_MODE=waitlist and one operator in ADMIN_EMAILS): a newcomer lands on the waiting
// screen, the operator approves them in /admin from another browser context, and the
// newcomer's tab opens the app in place, without a reload; the operator sees the new
// workspace's balance and grants it credits, and moderates the public community (a report
// filed in the app, a hide every reader sees). Screenshots: test-artifacts/.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { AutopilotClient } from "../src/client";
import { approveInQueue, openPages, PASSWORD, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { createKey, ownWorkspace, withServer } from "./e2e-helpers";

const stamp = Date.now();
const OPERATOR = { name: "Olivia", email: `operator-${stamp}@example.test` };
const NEWCOMER = { name: "Nia", email: `nia-${stamp}@example.test` };

const server = withServer({ vars: { SIGNUP_MODE: "waitlist", ADMIN_EMAILS: OPERATOR.email } });
const browser = withBrowser();
let operator: Page;
let newcomer: Page;

const shot = screenshots("waitlist");

beforeAll(async () => {
  [operator, newcomer] = await openPages(browser, ["operator", "newcomer"]);
});

describe("sign-up as a waitlist", () => {
  it("waiting screen → an operator approves in /admin → the app opens in the same tab, no reload", async () => {
    // The operator (ADMIN_EMAILS) never waits.
    await signUpInUi(operator, server.url, OPERATOR.name, OPERATOR.email);

    await newcomer.goto(server.url);
    await newcomer.getByRole("tab", { name: "Create account" }).click();
    await newcomer.getByLabel("Name").fill(NEWCOMER.name);
    await newcomer.getByLabel("Email").fill(NEWCOMER.email);
    await newcomer.getByLabel("Password").fill(PASSWORD);
    await newcomer.getByRole("button", { name: "Create account" }).click();
    await newcomer.getByRole("heading", { name: "You’re on the waitlist" }).waitFor({ timeout: 20_000 });
    await newcomer.getByText("Waiting for approval").waitFor();
    // Survives only if the document is never replaced: a reload would drop it.
    await newcomer.evaluate(() => Object.assign(window, { sameDocument: true }));
    let navigations = 0;
    newcomer.on("framenavigated", (frame) => {
      if (frame === newcomer.mainFrame()) navigations++;
    });
    await shot(newcomer, "01-waiting");

    // An agent of the operator's own workspace asks and the operator approves it in the app:
    // /admin reads it back among that workspace's approval figures.
    const cookie = (await operator.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const ownWs = await ownWorkspace(server.url, cookie);
    const apiKey = await createKey(server.url, cookie, ownWs, { name: "deployer" });
    const agent = new AutopilotClient({ url: server.url, workspace: ownWs, device: "ci", apiKey });
    await agent.ready();
    await agent.approvals.request({ title: "Deploy v5", details: "" });
    await approveInQueue(operator, "Deploy v5");
    agent.close();

    await operator.getByRole("link", { name: "Admin" }).click();
    const row = operator.getByTestId(`admin-user-${NEWCOMER.email}`);
    await row.getByText("Waitlisted").waitFor({ timeout: 20_000 });
    await expect.poll(() => operator.getByTestId(`admin-user-${OPERATOR.email}`).textContent()).toContain("operator");
    await shot(operator, "02-admin-before");
    await operator.getByRole("button", { name: `Approve ${NEWCOMER.email}` }).click();
    await row.getByText("Active").waitFor();
    await operator.getByRole("cell", { name: `${NEWCOMER.name}'s workspace`, exact: true }).waitFor();
    await shot(operator, "03-admin-approved");

    // The new workspace's money, read from its room: the default plan's credits, nothing spent.
    const workspaceName = `${NEWCOMER.name}'s workspace`;
    const workspaceRow = operator.locator("tr", {
      has: operator.getByRole("cell", { name: workspaceName, exact: true }),
    });
    await workspaceRow.getByTestId("balance").getByText("100,000").waitFor({ timeout: 20_000 });
    expect(await workspaceRow.getByTestId("period-used").textContent()).toBe("0");
    expect(await operator.getByLabel(`Plan of ${workspaceName}`).inputValue()).toBe("standard");
    // A grant by hand: the balance the room answers with, and the note the ledger keeps.
    await operator.getByRole("button", { name: `Grant credits to ${workspaceName}` }).click();
    await operator.getByLabel(`Credits to grant to ${workspaceName}`).fill("2500");
    await operator.getByLabel(`Why grant credits to ${workspaceName}`).fill("Welcome credits");
    await operator.getByRole("button", { name: "Grant", exact: true }).click();
    await operator.getByRole("status").getByText("Granted 2,500 credits.").waitFor();
    await workspaceRow.getByTestId("balance").getByText("102,500").waitFor();
    await shot(operator, "03b-admin-granted");

    // How approvals reached people, per workspace, as each room counts them.
    await workspaceRow.getByTestId("approval-figures").getByText("No approvals yet", { exact: true }).waitFor();
    const ownRow = operator.locator("tr", {
      has: operator.getByRole("cell", { name: `${OPERATOR.name}'s workspace`, exact: true }),
    });
    const figures = ownRow.getByTestId("approval-figures");
    await figures.getByText("1 decided", { exact: false }).waitFor({ timeout: 20_000 });
    expect(await figures.textContent()).toMatch(
      /^1 decided · 0 expired with someone told · 0 expired with nobody told · first notice p50 (under 1|\d+) s, p95 (under 1|\d+) s · decided p50 (under 1 s|\d+ s|\d+ min), p95 (under 1 s|\d+ s|\d+ min)$/,
    );
    await figures.scrollIntoViewIfNeeded();
    await shot(operator, "03c-admin-approval-figures");

    // The waiting tab learns of the approval by itself and opens the workspace, live.
    await newcomer.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await expect
      .poll(() => newcomer.locator("#workspace-switcher").locator("option").first().textContent())
      .toBe(`${NEWCOMER.name}'s workspace`);
    expect(await newcomer.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(navigations).toBe(0);
    await expect(newcomer.getByRole("link", { name: "Admin" }).count()).resolves.toBe(0);
    await shot(newcomer, "04-approved-app");
  });

  it("a report in the public community reaches /admin; the operator's hide takes the post from every reader, live", async () => {
    const text = `Cheap watches, today only ${stamp}`;
    // The newcomer posts in the public community from the Community tab.
    await newcomer.getByRole("tab", { name: "Community" }).click();
    await newcomer.getByRole("button", { name: "Public", exact: true }).click();
    await newcomer.getByLabel("Write a post").fill(text);
    await newcomer.getByRole("button", { name: "Post", exact: true }).click();
    const posted = newcomer.locator("article", { hasText: text });
    await posted.waitFor();
    // The operator reads it in their own workspace's Community tab and reports it.
    await operator.goto(server.url);
    await operator.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await operator.getByRole("tab", { name: "Community" }).click();
    await operator.getByRole("button", { name: "Public", exact: true }).click();
    const seen = operator.locator("article", { hasText: text });
    await seen.getByRole("button", { name: "Report", exact: true }).click();
    await operator.getByLabel("What is wrong").fill("spam links");
    await operator.getByRole("button", { name: "Send report" }).click();
    await seen.getByText("Reported", { exact: true }).waitFor();
    // No workspace moderates it: the report is the operators', in /admin.
    await operator.goto(`${server.url}/admin`);
    const queue = operator.getByRole("region", { name: "Reports in the public community" });
    const item = queue.getByTestId("moderation-item").filter({ hasText: text });
    await item.getByText("spam links", { exact: false }).waitFor({ timeout: 20_000 });
    await item.scrollIntoViewIfNeeded();
    await shot(operator, "08-admin-public-report");
    await item.getByRole("button", { name: "Hide post" }).click();
    await item.waitFor({ state: "detached" });
    await queue.getByText(`hidden by ${OPERATOR.name}`, { exact: false }).waitFor();
    await shot(operator, "09-admin-public-hidden");
    // The newcomer's public feed drops it by itself.
    await posted.waitFor({ state: "detached", timeout: 20_000 });
  });

  it("/admin is for operators only; a disabled person is signed out and cannot sign in", async () => {
    await newcomer.goto(`${server.url}/admin`);
    await newcomer.getByRole("heading", { name: "Operators only" }).waitFor();
    await shot(newcomer, "05-not-an-operator");

    await operator.getByRole("button", { name: `Disable ${NEWCOMER.email}` }).click();
    await operator.getByTestId(`admin-user-${NEWCOMER.email}`).getByText("Disabled").waitFor();
    await expect(operator.getByRole("button", { name: `Disable ${OPERATOR.email}` }).count()).resolves.toBe(0);
    await shot(operator, "06-admin-disabled");

    await newcomer.goto(server.url);
    await newcomer.getByLabel("Email").fill(NEWCOMER.email);
    await newcomer.getByLabel("Password").fill(PASSWORD);
    await newcomer.getByRole("button", { name: "Sign in" }).click();
    await newcomer.getByRole("alert").getByText("This account is disabled.").waitFor();
    await shot(newcomer, "07-disabled-sign-in");
  });
});
