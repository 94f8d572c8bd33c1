// The MCP endpoint end to end (docs/mcp.md): the official MCP client SDK as a real external
// client against the real server (wrangler dev, as `npm start` runs it), and a person in
// Chromium. The agent lists its tools (the approval-deciding one is never there), posts in
// a thread, sees a person's reply as a resource update, asks for an approval that the
// person approves in the app, and gets the decision both as the blocked call's answer and
// as a notification; a key without `write` is refused writes. Screenshots go to
// test-artifacts/.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPage, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { AutopilotClient } from "../src/client";
import { until, withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
const browser = withBrowser();
let page: Page;
let workspace: string;
const clients: Client[] = [];
const sockets: AutopilotClient[] = [];

interface EventData {
  event: string;
  seq: number;
  payload: Record<string, unknown>;
}

const screenshot = screenshots("mcp");
const shot = (name: string) => screenshot(page, name);

/** A key made the way the app's settings make one: by the signed-in person, over the auth API. */
async function createKey(name: string, scopes: string[]): Promise<string> {
  const res = await page.context().request.post(`${server.url}/api/workspaces/${workspace}/keys`, {
    data: { name, scopes },
    headers: { origin: server.url },
  });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

async function connect(key: string): Promise<{ client: Client; events: EventData[]; updated: string[] }> {
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  const events: EventData[] = [];
  const updated: string[] = [];
  client.setNotificationHandler("notifications/message", (n) => {
    events.push(n.params.data as EventData);
  });
  client.setNotificationHandler("notifications/resources/updated", (n) => {
    updated.push(n.params.uri);
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp/${workspace}`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  clients.push(client);
  return { client, events, updated };
}

beforeAll(async () => {
  page = (await openPage(browser, "Ada")).page;
  await signUpInUi(page, server.url, "Ada", `ada-mcp-${Date.now()}@example.test`);
  workspace = await page.locator("#workspace-switcher").inputValue();
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  for (const client of clients) await client.close().catch(() => undefined);
});

describe("an MCP client in a workspace", () => {
  it("lists tools without the approval-deciding one, posts, sees a reply, and gets a person's decision as a notification", async () => {
    const key = await createKey("mcp-agent", ["read", "write"]);
    const { client, events, updated } = await connect(key);
    // The workspace's socket as a client library sees it: the room's own record of what was filed.
    const watcher = new AutopilotClient({ url: server.url, workspace, device: "watcher", apiKey: key });
    sockets.push(watcher);
    await watcher.ready({ timeoutMs: 30_000 });
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["threads_create", "chat_send", "messages_list", "request_approval"]));
    expect(names).not.toContain("approvals_resolve");

    const created = await client.callTool({ name: "threads_create", arguments: { title: "Planning over MCP" } });
    const threadId = (created.structuredContent as { thread: { id: string } }).thread.id;
    await client.subscribeResource({ uri: `autopilot://threads/${threadId}/messages` });
    const sent = await client.callTool({ name: "chat_send", arguments: { threadId, text: "Hello from an MCP agent" } });
    expect(sent.isError).toBeFalsy();

    // The person sees the agent's post in the app and answers in the thread.
    await page
      .locator(".sidebar")
      .getByRole("button", { name: /Planning over MCP/ })
      .click();
    await page.locator(".message", { hasText: "Hello from an MCP agent" }).waitFor({ timeout: 20_000 });
    await page.getByLabel("Message", { exact: true }).fill("Hi agent, a person here");
    await page.getByLabel("Message", { exact: true }).press("Enter");
    // The agent learns of it without polling: its subscription and the event stream.
    await until(
      () => updated.includes(`autopilot://threads/${threadId}/messages`),
      "resources/updated for the thread",
      20_000,
    );
    await until(
      () =>
        events.find(
          (e) =>
            e.event === "message.created" && (e.payload.message as { text: string }).text === "Hi agent, a person here",
        ),
      "the reply as an event",
      20_000,
    );
    await shot("01-thread");

    // The agent asks and waits; the person approves in the app.
    const decision = client.callTool(
      {
        name: "request_approval",
        arguments: { title: "Ship the MCP plan", details: "Deploy what the thread agreed.", threadId, wait: true },
      },
      { timeout: 120_000, resetTimeoutOnProgress: true, onprogress: () => undefined },
    );
    // Awaited below; a failure before that must not also leave it rejected unhandled when the client closes.
    decision.catch(() => undefined);
    // Filed in the room first (a failure here is the MCP path's, not the app's)…
    const filed = await until(
      () => [...watcher.state.approvals.values()].find((a) => a.title === "Ship the MCP plan"),
      "the approval filed in the room",
      30_000,
    );
    expect(filed.status).toBe("pending");
    // …then shown to the person, live.
    await page.getByRole("tab", { name: /Approvals/ }).click();
    const item = page.locator(".queue-item.status-pending", { hasText: "Ship the MCP plan" });
    await item.waitFor({ timeout: 30_000 });
    await shot("02-pending");
    await item.getByRole("button", { name: "Approve" }).click();
    const answered = await decision;
    expect(answered.isError).toBeFalsy();
    const approval = (
      answered.structuredContent as {
        approval: { id: string; status: string; onBehalfOf: { kind: string } | null; resolvedBy: { kind: string } };
      }
    ).approval;
    expect(approval.status).toBe("approved");
    expect(approval.onBehalfOf?.kind).toBe("agent");
    expect(approval.resolvedBy.kind).toBe("user");
    const notified = await until(
      () =>
        events.find(
          (e) => e.event === "approval.resolved" && (e.payload.approval as { id: string }).id === approval.id,
        ),
      "approval.resolved notification",
      20_000,
    );
    expect((notified.payload.approval as { status: string }).status).toBe("approved");
    await shot("03-approved");
  }, 180_000);

  it("a key without write lists no write tool and is refused a write", async () => {
    const { client } = await connect(await createKey("mcp-reader", ["read"]));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("threads_list");
    for (const write of ["chat_send", "threads_create", "request_approval", "approvals_resolve"])
      expect(names).not.toContain(write);
    // A tool the key's scopes do not list is refused as the SDK refuses a disabled tool.
    await expect(client.callTool({ name: "threads_create", arguments: { title: "not allowed" } })).rejects.toThrow(
      /threads_create/,
    );
    const listed = await client.callTool({ name: "threads_list", arguments: {} });
    expect((listed.structuredContent as { threads: { title: string }[] }).threads.map((t) => t.title)).not.toContain(
      "not allowed",
    );
  }, 60_000);
});
