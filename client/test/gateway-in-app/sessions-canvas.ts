// Gateway sessions on the canvas, end to end: the real server (wrangler dev), the real
// runtime and a real `openclaw` gateway (its model is the scripted one, the only test
// double: a paid external API). A thread's own session and one started outside the app
// (another OpenClaw client) show on the Hatchery canvas as session nodes linked to their
// instance and thread; clicking one opens its thread, or opens it as one; deleting the
// instance takes its sessions off the canvas. Screenshots go to test-artifacts/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { YSyncClient } from "../../../party/dev/ysync.mjs";
import { domainNodeId, edgeId, edgesMap, nodesMap, readGraph, readNode } from "../../../shared/hatchery/graph";
import { sessionNodeRef } from "../../../shared/hatchery/session-nodes";
import type { Approval } from "../../../shared/protocol/approvals";
import { gatewayOperator, type OpenClawStack } from "../openclaw-stack";
import type { AutopilotClient } from "../../src/client";
import { openPage, screenshots, signUpInUi } from "../browser-helpers";
import {
  addSecondPerson,
  instanceAnswer,
  instanceThread,
  personClient,
  provisionConnected,
  until,
} from "../e2e-helpers";

/** Registers this part's hooks and tests on the file's OpenClaw stack and browser. */
export function sessionsOnCanvas(stack: OpenClawStack, browser: Browser): void {
  const stamp = Date.now();

  let page: Page;
  const closers: (() => void)[] = [];

  const screenshot = screenshots("sessions");
  const shot = (name: string) => screenshot(page, name);
  const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    page = (await openPage(browser, "Olga", { viewport: { width: 1440, height: 900 } })).page;
  });

  afterAll(() => {
    for (const close of closers) close();
  });

  function connect(workspace: string, cookie: string, device: string): Promise<AutopilotClient> {
    const client = personClient(stack.server.url, cookie, workspace, device);
    closers.push(() => client.close());
    return client.ready().then(() => client);
  }

  /** The Hatchery document as any client reads it (y-websocket over the same cookie). */
  async function openCanvas(workspace: string, cookie: string): Promise<YSyncClient> {
    const canvas = new YSyncClient(
      new WebSocket(`${stack.server.url.replace("http", "ws")}/parties/hatchery/${workspace}`, {
        headers: { cookie },
      }) as unknown as globalThis.WebSocket,
    );
    closers.push(() => canvas.close());
    await canvas.whenSynced();
    return canvas;
  }

  const nodeData = (canvas: YSyncClient, id: string) => {
    const m = nodesMap(canvas.doc).get(id);
    return m ? readNode(id, m).data : null;
  };

  /** Someone talks to the gateway directly (another OpenClaw client, through the runtime's proxy): a session the app did not start. */
  async function chatOutside(workspace: string, sessionKey: string, text: string): Promise<void> {
    const peer = await gatewayOperator(stack, workspace);
    try {
      const sent = await peer.request("chat.send", { sessionKey, message: text, idempotencyKey: key("outside") });
      expect(sent.ok, JSON.stringify(sent)).toBe(true);
    } finally {
      peer.close();
    }
  }

  async function decide(by: AutopilotClient, approval: Approval): Promise<void> {
    await until(() => by.state.approvals.get(approval.id), "the approval at the approver", 10_000);
    await by.request("approvals.resolve", {
      approvalId: approval.id,
      decision: "approve",
      idempotencyKey: key("decide"),
    });
  }

  describe("gateway sessions on the canvas", () => {
    it("a real gateway's sessions show linked to their instance and thread, open from the canvas, and leave with the instance", async () => {
      await signUpInUi(page, stack.server.url, "Olga", `olga-canvas-${stamp}@example.test`);
      const workspace = await page.locator("#workspace-switcher").inputValue();
      const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
      const pavel = await addSecondPerson(stack.server.url, cookie, workspace, "Pavel");
      const olga = await connect(workspace, cookie, "olga-laptop");
      const approver = await connect(workspace, pavel.cookie, "pavel-laptop");

      await provisionConnected(olga, approver, { seen: true });

      // A thread attached to the instance talks in its own gateway session.
      const threadId = await instanceThread(olga, "Ops chat");
      const { message } = await olga.request("chat.send", {
        threadId,
        text: "SAY: hello canvas",
        idempotencyKey: key("send"),
      });
      await instanceAnswer(olga, threadId, message, (m) => m.runId === message.id, { timeoutMs: 60_000 });
      const own = await until(
        () => olga.state.sessions.get("work")?.find((s) => s.threadId === threadId),
        "the thread's session listed",
        30_000,
      );
      await chatOutside(workspace, "elsewhere", "SAY: hello from outside");
      const outside = await until(
        () => olga.state.sessions.get("work")?.find((s) => s.key.endsWith(":elsewhere")),
        "the outside session listed",
        30_000,
      );
      // The agent's main session (where the gateway's heartbeat polls go) is the gateway's own.
      await chatOutside(workspace, "main", "SAY: main session turn");
      const main = await until(
        () => olga.state.sessions.get("work")?.find((s) => /^agent:[^:]+:main$/.test(s.key)),
        "the main session listed",
        30_000,
      );

      // In the Hatchery document: both sessions, linked to the instance; the thread's to its thread.
      const canvas = await openCanvas(workspace, cookie);
      const ownId = domainNodeId("session", sessionNodeRef("work", own.key));
      const outsideId = domainNodeId("session", sessionNodeRef("work", outside.key));
      const instanceId = domainNodeId("instance", "work");
      const threadNode = domainNodeId("thread", threadId);
      await until(() => nodeData(canvas, ownId) && nodeData(canvas, outsideId), "both session nodes", 20_000);
      expect(nodeData(canvas, ownId)).toMatchObject({ key: own.key, threadId, instanceId: "work" });
      expect(nodeData(canvas, ownId)!.updatedAt).toEqual(expect.any(Number));
      expect(nodeData(canvas, outsideId)).toMatchObject({ key: outside.key, threadId: null, internal: false });
      const mainId = domainNodeId("session", sessionNodeRef("work", main.key));
      await until(() => nodeData(canvas, mainId), "the main session's node", 20_000);
      expect(nodeData(canvas, mainId)).toMatchObject({ key: main.key, internal: true });
      const edges = edgesMap(canvas.doc);
      await until(() => edges.get(edgeId(ownId, threadNode)), "session → thread edge", 10_000);
      expect(edges.get(edgeId(ownId, instanceId))).toMatchObject({ kind: "domain", label: "session of" });
      expect(edges.get(edgeId(ownId, threadNode))).toMatchObject({ kind: "domain", label: "open as" });
      expect(edges.get(edgeId(outsideId, instanceId))).toMatchObject({ kind: "domain" });
      expect([...edges.keys()].filter((id) => id.startsWith(`${outsideId}->`))).toEqual([
        edgeId(outsideId, instanceId),
      ]);

      // In the app: the nodes render; the thread's session opens its thread.
      const sessionNode = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
      // Fit the view once the sessions are on this page's canvas too (only what is in view renders).
      await expect
        .poll(
          async () => {
            await page.getByRole("button", { name: "Fit view" }).click();
            return (await sessionNode(ownId).count()) + (await sessionNode(outsideId).count());
          },
          { timeout: 20_000 },
        )
        .toBe(2);
      // The main session is hidden (and its edge with it) until asked for.
      expect(await sessionNode(mainId).count()).toBe(0);
      const showInternal = page.getByLabel(/Show internal sessions/);
      await showInternal.check();
      await expect.poll(() => sessionNode(mainId).count(), { timeout: 10_000 }).toBe(1);
      await showInternal.uncheck();
      await expect.poll(() => sessionNode(mainId).count(), { timeout: 10_000 }).toBe(0);
      // Fit view frames every node the tab shows (a session sits beside its thread, the
      // instance's other sessions beside the instance); zoomed that far, a node may draw its
      // title only, which is what is checked here.
      await page.getByRole("button", { name: "Fit view" }).click();
      await page.waitForTimeout(600); // the fit animates
      await shot("01-canvas");
      await expect
        .poll(() => sessionNode(ownId).locator(".node-title, .far-title").first().textContent())
        .toBe("Ops chat");
      await sessionNode(ownId).click();
      await page.locator(".inspector-head h2", { hasText: "Ops chat" }).waitFor();

      // The outside session is not a thread yet: the inspector says so and offers to open it as one.
      await sessionNode(outsideId).click();
      await page.getByText("OpenClaw session").waitFor();
      expect(await page.locator(".inspector-head h2", { hasText: "Ops chat" }).count()).toBe(0);
      await shot("02-session-inspector");
      await page.getByRole("button", { name: "Open as a thread" }).click();
      const opened = await until(
        () => olga.state.sessions.get("work")?.find((s) => s.key === outside.key && s.threadId)?.threadId,
        "the outside session open as a thread",
        20_000,
      );
      await page.locator(".inspector-head h2", { hasText: "Work:" }).waitFor({ timeout: 20_000 });
      await until(
        () => edges.get(edgeId(outsideId, domainNodeId("thread", opened))),
        "its new thread linked on the canvas",
        20_000,
      );
      await shot("03-opened-as-thread");

      // Deleting the instance takes its sessions off the canvas.
      const { approval: deletion } = await olga.request("instances.delete", {
        instanceId: "work",
        idempotencyKey: key("del"),
      });
      await decide(approver, deletion);
      await until(
        () => readGraph(canvas.doc).nodes.every((n) => n.kind !== "session"),
        "sessions gone from the canvas",
        60_000,
      );
      await expect.poll(() => page.locator(".node-session").count(), { timeout: 10_000 }).toBe(0);
    }, 360_000);
  });
}
