// The browser app end to end: the real server (wrangler dev, as `npm start` runs it), two
// people in two Chromium contexts, a viewer, and an agent through the `autopilot` CLI.
// Screenshots go to test-artifacts/ (git-ignored) so a person can look at what ran.
import type { ChildProcess } from "node:child_process";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type * as Y from "yjs";
import { YSyncClient } from "../../party/dev/ysync.mjs";
import { type GraphNode, nodesMap, writeNode } from "../../shared/hatchery/graph";
import { nodeGeometry } from "../app/stores/node-geometry";
import {
  dragNode,
  fitUntilShown,
  screenshots,
  signUpInUi,
  steadyView,
  withBrowser,
  withPeople,
} from "./browser-helpers";
import { approvalWaitingOn } from "./app-steps";
import { DEPLOY_APPROVAL, startCli, withSharedServer } from "./e2e-helpers";

// Point at an already running `npm start` while iterating on the UI.
const external = process.env.AUTOPILOT_E2E_URL;
const server = external ? null : withSharedServer();
let url: string;
beforeAll(() => {
  url = external ?? server!.url;
});
// Fail, never skip: no browser throws here and the suite fails.
const browser = withBrowser();
const people = withPeople(browser, ["alice", "bob", "vic"]);
let workspace: string;
let agentKey: string;
const children: ChildProcess[] = [];

const shot = screenshots("browser");

const signUp = (page: Page, name: string, email: string) => signUpInUi(page, url, name, email);

async function openWorkspace(page: Page) {
  // ?w= deep-links a workspace; the switcher shows it selected.
  await page.goto(`${url}/?w=${workspace}`);
  await expect.poll(() => page.locator("#workspace-switcher").inputValue(), { timeout: 20_000 }).toBe(workspace);
  await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
}

function cli(args: string[]) {
  const run = startCli({ url, workspace, key: agentKey }, args);
  children.push(run.child);
  return run;
}

async function nodePosition(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const transform = await page
    .locator(selector)
    .first()
    .evaluate((el) => (el as HTMLElement).style.transform);
  const m = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)/.exec(transform);
  if (!m) throw new Error(`no position in ${transform}`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

const seeNode = fitUntilShown;

const drag = (page: Page, selector: string, dx: number, dy: number) => dragNode(page.locator(selector).first(), dx, dy);

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

describe("the Hatchery in two browsers", () => {
  it("signs people up, adds members and a viewer, and hands out an agent key once", async () => {
    const { alice, bob, vic } = people;
    await Promise.all([
      signUp(alice.page, alice.name, alice.email),
      signUp(bob.page, bob.name, bob.email),
      signUp(vic.page, vic.name, vic.email),
    ]);
    workspace = await alice.page.locator("#workspace-switcher").inputValue();
    await shot(alice.page, "01-empty-workspace");

    await alice.page.getByRole("button", { name: "Members & keys" }).click();
    const dialog = alice.page.getByRole("dialog");
    for (const [person, role] of [
      [bob, "member"],
      [vic, "viewer"],
    ] as const) {
      await dialog.getByLabel("Email of the person to add").fill(person.email);
      await dialog.getByLabel("Role", { exact: true }).selectOption(role);
      await dialog.getByRole("button", { name: "Add member" }).click();
      await dialog.getByText(`${person.email} was added as ${role}.`).waitFor();
    }
    await dialog.getByLabel("Name", { exact: true }).fill("ci-bot");
    await dialog.getByRole("button", { name: "Create key" }).click();
    agentKey = (await dialog.locator("code.key").textContent())!.trim();
    expect(agentKey.length).toBeGreaterThan(20);
    await shot(alice.page, "02-members-and-keys");
    await dialog.getByRole("button", { name: "Close settings" }).click();

    await Promise.all([openWorkspace(bob.page), openWorkspace(vic.page)]);
  });

  it("a thread Alice starts appears on Bob's canvas and sidebar; Bob's reply reaches Alice live", async () => {
    const { alice, bob } = people;
    await alice.page.getByLabel("New thread title").fill("Release 1.4");
    await alice.page.getByRole("button", { name: "Create", exact: true }).click();
    await bob.page
      .locator(".sidebar")
      .getByRole("button", { name: /Release 1\.4/ })
      .waitFor();
    await bob.page.locator(".react-flow__node-thread", { hasText: "Release 1.4" }).waitFor();

    await bob.page
      .locator(".sidebar")
      .getByRole("button", { name: /Release 1\.4/ })
      .click();
    await bob.page.getByLabel("Message", { exact: true }).fill("Ship it");
    await bob.page.getByLabel("Message", { exact: true }).press("Enter");
    await alice.page.locator(".message", { hasText: "Ship it" }).waitFor();
    await expect.poll(() => alice.page.locator(".react-flow__node-thread").textContent()).toContain("Ship it");
    await shot(alice.page, "03-thread-live");
    await shot(bob.page, "03-thread-bob");
  });

  it("an agent's approval request shows for both on its thread and in Needs attention; Bob approves; Alice sees who decided; the CLI exits 0", async () => {
    const { alice, bob } = people;
    const release = await seeNode(alice.page, "thread", "Release 1.4");
    const threadId = (await release.first().getAttribute("data-id"))!;
    const waiting = cli([...DEPLOY_APPROVAL, "--thread", threadId.slice("thread:".length), "--wait"]);
    for (const page of [alice.page, bob.page]) {
      const node = await seeNode(page, "thread", "Release 1.4");
      await approvalWaitingOn(page, node, "Deploy 1.4 to prod", "in #Release 1.4");
      await expect.poll(() => page.getByTestId("approval-badge").textContent()).toBe("1");
      // Not a node of its own.
      expect(await page.locator(".react-flow__node-approval").count()).toBe(0);
    }
    await shot(alice.page, "04-approval-pending");
    // A click on the row opens the approval and brings its thread into view.
    await alice.page
      .getByTestId("needs-attention")
      .getByRole("button", { name: /Deploy 1\.4 to prod/ })
      .click();
    await alice.page.locator(".approval-view", { hasText: "Deploy 1.4 to prod" }).waitFor();
    await alice.page.locator(`.react-flow__node[data-id="${threadId}"]`).waitFor();
    await bob.page.getByRole("tab", { name: /Approvals/ }).click();
    await bob.page
      .locator(".queue-item", { hasText: "Deploy 1.4 to prod" })
      .getByRole("button", { name: "Approve" })
      .click();
    expect(await waiting.exit).toBe(0);
    const node = alice.page.locator(`.react-flow__node[data-id="${threadId}"]`);
    await expect.poll(() => node.getByTestId("attention-badges").count()).toBe(0);
    await expect.poll(() => alice.page.getByTestId("needs-attention").count()).toBe(0);
    await node.getByRole("button", { name: /Show the activity of Release 1\.4: 1 approval/ }).click();
    await alice.page
      .getByRole("region", { name: "Activity of Release 1.4" })
      .locator(".activity-entry", { hasText: "Deploy 1.4 to prod" })
      .getByText("approved by Bob", { exact: false })
      .waitFor();
    await expect.poll(() => alice.page.getByTestId("approval-badge").count()).toBe(0);
    await shot(alice.page, "05-approved-by-bob");
    await alice.page.keyboard.press("Escape");
  });

  it("each node's size and handles are where the app tells React Flow they are before it measures them (stores/node-geometry.ts)", async () => {
    const page = people.alice.page;
    const read = () =>
      page.locator(".react-flow__node").evaluateAll((els) => {
        const zoom = Number(
          /scale\(([\d.]+)\)/.exec(
            (document.querySelector(".react-flow__viewport") as HTMLElement).style.transform,
          )?.[1],
        );
        return els.map((el) => {
          const node = el as HTMLElement;
          const box = node.getBoundingClientRect();
          return {
            id: node.dataset.id ?? "",
            kind: [...node.classList].find((c) => c.startsWith("react-flow__node-"))!.slice("react-flow__node-".length),
            style: { width: Number.parseFloat(node.style.width), height: Number.parseFloat(node.style.height) },
            measured: { width: node.offsetWidth, height: node.offsetHeight },
            handles: [...node.querySelectorAll<HTMLElement>(".react-flow__handle")].map((h) => {
              const r = h.getBoundingClientRect();
              return {
                type: h.classList.contains("source") ? "source" : "target",
                x: (r.left - box.left) / zoom,
                y: (r.top - box.top) / zoom,
                width: h.offsetWidth,
                height: h.offsetHeight,
              };
            }),
          };
        });
      });
    // What differs from the declared geometry, per node. Read until the canvas is at rest: a
    // fit or a node's glide still under way moves boxes between two reads, not for good.
    const mismatches = async () => {
      const rendered = await read();
      expect([...new Set(rendered.map((n) => n.kind))]).toEqual(expect.arrayContaining(["thread"]));
      return rendered.flatMap((node) => {
        const declared = nodeGeometry(node.kind as GraphNode["kind"], node.style.width, node.style.height);
        const off: string[] = [];
        if (node.measured.width !== declared.measured.width || node.measured.height !== declared.measured.height)
          off.push(`size ${JSON.stringify(node.measured)}`);
        if (node.handles.length !== declared.handles.length) off.push(`${node.handles.length} handles`);
        for (const [i, handle] of node.handles.entries()) {
          const want = declared.handles[i];
          if (
            !want ||
            handle.type !== want.type ||
            Math.abs(handle.x - want.x) >= 0.5 ||
            Math.abs(handle.y - want.y) >= 0.5 ||
            handle.width !== want.width ||
            handle.height !== want.height
          )
            off.push(`handle ${i} ${JSON.stringify(handle)} (declared ${JSON.stringify(want)})`);
        }
        return off.map((o) => `${node.id} (${node.kind}): ${o}`);
      });
    };
    await expect.poll(mismatches, { timeout: 5_000 }).toEqual([]);
  });

  it("Alice drags a node and Bob sees it move", async () => {
    const { alice, bob } = people;
    const node = ".react-flow__node-thread";
    const before = await nodePosition(bob.page, node);
    await drag(alice.page, node, 160, 120);
    await expect
      .poll(async () => (await nodePosition(bob.page, node)).x, { timeout: 10_000 })
      .toBeGreaterThan(before.x + 50);
    await shot(bob.page, "06-after-drag");
  });

  it("Alice goes offline, Bob changes things, Alice comes back and converges: nothing lost, nothing doubled", async () => {
    const { alice, bob } = people;
    await alice.ctx.setOffline(true);
    await expect
      .poll(() => alice.page.getByTestId("connection").textContent(), { timeout: 30_000 })
      .not.toMatch(/Live/);
    await shot(alice.page, "06b-offline");

    // Bob starts a thread, posts in it and moves a node while Alice is away.
    await bob.page.getByPlaceholder("New thread…").fill("While Alice was away");
    await bob.page.getByPlaceholder("New thread…").press("Enter");
    const bobsNode = await seeNode(bob.page, "thread", "While Alice was away");
    await bobsNode.first().click();
    await bob.page.getByPlaceholder(/Message While Alice was away/).fill("decided without you");
    await bob.page.getByPlaceholder(/Message While Alice was away/).press("Enter");
    const moved = ".react-flow__node-thread";
    // Opening the new thread may have panned "Release 1.4" out of view (then it is not rendered).
    await seeNode(bob.page, "thread", "Release 1.4");
    await drag(bob.page, `${moved}:has-text("Release 1.4")`, -120, 90);
    const bobSees = await nodePosition(bob.page, `${moved}:has-text("Release 1.4")`);

    await alice.ctx.setOffline(false);
    await alice.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 30_000 });
    // Nothing lost: the thread, its message and Bob's move all arrive…
    await seeNode(alice.page, "thread", "While Alice was away");
    await expect
      .poll(
        () =>
          alice.page
            .locator("#threads-h ~ ul .nav-item, .nav-list .nav-item", { hasText: "While Alice was away" })
            .count(),
        { timeout: 15_000 },
      )
      .toBe(1);
    // Opened from the canvas once the view is still: Bob's nodes arriving re-fit it (animated).
    await steadyView(alice.page);
    await alice.page.locator(".react-flow__node-thread", { hasText: "While Alice was away" }).first().click();
    // In the thread's messages (the canvas node previews the same words when zoomed in).
    await alice.page.locator(".message-text").getByText("decided without you").waitFor({ timeout: 15_000 });
    await expect
      .poll(async () => nodePosition(alice.page, `${moved}:has-text("Release 1.4")`), { timeout: 15_000 })
      .toEqual(bobSees);
    // …and nothing twice.
    expect(await alice.page.locator(".react-flow__node-thread", { hasText: "While Alice was away" }).count()).toBe(1);
    expect(await alice.page.locator(".message-text").getByText("decided without you").count()).toBe(1);
    await shot(alice.page, "06c-converged");
  });

  it("a viewer cannot approve or move nodes, and is told why", async () => {
    const { alice, vic } = people;
    const pending = cli(["request-approval", "Rotate the signing key"]);
    expect(await pending.exit).toBe(0);
    // Asked outside any thread: no subject on the canvas, so it shows in Needs attention only.
    await vic.page.getByTestId("needs-attention").getByRole("button", { name: "1 needs attention" }).click();
    await vic.page
      .getByTestId("needs-attention")
      .locator(".attention-row", { hasText: "Rotate the signing key" })
      .getByText("not on the canvas")
      .waitFor();
    await vic.page.getByText(/View only/).waitFor();
    await vic.page.getByRole("tab", { name: /Approvals/ }).click();
    const item = vic.page.locator(".queue-item", { hasText: "Rotate the signing key" });
    await expect.poll(() => item.getByRole("button", { name: "Approve" }).isDisabled()).toBe(true);
    await item.getByText(/no approve scope/).waitFor();

    const node = ".react-flow__node-thread";
    const before = await nodePosition(alice.page, node);
    await drag(vic.page, node, 200, 0);
    // Vic's canvas socket carries whatever the drag changed in the document before the cursor
    // updates that follow it, and the room handles and passes them on in that order: once
    // Alice's tab has shown Vic's cursor and then lost it (he left the canvas), it has had
    // everything the drag sent.
    const vicsCursor = alice.page.locator(".cursor", { hasText: "Vic" });
    await vicsCursor.waitFor();
    await vic.page.mouse.move(1, 1);
    await vicsCursor.waitFor({ state: "detached" });
    expect(await nodePosition(alice.page, node)).toEqual(before);
    await shot(vic.page, "07-viewer");

    await vic.page.setViewportSize({ width: 420, height: 800 });
    await alice.page.setViewportSize({ width: 420, height: 800 });
    await shot(alice.page, "08-narrow");
    await alice.page.getByRole("button", { name: "Threads and projects" }).click();
    await alice.page.waitForTimeout(300); // the drawer slides in
    await shot(alice.page, "09-narrow-drawer");
    await alice.page.keyboard.press("Escape");
    await alice.page.getByRole("button", { name: "Details panel" }).click();
    await alice.page.waitForTimeout(300);
    await shot(alice.page, "10-narrow-details");
  });

  it("a hostile member's malformed and forged nodes never break anyone's canvas, after reload too", async () => {
    const { alice, bob } = people;
    await alice.page.setViewportSize({ width: 1280, height: 800 });
    const errors: string[] = [];
    alice.page.on("pageerror", (e) => errors.push(e.message));
    const cookie = (await bob.ctx.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const hostile = new YSyncClient(
      new WebSocket(`${url.replace("http", "ws")}/parties/hatchery/${workspace}`, {
        headers: { cookie },
      }) as unknown as globalThis.WebSocket,
    );
    await hostile.whenSynced();
    const doc: Y.Doc = hostile.doc;
    const threadId = [...nodesMap(doc).keys()].find((id) => id.startsWith("thread:"))!;
    doc.transact(() => {
      nodesMap(doc)
        .get(threadId)!
        .set("data", {
          title: "poisoned",
          lastMessage: { author: { name: "object author" }, text: "MALFORMED", at: 1 },
        });
      writeNode(doc, {
        id: "thread:forged",
        kind: "thread",
        ref: "forged",
        x: 0,
        y: 0,
        w: 240,
        h: 96,
        placed: "auto",
        parent: null,
        data: { lastMessage: { author: { evil: true }, text: "MALFORMED" } },
      });
      writeNode(doc, {
        id: "approval:forged",
        // A kind that is no node any more (activity folds into its thread): refused like any forgery.
        kind: "approval" as string as GraphNode["kind"],
        ref: "forged",
        x: 300,
        y: 0,
        w: 240,
        h: 96,
        placed: "auto",
        parent: null,
        data: { title: "Deploy", status: "approved", resolvedBy: "Mallory" },
      });
      (nodesMap(doc) as unknown as Y.Map<unknown>).set("note:raw", "not a node");
    });
    // A note of the hostile writer's own, written after the forgeries: the room reviews and
    // passes on one writer's changes in order, so once Alice's tab shows it, whatever of the
    // forgeries the room let through would be there too.
    const marker = `after the forgeries ${Date.now()}`;
    doc.transact(() =>
      writeNode(doc, {
        id: `note:${crypto.randomUUID().slice(0, 8)}`,
        kind: "note",
        ref: null,
        x: 600,
        y: 0,
        w: 200,
        h: 120,
        placed: "pinned",
        parent: null,
        data: { text: marker },
      }),
    );
    await seeNode(alice.page, "note", marker);
    for (const reload of [false, true]) {
      if (reload) await openWorkspace(alice.page);
      await seeNode(alice.page, "thread", "Release 1.4");
      expect(await alice.page.locator(".react-flow__node").count()).toBeGreaterThan(2);
      expect(await alice.page.getByText(/Mallory|MALFORMED|poisoned/).count()).toBe(0);
      await shot(alice.page, reload ? "11b-hostile-writer-after-reload" : "11-hostile-writer");
    }
    expect(errors).toEqual([]);
    hostile.close();
  });
});
