// The client package as an agent outside this repository gets it: the server serves the
// packed tarball, `npm install <server>/autopilot-client.tgz` puts it in an empty folder,
// and the CLI (`npx autopilot …`), the library and its types work there on the machine's
// own Node against the real server (wrangler dev, as `npm start` runs it).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../party/dev/server.mjs";
import { AutopilotClient } from "../src/client";
import type { StatusDetail } from "../src/client-types";
import { createKey, httpJson, personClient, until, verifiedOwner, withSharedServer } from "./e2e-helpers";

const run = promisify(execFile);

const server = withSharedServer();
let folder: string;
let workspace: string;
let agentKey: string;
let alice: { cookie: string };
const clients: AutopilotClient[] = [];
const children: ChildProcess[] = [];

/** The agent's environment: its own folder, its key, and nothing of this repository. */
const agentEnv = () => ({
  ...process.env,
  AUTOPILOT_URL: server.url,
  AUTOPILOT_WORKSPACE: workspace,
  AUTOPILOT_KEY: agentKey,
  npm_config_yes: "false",
});

async function npx(args: string[]): Promise<unknown> {
  const { stdout } = await run("npx", ["--no-install", "autopilot", ...args], { cwd: folder, env: agentEnv() });
  return JSON.parse(stdout.trim().split("\n")[0]!);
}

/** A long-running `npx autopilot …`: its JSON lines as they come. */
function npxLive(args: string[]) {
  // Its own process group: `npm exec` does not pass a signal on to the CLI, so Ctrl-C goes to
  // the group, as a terminal sends it.
  const child = spawn("npx", ["--no-install", "autopilot", ...args], {
    cwd: folder,
    env: agentEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line));
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const interrupt = () => process.kill(-child.pid!, "SIGINT");
  const line = (pick: (l: Record<string, unknown>) => boolean, what: string) =>
    until(() => lines.find(pick), `${what} (stderr: ${stderr.slice(-300)})`, 20_000);
  return { child, lines, exit, line, interrupt };
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "autopilot-agent-"));
  ({ workspace, ...alice } = await verifiedOwner(server.url, "Alice"));
  agentKey = await createKey(server.url, alice.cookie, workspace, { name: "outside-agent" });
});

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  for (const c of clients) c.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe("the client package, installed from the server into an empty folder", () => {
  it("installs from <server>/autopilot-client.tgz with its types and bin", async () => {
    writeFileSync(
      join(folder, "package.json"),
      JSON.stringify({ name: "outside-agent", private: true, type: "module" }),
    );
    // The dependencies (ws, commander, zod) come from the npm registry, or its cache.
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `${server.url}/autopilot-client.tgz`], {
      cwd: folder,
      env: { ...process.env, npm_config_loglevel: "error" },
    });
    const installed = JSON.parse(
      readFileSync(join(folder, "node_modules", "autopilot-hatchery-client", "package.json"), "utf8"),
    ) as { version: string };
    const built = JSON.parse(readFileSync(join(ROOT, "client", "package", "package.json"), "utf8")) as {
      version: string;
    };
    expect(installed.version).toBe(built.version);
    const { stdout } = await run("npx", ["--no-install", "autopilot", "--help"], { cwd: folder, env: agentEnv() });
    expect(stdout).toMatch(/request-approval/);
  });

  it("npx autopilot watch, send and request-approval --wait talk to the server", async () => {
    const watch = npxLive(["watch", "--device", "outside"]);
    await watch.line((l) => l.event === "hello", "the watch's hello");
    const { thread } = (await npx(["thread", "new", "From outside"])) as { thread: { id: string } };
    await npx(["send", thread.id, "Hello from an installed client"]);
    await watch.line(
      (l) =>
        (l.payload as { message?: { text?: string } } | undefined)?.message?.text === "Hello from an installed client",
      "the message in the watch",
    );

    const person = personClient(server.url, alice.cookie, workspace, "alice");
    clients.push(person);
    await person.ready();
    const asking = npxLive(["request-approval", "Deploy from outside", "--risk", "low", "--wait"]);
    const requested = (await asking.line((l) => Boolean(l.approval), "the approval")) as { approval: { id: string } };
    await until(
      () => person.state.approvals.get(requested.approval.id)?.status === "pending",
      "the approval at Alice",
      10_000,
    );
    await person.approvals.resolve({ approvalId: requested.approval.id, decision: "approve" });
    expect(await asking.exit).toBe(0);
    watch.interrupt();
    await watch.exit;
  });

  it("npx autopilot signup joins by an invitation, and the key it prints works for the next command", async () => {
    const invitation = await httpJson<{ token: string }>(server.url, `/api/workspaces/${workspace}/agent-invitations`, {
      method: "POST",
      cookie: alice.cookie,
      body: "{}",
    });
    expect(invitation.status).toBe(201);
    // Only the server's address: no workspace, no key yet.
    const env = { ...process.env, AUTOPILOT_URL: server.url, npm_config_yes: "false" };
    const { stdout, stderr } = await run(
      "npx",
      ["--no-install", "autopilot", "signup", "Joiner", "--invitation", invitation.body.token],
      { cwd: folder, env },
    );
    const answer = JSON.parse(stdout.trim()) as {
      status: string;
      workspace: { id: string };
      key: { key: string; scopes: string[] };
    };
    expect(answer).toMatchObject({
      status: "active",
      workspace: { id: workspace },
      key: { scopes: ["read", "write"] },
    });
    expect(stderr).toContain(`AUTOPILOT_WORKSPACE=${workspace}`);
    const { stdout: created } = await run("npx", ["--no-install", "autopilot", "thread", "new", "By the joiner"], {
      cwd: folder,
      env: { ...env, AUTOPILOT_WORKSPACE: answer.workspace.id, AUTOPILOT_KEY: answer.key.key },
    });
    expect(JSON.parse(created.trim().split("\n")[0]!)).toMatchObject({
      thread: { title: "By the joiner", createdBy: { kind: "agent", name: "Joiner" } },
    });
    // The invitation was good once: the CLI says why, on stderr, and exits 3.
    const again = await run(
      "npx",
      ["--no-install", "autopilot", "signup", "Copycat", "--invitation", invitation.body.token],
      { cwd: folder, env },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(again).toMatchObject({ code: 3 });
    expect((again as { stderr: string }).stderr).toMatch(/unknown, used or expired/);
  });

  it("the library connects with the key, and its types check under Node's own module resolution", async () => {
    writeFileSync(
      join(folder, "agent.ts"),
      [
        `import { AutopilotClient } from "autopilot-hatchery-client";`,
        `const client = new AutopilotClient({ url: process.env.AUTOPILOT_URL!, workspace: process.env.AUTOPILOT_WORKSPACE!, apiKey: process.env.AUTOPILOT_KEY!, device: "library" });`,
        `await client.ready();`,
        `const { thread } = await client.threads.create({ title: "From the library" });`,
        `console.log(JSON.stringify({ thread: thread.id, threads: client.state.threads.size }));`,
        `client.close();`,
        // A wrong call must not type-check: the types are the protocol's, not `any`.
        `// @ts-expect-error: a title is text`,
        `void (() => client.threads.create({ title: 42 }));`,
      ].join("\n"),
    );
    writeFileSync(
      join(folder, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          strict: true,
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [join(ROOT, "node_modules", "@types")],
          outDir: "out",
        },
        files: ["agent.ts"],
      }),
    );
    // The repository's TypeScript compiles the agent's file (the agent brings its own).
    await run(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", folder], { cwd: folder });
    const { stdout } = await run(process.execPath, [join(folder, "out", "agent.js")], { cwd: folder, env: agentEnv() });
    const result = JSON.parse(stdout.trim()) as { thread: string; threads: number };
    expect(result.thread).toMatch(/\S/);
    expect(result.threads).toBeGreaterThanOrEqual(2);
  });

  it("the library reports a revoked key's close from the close frame, not when the room lets go of the connection", async () => {
    const name = "revoked-agent";
    const key = await createKey(server.url, alice.cookie, workspace, { name });
    const listed = await httpJson<{ keys: { id: string; name: string }[] }>(
      server.url,
      `/api/workspaces/${workspace}/keys`,
      { cookie: alice.cookie },
    );
    const keyId = listed.body.keys.find((k) => k.name === name)!.id;
    // In Node the library speaks over `ws` (the key travels as a header), as an agent's does.
    const agent = new AutopilotClient({ url: server.url, workspace, apiKey: key, device: name });
    clients.push(agent);
    await agent.ready();
    let closed: StatusDetail | undefined;
    agent.on("status", (status, detail) => {
      if (status === "closed") closed = detail;
    });
    const person = personClient(server.url, alice.cookie, workspace, "busy");
    clients.push(person);
    await person.ready();

    const revoked = await httpJson(server.url, `/api/workspaces/${workspace}/keys/${keyId}`, {
      method: "DELETE",
      cookie: alice.cookie,
    });
    expect(revoked.status).toBe(200);
    // The room closes the agent's socket from the revocation's request, outside that socket's
    // own events: workerd sends the close frame at once but lets go of the TCP connection only
    // when the room next goes idle, and the person's requests keep it busy. A client that
    // reported the close at the connection's end (or at `ws`'s own close timer) would
    // not have reported it before the room answered these.
    let answered = 0;
    while (!closed && answered < 20) {
      await person.request("threads.list", {});
      answered++;
    }
    if (!closed) throw new Error(`the agent's client reported no close while the room answered ${answered} requests`);
    expect(closed.error).toMatchObject({ code: "unauthenticated", message: expect.stringContaining("revoked") });
    expect(agent.status).toBe("closed");
  });
});
