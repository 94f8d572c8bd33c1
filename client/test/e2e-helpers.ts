// Small helpers the end-to-end tests share: a file's own server (and scripted model) started
// and stopped around it, JSON over HTTP to the server, waiting for a condition, running the
// CLI. (The runtime itself starts through party/dev/runtime.mjs.)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, inject, vi } from "vitest";
import { freePort, ROOT, type RunningServer, startServer } from "../../party/dev/server.mjs";
import {
  agentScript,
  type ChatRequest,
  markerScript,
  type Reply,
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptedTurn,
  startScriptedModel,
} from "../../runtime/test/scripted-model";
import type { Job } from "../../shared/protocol/jobs";
import type { Message } from "../../shared/protocol/threads";
import { AutopilotClient, type AutopilotClientOptions } from "../src/client";

/**
 * What a beforeAll makes, handed out when the file is collected: every property is read from
 * it when used, so use it in hooks and tests that run after it started.
 */
export function onceStarted<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = current() ?? notYet(`${what} is used before the beforeAll that starts it ran`);
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

type ServerOptions = Omit<NonNullable<Parameters<typeof startServer>[0]>, "port" | "persistDir">;

export interface TestServer extends RunningServer {
  /** Starts it again after `stop()`: on its port and state folder, with its options. */
  start(): Promise<void>;
}

/**
 * The file's own server (wrangler dev, as `npm start` runs it) on a free port and a fresh
 * state folder: started in a beforeAll, stopped and the folder removed in an afterAll.
 * `options` may be a function, called at the start, for what an earlier beforeAll made
 * (a scripted model's address).
 */
export function withServer(options: ServerOptions | (() => ServerOptions) = {}): TestServer {
  let server: RunningServer | undefined;
  let persistDir: string | undefined;
  let settings: ServerOptions = {};
  beforeAll(async () => {
    settings = typeof options === "function" ? options() : options;
    persistDir = mkdtempSync(join(tmpdir(), "autopilot-e2e-"));
    server = await startServer({ ...settings, port: await freePort(), persistDir });
  });
  afterAll(async () => {
    await server?.stop();
    if (persistDir) rmSync(persistDir, { recursive: true, force: true });
  });
  const running = () => server ?? notYet("the server is used before the beforeAll that starts it ran");
  return {
    get url() {
      return running().url;
    },
    get port() {
      return running().port;
    },
    get persistDir() {
      return running().persistDir;
    },
    get child() {
      return running().child;
    },
    stop: () => running().stop(),
    async start() {
      const { port, persistDir: dir } = running();
      server = await startServer({ ...settings, port, persistDir: dir });
    },
  };
}

/**
 * The run's shared server (client/test/e2e-shared.ts) for a file that needs only its API:
 * no Worker vars of its own, no restart, no log. The file's people and workspaces are its
 * own; other files' are on the same server.
 */
export function withSharedServer(): Pick<RunningServer, "url"> {
  let url: string | undefined;
  beforeAll(async () => {
    const res = await fetch(inject("e2eSharedServer"));
    if (!res.ok) throw new Error(`the shared server did not start: ${await res.text()}`);
    ({ url } = (await res.json()) as { url: string });
  });
  return {
    get url() {
      return url ?? notYet("the shared server is used before the beforeAll that finds it ran");
    },
  };
}

/** The scripted model (the one test double: a paid external API), started in a beforeAll and closed in an afterAll. */
export function withScriptedModel(options: ScriptedModelOptions & { reply?: Reply } = {}): ScriptedModel {
  let model: ScriptedModel | undefined;
  beforeAll(async () => {
    const { reply, ...start } = options;
    model = await startScriptedModel(start);
    if (reply) model.setReply(reply);
  });
  afterAll(async () => {
    await model?.close();
  });
  return onceStarted(() => model, "the scripted model");
}

/**
 * One scripted model for both: the Autopilot's requests (they offer the room's tools) follow
 * agentScript, a gateway's follow markerScript.
 */
export const autopilotOrGateway = (request: ChatRequest): ScriptedTurn =>
  (request.tools ?? []).some((t) => t.function.name === "threads_list") ? agentScript(request) : markerScript(request);

/** The Worker vars that make the Autopilot use `model` (with `apiKey` when the model asks for one). */
export const modelVars = (model: ScriptedModel, apiKey?: string): Record<string, string> => ({
  AUTOPILOT_MODEL_BASE_URL: model.baseUrl,
  AUTOPILOT_MODEL_ID: "scripted-model",
  ...(apiKey ? { AUTOPILOT_MODEL_API_KEY: apiKey } : {}),
});

/** JSON over HTTP to the server, as a browser on its origin would send it. */
export async function httpJson<T>(baseUrl: string, path: string, init: RequestInit & { cookie?: string } = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { "content-type": "application/json", origin: baseUrl, ...(init.cookie ? { cookie: init.cookie } : {}) },
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

/**
 * A person's live client: the session cookie buys a single-use connect ticket for every
 * connect. `options` add to the client's (a WebSocket that records what it receives).
 */
export function personClient(
  baseUrl: string,
  cookie: string,
  workspace: string,
  device: string,
  options: Partial<AutopilotClientOptions> = {},
): AutopilotClient {
  return new AutopilotClient({
    ...options,
    url: baseUrl,
    workspace,
    device,
    ticket: async () =>
      (
        await httpJson<{ ticket: string }>(baseUrl, "/api/connect-ticket", {
          method: "POST",
          cookie,
          body: JSON.stringify({ workspaceId: workspace }),
        })
      ).body.ticket,
  });
}

/**
 * `decider` approves what `asker` asked (once the approval reached the decider); resolves with
 * the job the room ran for it, once that job finished (succeeded or failed).
 */
export async function approvedJob(
  decider: AutopilotClient,
  asker: AutopilotClient,
  approvalId: string,
  timeoutMs = 60_000,
): Promise<Job> {
  await until(() => decider.state.approvals.get(approvalId), "the approval at the decider", 15_000);
  const { approval } = await decider.request("approvals.resolve", {
    approvalId,
    decision: "approve",
    idempotencyKey: `decide-${approvalId}-${Math.random().toString(36).slice(2, 8)}`,
  });
  return until(
    () =>
      [...asker.state.jobs.values()].find(
        (j) => j.title === approval.title && (j.status === "succeeded" || j.status === "failed"),
      ),
    `the job of "${approval.title}"`,
    timeoutMs,
  );
}

/** Polls a condition (client state, or a request to the server) until it is truthy, returning that value. */
export const until = <T>(check: () => Falsy<T> | Promise<Falsy<T>>, what: string, timeoutMs: number): Promise<T> =>
  vi.waitFor(async () => (await check()) || notYet(`timed out waiting for ${what}`), {
    timeout: timeoutMs,
    interval: 50,
  });

type Falsy<T> = T | undefined | null | false;

/** Throws: in a vi.waitFor callback, "not yet" (it tries again; the last of these is the timeout's error). */
export const notYet = (message: string): never => {
  throw new Error(message);
};

/**
 * Waits for a message in a thread, as the room lists it (durable), matching `match`; on a
 * timeout the error lists what the thread has.
 */
export const waitForMessage = (
  client: AutopilotClient,
  threadId: string,
  match: (m: Message) => boolean,
  what: string,
  timeoutMs: number,
): Promise<Message> =>
  vi.waitFor(
    async () => {
      const { messages } = await client.request("messages.list", { threadId, limit: 200 });
      const listed = messages.map((m) => [m.author.id, m.kind, m.text.slice(0, 120)]);
      return messages.find(match) ?? notYet(`timed out waiting for ${what}; thread has: ${JSON.stringify(listed)}`);
    },
    { timeout: timeoutMs, interval: 250 },
  );

/**
 * Instance `instanceId`'s answer in thread `threadId` to the message `sent`: the first message
 * of its own after `sent` that `match`es, once the room lists it.
 */
export const instanceAnswer = (
  client: AutopilotClient,
  threadId: string,
  sent: Pick<Message, "n">,
  match: (m: Message) => boolean,
  { timeoutMs = 120_000, instanceId = "work" } = {},
): Promise<Message> =>
  waitForMessage(
    client,
    threadId,
    (m) => m.author.id === `instance:${instanceId}` && m.n > sent.n && match(m),
    `the answer of instance ${instanceId}`,
    timeoutMs,
  );

/** A new person signed up over the auth API, their address not verified yet; an address unique to the run. */
export async function signUp(
  baseUrl: string,
  name: string,
): Promise<{ email: string; cookie: string; userId: string }> {
  const email = `${name.toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const res = await httpJson<{ user: { id: string } }>(baseUrl, "/api/auth/sign-up/email", {
    method: "POST",
    body: JSON.stringify({ email, password: "correct horse battery", name }),
  });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { email, cookie: res.headers.get("set-cookie")!.split(";")[0]!, userId: res.body.user.id };
}

/** The id of the first workspace the person of `cookie` has: their own, right after sign-up. */
export const ownWorkspace = async (baseUrl: string, cookie: string): Promise<string> =>
  (await httpJson<{ workspaces: { id: string }[] }>(baseUrl, "/api/me", { cookie })).body.workspaces[0]!.id;

/** A new person with a verified address (the dev outbox's link followed), as a browser would sign up. */
export async function signUpVerified(
  baseUrl: string,
  name: string,
): Promise<{ email: string; cookie: string; userId: string }> {
  const person = await signUp(baseUrl, name);
  const { cookie } = person;
  const outbox = await httpJson<{ mails: { link: string }[] }>(baseUrl, "/api/dev/mail", { cookie });
  const verified = await fetch(outbox.body.mails[0]!.link, { headers: { cookie }, redirect: "manual" });
  if (verified.status !== 302) throw new Error(`verification failed: ${verified.status}`);
  return person;
}

/** A new person with a verified address, and the id of the workspace they own (made at sign-up). */
export async function verifiedOwner(
  baseUrl: string,
  name: string,
): Promise<{ email: string; cookie: string; userId: string; workspace: string }> {
  const person = await signUpVerified(baseUrl, name);
  return { ...person, workspace: await ownWorkspace(baseUrl, person.cookie) };
}

/** A new API key of `workspace`, made by the person of `cookie`: an agent's key (`scopes` as given, else the default). */
export async function createKey(
  baseUrl: string,
  cookie: string,
  workspace: string,
  key: { name: string; scopes?: string[] },
): Promise<string> {
  const res = await httpJson<{ key: string }>(baseUrl, `/api/workspaces/${workspace}/keys`, {
    method: "POST",
    cookie,
    body: JSON.stringify(key),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.key;
}

/**
 * A second person, a member of `workspace`: an action one person asks for (an instance
 * operation, a gateway exec) is decided by another, never by whoever asked.
 */
export async function addSecondPerson(
  baseUrl: string,
  ownerCookie: string,
  workspace: string,
  name: string,
  role: "member" | "admin" | "viewer" = "member",
) {
  const person = await signUpVerified(baseUrl, name);
  const added = await httpJson(baseUrl, `/api/workspaces/${workspace}/members`, {
    method: "POST",
    cookie: ownerCookie,
    body: JSON.stringify({ email: person.email, role }),
  });
  if (added.status !== 201) throw new Error(`adding ${name} failed: ${added.status} ${JSON.stringify(added.body)}`);
  return person;
}

/**
 * Instance `instanceId` as one person asks for it and another approves it (never whoever
 * asked), waited for until its gateway's bridge is connected. `seen`: the decider decides
 * once their client shows the approval.
 */
export async function provisionConnected(
  asker: AutopilotClient,
  decider: AutopilotClient,
  { instanceId = "work", name = "Work", seen = false } = {},
): Promise<void> {
  const { approval } = await asker.instances.provision({ instanceId, name });
  if (seen)
    await until(() => decider.state.approvals.get(approval.id), "the provision approval at the decider", 15_000);
  await decider.approvals.resolve({ approvalId: approval.id, decision: "approve" });
  await until(
    () => asker.state.instances.get(instanceId)?.bridge === "connected",
    "instance ready with a connected bridge",
    240_000,
  );
}

/** A new thread `client` made, answered by instance `instanceId` (attached): its id, once the client shows that responder. */
export async function instanceThread(client: AutopilotClient, title: string, instanceId = "work"): Promise<string> {
  const { thread } = await client.threads.create({ title });
  await client.instances.attach({ instanceId, threadId: thread.id });
  await until(
    () => client.state.threads.get(thread.id)?.responder.kind === "openclaw",
    "the thread answered by the instance",
    10_000,
  );
  return thread.id;
}

/** The CLI's words for the high-risk release approval several end-to-end files ask for. */
export const DEPLOY_APPROVAL = [
  "request-approval",
  "Deploy 1.4 to prod",
  "--details",
  "diff: +12 -3",
  "--risk",
  "high",
];

/** What one run of the `autopilot` CLI (or another program) did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (client/bin) as an agent of `workspace` on `url` with `key`, on the Node of AUTOPILOT_TEST_NODE if set. */
export function runCli(
  connection: { url: string; workspace: string; key: string },
  args: string[],
  stdin = "",
): Promise<CliRun> {
  return runProcess(process.env.AUTOPILOT_TEST_NODE ?? "node", [CLI_BIN, ...args], { env: cliEnv(connection), stdin });
}

/** A running `autopilot` CLI (a watch, a --wait): what it wrote so far, and its exit. */
export interface LiveCli {
  child: ChildProcess;
  exit: Promise<number>;
  readonly stdout: string;
  readonly stderr: string;
  /** Its lines so far, each one JSON. */
  lines(): unknown[];
  /** The first of its lines `pick` chooses, once there is one; on a timeout the error says what it wrote. */
  nextLine(pick?: (line: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
}

/** Starts the CLI as runCli runs it, with `env` added, and leaves it running. */
export function startCli(
  connection: { url: string; workspace: string; key: string },
  args: string[],
  env: Record<string, string> = {},
): LiveCli {
  const child = spawn(process.env.AUTOPILOT_TEST_NODE ?? "node", [CLI_BIN, ...args], {
    env: { ...cliEnv(connection), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // A line still being written does not parse: nextLine tries again.
  const lines = () =>
    stdout
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as unknown);
  return {
    child,
    exit: new Promise((resolve) => child.once("exit", (code) => resolve(code ?? -1))),
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    lines,
    nextLine: (pick = () => true, timeoutMs = 15_000) =>
      vi.waitFor(
        () => lines().find(pick) || notYet(`no matching CLI output; stdout: ${stdout.slice(-800)} stderr: ${stderr}`),
        { timeout: timeoutMs, interval: 50 },
      ),
  };
}

const cliEnv = (connection: { url: string; workspace: string; key: string }): NodeJS.ProcessEnv => ({
  ...process.env,
  AUTOPILOT_URL: connection.url,
  AUTOPILOT_WORKSPACE: connection.workspace,
  AUTOPILOT_KEY: connection.key,
});

/** Runs a program to its end with `stdin` as its input; what it wrote, and its exit code (-1 if a signal ended it). */
export function runProcess(
  command: string,
  args: string[],
  { env = process.env, cwd, stdin = "" }: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * The CLI as an agent of a workspace runs it (`at()`, read at each run: the server's address,
 * the workspace, the agent's key): `cli` runs it, with another key or stdin if given; `json`
 * reads its one JSON line.
 */
export function agentCli(at: () => { url: string; workspace: string; key: string }) {
  const cli = (args: string[], options: { key?: string; stdin?: string } = {}): Promise<CliRun> => {
    const connection = at();
    return runCli({ ...connection, key: options.key ?? connection.key }, args, options.stdin);
  };
  const json = <T>(args: string[], options?: { key?: string; stdin?: string }): Promise<T> =>
    cliJson<T>(cli(args, options), args);
  return { cli, json };
}

/** A CLI run's one JSON line; a run that did not exit 0 throws with its stderr. */
export async function cliJson<T>(run: Promise<CliRun>, args: string[]): Promise<T> {
  const done = await run;
  if (done.code !== 0) throw new Error(`autopilot ${args.join(" ")} exited ${done.code}: ${done.stderr}`);
  return JSON.parse(done.stdout) as T;
}

const CLI_BIN = join(ROOT, "client", "bin", "autopilot.mjs");
