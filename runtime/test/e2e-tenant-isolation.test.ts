// Tenants kept apart on the process host, against two real gateways of two workspaces (the
// scripted model, which refuses calls without the operator's key, is the only stand-in).
// An approved `cat` in one instance's gateway, and processes spawned as that gateway's user
// exactly as the host spawns gateways, try to read the other instance's token, the runtime's
// service token and the operator's model key: they get none of them. Needs root (separate
// OS users need it; README "Tenants" says what holds without). Three gateway starts at most.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  type Dirent,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/config";
import { spawnIdentity } from "../src/gateway-process";
import { isolationMode, type TenantUser } from "../src/tenant-users";
import { api, ProxiedGatewayClient, SERVICE_TOKEN, waitForStatus } from "./helpers";
import { markerScript, type ScriptedModel } from "./scripted-model";
import { startScriptedRuntime, type ScriptedRuntime } from "./scripted-runtime";

const OPERATOR_KEY = "operator-model-key-UNIQUE-4b1d9e7c";
const ONE = { ws: "ws-a", id: "one", path: "/v1/workspaces/ws-a/instances/one" };
const TWO = { ws: "ws-b", id: "two", path: "/v1/workspaces/ws-b/instances/two" };
/** A start takes ~15 s on an idle machine and minutes when eight people share two cores. */
const START_TIMEOUT_MS = 300_000;

let setup: ScriptedRuntime;
let dataDir: string;
let model: ScriptedModel;
let baseUrl: string;
let serviceToken: string;
let devVars: Record<string, string>;
const WRANGLER_STATE = join(REPO_ROOT, ".wrangler", "state");
const gw: Record<"one" | "two", { pid: number; dir: string; user: TenantUser; token: string }> = {} as never;

const call = (method: string, path: string) => api(baseUrl, method, path, serviceToken);

/**
 * The regular files under `dir` that hold `needle`. The gateways keep running while this reads
 * their directories, and a file or folder they remove between its listing and its read holds
 * nothing any more: it is skipped, where `grep -r` would end with status 2 for it.
 */
function filesHolding(dir: string, needle: string): string[] {
  const gone = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (gone(error)) return [];
    throw error;
  }
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesHolding(path, needle));
    else if (entry.isFile()) {
      try {
        if (readFileSync(path).includes(needle)) found.push(path);
      } catch (error) {
        if (!gone(error)) throw error;
      }
    }
  }
  return found;
}

function idsOf(pid: number): { uid: number; gid: number; groups: string } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) =>
    /^(\S+):\s*(.*)$/m.exec(status.split("\n").find((l) => l.startsWith(`${name}:`)) ?? "")?.[2] ?? "";
  return {
    uid: Number(field("Uid").split(/\s+/)[0]),
    gid: Number(field("Gid").split(/\s+/)[0]),
    groups: field("Groups").trim(),
  };
}

/**
 * The checkout's `.dev.vars` (the Worker's auth secret and the service token): as this
 * checkout has it, or, where it has none yet, made the way earlier versions made it
 * (world-readable) — the runtime must close it either way.
 */
function readOrMakeDevVars(): Record<string, string> {
  const path = join(REPO_ROOT, ".dev.vars");
  if (!existsSync(path))
    writeFileSync(
      path,
      `BETTER_AUTH_SECRET=${randomBytes(32).toString("hex")}\nRUNTIME_SERVICE_TOKEN=${randomBytes(32).toString("hex")}\n`,
      { mode: 0o644 },
    );
  const values = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.includes("="))
    .map((line) => line.slice(line.indexOf("=") + 1).trim());
  return Object.fromEntries(values.filter((value) => value.length >= 16).map((value, i) => [String(i), value]));
}

/** Runs a command as an instance's user, with the host's own spawn identity (uid, gid, cwd). */
function runAs(instance: "one" | "two", command: string, args: string[]) {
  const result = spawnSync(command, args, {
    ...spawnIdentity({ cwd: gw[instance].dir, user: gw[instance].user }),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  if (isolationMode() !== "separate-users")
    throw new Error("this test needs root: separate OS users per instance exist only then (README, Tenants)");
  // The checkout's local secrets and state, as `npm start` leaves them (made here when this
  // checkout has none yet): the runtime must close them before any gateway runs.
  devVars = readOrMakeDevVars();
  mkdirSync(WRANGLER_STATE, { recursive: true });
  if (readdirSync(WRANGLER_STATE).length === 0) writeFileSync(join(WRANGLER_STATE, "probe"), "local state\n");
  setup = await startScriptedRuntime({
    dataDirPrefix: "runtime-tenants-",
    // The runtime's own token file (what it generates when RUNTIME_SERVICE_TOKEN is unset): the file under attack.
    prepareDataDir: (dir) => writeFileSync(join(dir, "service-token"), `${SERVICE_TOKEN}\n`, { mode: 0o600 }),
    model: { apiKey: OPERATOR_KEY, usage: "when-asked" },
    modelApiKey: OPERATOR_KEY,
    env: {
      RUNTIME_MAX_GATEWAYS: "3",
      RUNTIME_MAX_GATEWAYS_PER_WORKSPACE: "1",
      RUNTIME_START_TIMEOUT_MS: String(START_TIMEOUT_MS),
    },
  });
  ({ dataDir, model, baseUrl } = setup);
  model.setReply(markerScript);
  expect(setup.config.serviceTokenSource).toEqual({ file: join(dataDir, "service-token"), created: false });
  serviceToken = setup.config.serviceToken;
});

afterAll(() => setup?.close());

describe("tenants apart on the process host", () => {
  it(
    "runs each gateway under its own uid/gid (no supplementary groups) in a 0700 directory it owns",
    async () => {
      // One after the other: two gateway starts at once on a loaded 2-core machine take minutes.
      for (const [name, inst] of [
        ["one", ONE],
        ["two", TWO],
      ] as const) {
        expect((await call("PUT", inst.path)).status).toBe(202);
        const { final } = await waitForStatus(
          baseUrl,
          inst.path,
          (s) => s.state === "ready" || s.state === "error",
          START_TIMEOUT_MS + 10_000,
        );
        expect(final.error, JSON.stringify(final.error)).toBeNull();
        const dir = join(dataDir, "instances", inst.ws, inst.id);
        const ids = idsOf(final.pid);
        gw[name] = {
          pid: final.pid,
          dir,
          user: { uid: ids.uid, gid: ids.gid },
          token: readFileSync(join(dir, "gateway-token"), "utf8").trim(),
        };
        expect(ids.uid).toBeGreaterThan(1_000_000);
        expect(ids.gid).toBe(ids.uid);
        expect(ids.groups).toBe("");
        const stat = statSync(dir);
        expect([stat.uid, stat.mode & 0o777]).toEqual([ids.uid, 0o700]);
        for (const file of ["gateway-token", "openclaw.json"]) expect(statSync(join(dir, file)).uid).toBe(ids.uid);
      }
      expect(gw.one.user.uid).not.toBe(gw.two.user.uid);
      expect(statSync(dataDir).mode & 0o777).toBe(0o711);
      expect(statSync(join(dataDir, "service-token"))).toMatchObject({ uid: 0 });
      expect(statSync(join(dataDir, "service-token")).mode & 0o777).toBe(0o600);
      for (const dir of ["backups", "usage", "archive", "tmp"])
        expect(statSync(join(dataDir, dir)).mode & 0o777).toBe(0o700);
    },
    2 * START_TIMEOUT_MS + 60_000,
  );

  it("refuses a second gateway of the same workspace past the per-workspace cap", async () => {
    const res = await call("PUT", "/v1/workspaces/ws-a/instances/three");
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      ok: false,
      error: {
        code: "capacity_exceeded",
        retryable: false,
        details: { scope: "workspace", maxGatewaysPerWorkspace: 1, activeInWorkspace: 1 },
      },
    });
    expect((await call("GET", "/v1/workspaces/ws-a/instances/three")).status).toBe(404);
  });

  it("keeps the operator's key out of every gateway: not in its environment, config or files", () => {
    for (const name of ["one", "two"] as const) {
      const environ = readFileSync(`/proc/${gw[name].pid}/environ`, "utf8");
      expect(environ).not.toContain(OPERATOR_KEY);
      // Its own credential instead, for the runtime's loopback pass-through.
      expect(environ).toMatch(/OPENCLAW_MODEL_API_KEY=oc-/);
      const config = readFileSync(join(gw[name].dir, "openclaw.json"), "utf8");
      expect(config).toMatch(/"baseUrl": "http:\/\/127\.0\.0\.1:\d+\/v1"/);
      expect(config).not.toContain(model.baseUrl);
    }
    expect(filesHolding(join(dataDir, "instances"), OPERATOR_KEY)).toEqual([]);
  });

  it("a process as instance one's user reads its own token, and none of: two's token, config and environment, the service token, the runtime's files and environment", () => {
    // Control: the probe really is the gateway's user (it owns its own directory).
    const own = runAs("one", "cat", [join(gw.one.dir, "gateway-token")]);
    expect(own.stdout.trim()).toBe(gw.one.token);
    const targets = [
      join(gw.two.dir, "gateway-token"),
      join(gw.two.dir, "openclaw.json"),
      `/proc/${gw.two.pid}/environ`,
      join(dataDir, "service-token"),
      join(dataDir, "tenant-users.json"),
      `/proc/${process.pid}/environ`,
    ];
    for (const target of targets) {
      const read = runAs("one", "cat", [target]);
      expect(read.status, target).not.toBe(0);
      expect(read.stderr, target).toContain("Permission denied");
      for (const secret of [gw.two.token, serviceToken, OPERATOR_KEY]) expect(read.stdout).not.toContain(secret);
    }
    for (const dir of [
      dataDir,
      join(dataDir, "instances"),
      join(dataDir, "instances", TWO.ws),
      gw.two.dir,
      join(dataDir, "backups"),
      join(dataDir, "usage"),
    ]) {
      const list = runAs("one", "ls", [dir]);
      expect(list.status, dir).not.toBe(0);
      expect(list.stderr, dir).toContain("Permission denied");
    }
    expect(readdirSync(gw.two.dir)).toContain("gateway-token"); // the files are there: root sees them
  });

  it("the gateway runs from root's copy, outside the checkout, with its HOME outside it; the checkout's secrets and local state are closed to it", () => {
    const exe = readlinkSync(`/proc/${gw.one.pid}/exe`);
    expect(setup.runtime.gatewayFilesDir).toBeDefined();
    expect(exe.startsWith(`${setup.runtime.gatewayFilesDir}/`), exe).toBe(true);
    expect(exe.startsWith(`${REPO_ROOT}/`)).toBe(false);
    const environ = readFileSync(`/proc/${gw.one.pid}/environ`, "utf8").split("\0");
    const home = environ.find((entry) => entry.startsWith("HOME="))?.slice(5) ?? "";
    expect(home.startsWith(gw.one.dir)).toBe(true);
    expect(home.startsWith(`${REPO_ROOT}/`)).toBe(false);
    const targets = [
      join(REPO_ROOT, ".dev.vars"),
      `/proc/${process.pid}/cwd/.dev.vars`,
      ...readdirSync(WRANGLER_STATE).map((name) => join(WRANGLER_STATE, name)),
    ];
    for (const target of targets) {
      const read = runAs("one", "cat", [target]);
      expect(read.status, target).not.toBe(0);
      expect(read.stderr, target).toContain("Permission denied");
      for (const secret of Object.values(devVars)) expect(read.stdout).not.toContain(secret);
    }
    const list = runAs("one", "ls", [join(REPO_ROOT, ".wrangler")]);
    expect(list.stderr).toContain("Permission denied");
  });

  it("no other process's environment is readable to a gateway's user, and no process's command line holds a secret", () => {
    // Every process on the machine (the runtime, the test runner, the other gateway and its
    // helpers, anything else running here) seen from instance one's uid.
    const probe = `const fs = require("node:fs");
      const out = { readable: [], cmdlines: [] };
      for (const pid of fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n))) {
        let uid;
        try { uid = Number(/^Uid:\\s+(\\d+)/m.exec(fs.readFileSync("/proc/" + pid + "/status", "utf8"))[1]); } catch { continue; }
        try { fs.readFileSync("/proc/" + pid + "/environ"); if (uid !== process.getuid()) out.readable.push(pid); } catch {}
        try { out.cmdlines.push(fs.readFileSync("/proc/" + pid + "/cmdline", "utf8")); } catch {}
      }
      console.log(JSON.stringify(out));`;
    const run = runAs(
      "one",
      setup.runtime.gatewayFilesDir ? join(setup.runtime.gatewayFilesDir, "bin", "node") : process.execPath,
      ["-e", probe],
    );
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as { readable: string[]; cmdlines: string[] };
    expect(seen.readable).toEqual([]);
    expect(seen.cmdlines.length).toBeGreaterThan(3);
    const cmdlines = seen.cmdlines.join("\n");
    for (const secret of [gw.two.token, serviceToken, OPERATOR_KEY, ...Object.values(devVars)])
      expect(cmdlines).not.toContain(secret);
  });

  it("an approved exec in instance one's gateway gets none of them either; the chat works through the pass-through", async () => {
    const client = await ProxiedGatewayClient.open(
      `${baseUrl.replace(/^http/, "ws")}${ONE.path}/gateway`,
      {},
      serviceToken,
    );
    // operator.admin: exec approvals reach only admin connections (BRIDGE.md, Q1).
    const hello = await client.connect(undefined, [
      "operator.read",
      "operator.write",
      "operator.approvals",
      "operator.admin",
    ]);
    expect(hello.ok, JSON.stringify(hello.error)).toBe(true);
    const stolen = [
      join(gw.two.dir, "gateway-token"),
      join(dataDir, "service-token"),
      `/proc/${gw.two.pid}/environ`,
      `/proc/${process.pid}/environ`,
      join(REPO_ROOT, ".dev.vars"),
      `/proc/${process.pid}/cwd/.dev.vars`,
    ];
    const sent = await client.request("chat.send", {
      sessionKey: "t-steal",
      message: `RUNCMD: cat ${stolen.join(" ")}`,
      idempotencyKey: "tenants-steal-1",
    });
    expect(sent.ok, JSON.stringify(sent.error)).toBe(true);
    const approval = await client.waitFor((f) => f.type === "event" && f.event === "exec.approval.requested", 180_000);
    expect(approval.payload.request.command).toContain("service-token");
    const resolved = await client.request("exec.approval.resolve", { id: approval.payload.id, decision: "allow-once" });
    expect(resolved.ok, JSON.stringify(resolved.error)).toBe(true);
    const output = await client.waitFor(
      (f) =>
        f.type === "event" &&
        f.event === "agent" &&
        f.payload.stream === "command_output" &&
        f.payload.data?.phase === "end",
      180_000,
    );
    const final = await client.waitFor(
      (f) => f.type === "event" && f.event === "chat" && ["final", "error", "aborted"].includes(f.payload.state),
      180_000,
    );
    client.close();
    const text = String(output.payload.data.output);
    expect(output.payload.data.exitCode).not.toBe(0);
    expect(text.match(/Permission denied/g)?.length).toBe(stolen.length);
    expect(final.payload.state).toBe("final");
    const everything = `${client.rawFrames.join("\n")}\n${JSON.stringify(model.requests)}`;
    for (const secret of [gw.two.token, serviceToken, OPERATOR_KEY, ...Object.values(devVars)])
      expect(everything).not.toContain(secret);
  }, 400_000);

  it("counts the tokens per instance; the other instance spent none", async () => {
    const one = await call("GET", `${ONE.path}/usage`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ ok: true, data: { workspaceId: ONE.ws, instanceId: ONE.id, unmetered: 0 } });
    const usage = one.body.ok ? one.body.data : undefined;
    // The exec tool call and the reply after it: two model calls at least, all metered.
    expect(usage.requests).toBeGreaterThanOrEqual(2);
    expect(usage.requests).toBe(model.requests.length);
    expect(usage.totalTokens).toBe(usage.promptTokens + usage.completionTokens);
    expect(usage.promptTokens).toBeGreaterThan(0);
    expect((await call("GET", `${TWO.path}/usage`)).body).toMatchObject({
      ok: true,
      data: { requests: 0, totalTokens: 0 },
    });
    const list = await call("GET", `/v1/workspaces/${ONE.ws}/usage`);
    expect(list.body.ok && list.body.data.instances.map((u: { instanceId: string }) => u.instanceId)).toEqual(["one"]);
    expect((await call("GET", "/v1/workspaces/ws-a/instances/nope/usage")).status).toBe(404);
  });

  it("delete revokes the instance's model credential; its usage stays for billing", async () => {
    const credential =
      /OPENCLAW_MODEL_API_KEY=(oc-[^\0]+)/.exec(readFileSync(`/proc/${gw.one.pid}/environ`, "utf8"))?.[1] ?? "";
    const passthrough = /"baseUrl": "([^"]+)"/.exec(readFileSync(join(gw.one.dir, "openclaw.json"), "utf8"))?.[1] ?? "";
    const ask = () => fetch(`${passthrough}/models`, { headers: { authorization: `Bearer ${credential}` } });
    expect((await ask()).status).toBe(200);
    expect((await call("DELETE", ONE.path)).status).toBe(200);
    expect((await ask()).status).toBe(401);
    const after = await call("GET", `${ONE.path}/usage`);
    expect(after.body).toMatchObject({ ok: true, data: { instanceId: "one" } });
    expect(after.body.ok && after.body.data.requests).toBeGreaterThanOrEqual(2);
  });
});
