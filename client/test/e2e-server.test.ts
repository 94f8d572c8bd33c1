// End to end against the real server, started exactly as `npm start` starts it (wrangler
// dev: workerd, local D1 and Durable Objects). People connect with the client library
// (session → connect ticket); the agent is the `autopilot` CLI in a child process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AutopilotClient } from "../src/client";
import {
  addSecondPerson,
  personClient as clientOf,
  createKey,
  ownWorkspace,
  signUpVerified,
  until,
  withServer,
  startCli,
  DEPLOY_APPROVAL,
} from "./e2e-helpers";

interface Person {
  email: string;
  cookie: string;
}

const server = withServer();
let workspace: string;
let alice: Person;
let bob: Person;
let agentKey: string;
const clients: AutopilotClient[] = [];

/** A person's live client: the session cookie buys a single-use ticket for every connect. */
function personClient(person: Person, device: string): AutopilotClient {
  const client = clientOf(server.url, person.cookie, workspace, device);
  clients.push(client);
  return client;
}

/** Runs the CLI on the machine's own Node (agents bring their own Node 20+). */
const cli = (args: string[], env: Record<string, string> = {}) =>
  startCli({ url: server.url, workspace, key: agentKey }, args, env);

async function cliJson<T>(args: string[]): Promise<T> {
  const run = cli(args);
  const code = await run.exit;
  if (code !== 0) throw new Error(`autopilot ${args.join(" ")} exited ${code}: ${run.stderr}`);
  return run.lines()[0] as T;
}

beforeAll(async () => {
  alice = await signUpVerified(server.url, "Alice");
  workspace = await ownWorkspace(server.url, alice.cookie);
  bob = await addSecondPerson(server.url, alice.cookie, workspace, "Bob");
  agentKey = await createKey(server.url, alice.cookie, workspace, { name: "ci-bot" });
});

afterAll(() => {
  for (const c of clients) c.close();
});

describe("the product over `npm start`'s server", () => {
  it("serves the app (with SPA fallback) and the browser client bundle", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    expect(html).toMatch(/<script type="module"[^>]+src="\/assets\/index-[\w-]+\.js"/);
    // Client-side routes get the same app.
    expect(await (await fetch(`${server.url}/some/deep/link`)).text()).toContain('<div id="root">');
    const bundle = await fetch(`${server.url}/autopilot-client.mjs`);
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain("AutopilotClient");
  });

  it("two people and an agent see each other's threads, messages, approvals, jobs and presence live", async () => {
    const a = personClient(alice, "alice-laptop");
    const b = personClient(bob, "bob-phone");
    await Promise.all([a.ready(), b.ready()]);
    const watch = cli(["watch", "--device", "ci-runner"]);
    await watch.nextLine((l) => (l as { event?: string }).event === "hello");
    await until(
      () => [...a.state.presence.values()].some((p) => p.kind === "agent" && p.device === "ci-runner"),
      "agent presence at Alice",
      10_000,
    );
    expect([...b.state.presence.values()].map((p) => p.device).sort()).toEqual([
      "alice-laptop",
      "bob-phone",
      "ci-runner",
    ]);

    // Alice creates a thread; Bob and the agent see it.
    const { thread } = await a.threads.create({ title: "Release 1.4" });
    await until(() => b.state.threads.has(thread.id), "thread at Bob", 10_000);
    await watch.nextLine((l) => (l as { event?: string }).event === "thread.created");

    // The agent posts through the CLI; both people see an agent-authored message.
    const sent = await cliJson<{ message: { id: string; author: { kind: string } } }>([
      "send",
      thread.id,
      "Build is green",
    ]);
    expect(sent.message.author.kind).toBe("agent");
    await until(() => (a.state.threads.get(thread.id)?.messageCount ?? 0) === 1, "message count at Alice", 10_000);
    const page = await b.messages.list({ threadId: thread.id });
    expect(page.messages.map((m) => [m.author.kind, m.text])).toEqual([["agent", "Build is green"]]);

    // Bob replies; the agent's watch sees it.
    await b.chat.send({ threadId: thread.id, text: "Ship it" });
    await watch.nextLine(
      (l) => (l as { event?: string; payload?: { message?: { text: string } } }).payload?.message?.text === "Ship it",
    );

    // Jobs from the CLI show up with progress for both people.
    const { job } = await cliJson<{ job: { id: string } }>(["job", "start", "Index repository", "--thread", thread.id]);
    await cliJson(["job", "progress", job.id, "40", "--message", "parsing"]);
    await until(
      () => a.state.jobs.get(job.id)?.progress === 40 && b.state.jobs.get(job.id)?.message === "parsing",
      "job progress",
      10_000,
    );
    await cliJson(["job", "finish", job.id, "--message", "done"]);
    await until(() => b.state.jobs.get(job.id)?.status === "succeeded", "job finished at Bob", 10_000);

    // Presence leaves when the agent stops watching.
    watch.child.kill("SIGINT");
    expect(await watch.exit).toBe(0);
    await until(() => ![...a.state.presence.values()].some((p) => p.kind === "agent"), "agent left", 10_000);
  });

  it("request-approval --wait exits 0 when a person approves and 1 when one denies", async () => {
    const a = personClient(alice, "alice-desk");
    const b = personClient(bob, "bob-desk");
    await Promise.all([a.ready(), b.ready()]);

    const waiting = cli([...DEPLOY_APPROVAL, "--wait"]);
    const requested = (await waiting.nextLine((l) => Boolean((l as { approval?: unknown }).approval))) as {
      approval: { id: string; status: string };
    };
    expect(requested.approval.status).toBe("pending");
    await until(() => a.state.approvals.get(requested.approval.id)?.status === "pending", "approval at Alice", 10_000);
    await b.approvals.resolve({ approvalId: requested.approval.id, decision: "approve", note: "go" });
    expect(await waiting.exit).toBe(0);
    await until(
      () => a.state.approvals.get(requested.approval.id)?.resolvedBy?.name === "Bob",
      "Alice sees who approved",
      10_000,
    );

    // The agent has no approve scope: its own attempt is refused with a readable error.
    const selfApprove = cli(["approve", requested.approval.id]);
    expect(await selfApprove.exit).not.toBe(0);
    expect(selfApprove.stderr).toMatch(/approve scope|forbidden/i);

    const denied = cli(["request-approval", "Drop the database", "--wait"]);
    const second = (await denied.nextLine((l) => Boolean((l as { approval?: unknown }).approval))) as {
      approval: { id: string };
    };
    await until(() => b.state.approvals.has(second.approval.id), "second approval at Bob", 10_000);
    await a.approvals.resolve({ approvalId: second.approval.id, decision: "deny" });
    expect(await denied.exit).toBe(1);
  });

  it("the Autopilot's commands: thread configure, send --wait-reply, memory and usage round-trip through the room", async () => {
    const a = personClient(alice, "alice-tablet");
    await a.ready();
    const memoryEvents: string[] = [];
    a.on("memory.updated", ({ entry }) => memoryEvents.push(`updated ${entry.key}=${entry.value}`));
    a.on("memory.deleted", ({ key }) => memoryEvents.push(`deleted ${key}`));
    // This server has no AUTOPILOT_MODEL_* vars, so new threads answer nobody and the Autopilot's only possible reply is its "no model configured" error.
    const { thread } = await a.threads.create({ title: "Ask the Autopilot" });
    expect(thread.responder.kind).toBe("none");

    const refused = cli(["send", thread.id, "anyone?", "--wait-reply"]);
    expect(await refused.exit).toBe(3);
    expect(refused.stderr).toMatch(/nobody answers thread .* thread configure/);

    const configured = await cliJson<{ thread: { responder: { kind: string; reply: string } } }>([
      "thread",
      "configure",
      thread.id,
      "--responder",
      "autopilot",
    ]);
    expect(configured.thread.responder).toEqual({ kind: "autopilot", reply: "every", agents: false });
    await until(() => a.state.threads.get(thread.id)?.responder.kind === "autopilot", "responder at Alice", 10_000);
    // The CLI is an agent key: the Autopilot ignores its posts until the thread lets agents trigger it.
    const ignored = cli(["send", thread.id, "anyone?", "--wait-reply"]);
    expect(await ignored.exit).toBe(3);
    expect(ignored.stderr).toMatch(/ignores agents' messages .* --agents answer/);
    const letIn = await cliJson<{ thread: { responder: { kind: string; reply: string } } }>([
      "thread",
      "configure",
      thread.id,
      "--agents",
      "answer",
    ]);
    expect(letIn.thread.responder).toEqual({ kind: "autopilot", reply: "every", agents: true });
    await until(() => a.state.threads.get(thread.id)?.responder.agents === true, "agents setting at Alice", 10_000);
    const asked = cli(["send", thread.id, "hello", "--wait-reply", "--timeout-ms", "20000"]);
    expect(await asked.exit).toBe(1);
    expect(asked.stderr).toMatch(/Autopilot error: no model configured/);

    const put = await cliJson<{ entry: { key: string; value: string; updatedBy: { kind: string } } }>([
      "memory",
      "put",
      "deploy.target",
      "eu-west",
    ]);
    expect(put.entry).toMatchObject({ key: "deploy.target", value: "eu-west", updatedBy: { kind: "agent" } });
    await cliJson(["memory", "put", "style", "terse"]);
    const listed = await cliJson<{ entries: { key: string }[] }>(["memory", "--prefix", "deploy."]);
    expect(listed.entries.map((e) => e.key)).toEqual(["deploy.target"]);
    expect(await cliJson(["memory", "delete", "deploy.target"])).toEqual({ deleted: true });
    expect((await cliJson<{ entries: { key: string }[] }>(["memory"])).entries.map((e) => e.key)).toEqual(["style"]);
    await until(() => memoryEvents.length === 3, "memory events at Alice", 10_000);
    expect(memoryEvents).toEqual(["updated deploy.target=eu-west", "updated style=terse", "deleted deploy.target"]);

    const usage = await cliJson<{ totals: { calls: number }; groups: unknown[]; entries?: unknown[] }>([
      "usage",
      "--thread",
      thread.id,
      "--since",
      "2026-01-01T00:00:00Z",
    ]);
    expect(usage).toEqual({
      totals: { calls: 0, inputTokens: 0, outputTokens: 0, durationMs: 0 },
      groups: [],
      entries: [],
    });
    expect((await cliJson<{ groups: unknown[] }>(["usage", "--group-by", "day"])).groups).toEqual([]);
  });

  it("a restart of the server loses nothing, and live clients resume without gaps", async () => {
    const a = personClient(alice, "alice-restart");
    await a.ready();
    const { thread } = await a.threads.create({ title: "Survives restarts" });
    await a.chat.send({ threadId: thread.id, text: "before restart" });
    const seqBefore = a.lastSeq!;

    await server.stop();
    await server.start();

    await until(() => a.status === "connected" && a.lastSeq === seqBefore, "client reconnected after restart", 30_000);
    const threads = await cliJson<{ threads: { id: string; messageCount: number }[] }>(["threads"]);
    expect(threads.threads.find((t) => t.id === thread.id)?.messageCount).toBe(1);
    await cliJson(["send", thread.id, "after restart"]);
    await until(() => a.state.threads.get(thread.id)?.messageCount === 2, "new message after restart", 10_000);
    // One event (message.created) since the restart, applied on top of the old seq: resumed, not reset.
    expect(a.lastSeq).toBe(seqBefore + 1);
    const page = await a.messages.list({ threadId: thread.id });
    expect(page.messages.map((m) => m.text)).toEqual(["before restart", "after restart"]);
  });
});
