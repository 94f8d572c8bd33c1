// `npm start` as root on a machine with nothing of an earlier run: no /var/lib/autopilot-runtime
// (the runtime's default data dir as root) and no /var/cache/autopilot-runtime (the gateways'
// files). A private mount namespace with empty tmpfs over /var/lib and /var/cache gives exactly
// that, so the real default paths are exercised, not a test's own data dir. Root containers,
// CI runners and cloud VMs start this way. Needs root and util-linux's unshare and nsenter.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime } from "../../party/dev/runtime.mjs";
import { freePort, ROOT } from "../../party/dev/server.mjs";

/** Why this machine cannot run the test, or undefined when it can. */
function skipReason(): string | undefined {
  if (process.platform !== "linux") return "needs Linux mount namespaces";
  if (process.getuid?.() !== 0)
    return "needs root: the runtime uses machine-wide directories only as root, and mounting needs it too";
  for (const tool of ["unshare", "nsenter"]) {
    if (spawnSync(tool, ["--version"]).status !== 0) return `needs util-linux's ${tool}`;
  }
  const probe = spawnSync("unshare", ["-m", "--propagation", "private", "true"], { encoding: "utf8" });
  if (probe.status !== 0) return `unshare cannot make a mount namespace here: ${probe.stderr.trim()}`;
  return undefined;
}
const skip = skipReason();

/** A process that holds the namespace: empty /var/lib and /var/cache (0755, as a distribution makes them). */
let holder: ChildProcess | undefined;
/** A command line that runs its rest inside the holder's namespace, in the checkout (nsenter would start it in /). */
const inNamespace = () => ["nsenter", "-t", String(holder!.pid), "-m", `--wd=${ROOT}`, "--"];
/** A path as processes in the namespace see it. */
const seen = (path: string) => join(`/proc/${holder!.pid}/root`, path);
const modeOf = (path: string) => (statSync(seen(path)).mode & 0o777).toString(8);
const dirs: string[] = [];

beforeAll(async () => {
  if (skip) return;
  const mountEmpty = "mount -t tmpfs -o mode=755 none /var/lib && mount -t tmpfs -o mode=755 none /var/cache";
  holder = spawn(
    "unshare",
    ["-m", "--propagation", "private", "sh", "-c", `${mountEmpty} && echo mounted && exec sleep infinity`],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const mounted = new Promise<void>((resolve, reject) => {
    holder!.once("exit", (code) => reject(new Error(`the namespace holder exited (code ${code})`)));
    createInterface({ input: holder!.stdout! }).on("line", (line) => line === "mounted" && resolve());
  });
  await mounted;
  // The namespace starts as this test wants it: nothing of the runtime's there.
  expect([...readdirSync(seen("/var/lib")), ...readdirSync(seen("/var/cache"))]).toEqual([]);
});

afterAll(() => {
  holder?.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Waits until `npm start` says it is running (runtime and server up), or throws with the output when it gave up. */
function waitUntilRunning(child: ChildProcess, output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const exited = () =>
      reject(
        new Error(
          `npm start exited (${child.exitCode ?? child.signalCode}) before it was running:\n${output.join("")}`,
        ),
      );
    const running = () => output.join("").includes("Autopilot is running.") && resolve();
    if (child.exitCode !== null || child.signalCode !== null) return exited();
    // After the listeners that fill `output`: each sees the chunk it came with.
    for (const stream of [child.stdout!, child.stderr!]) stream.on("data", running);
    child.once("exit", exited);
    running();
  });
}

describe("a fresh machine, as root", () => {
  it("the runtime starts with its default directories, made passable for the gateways' users, twice", async (ctx) => {
    if (skip) return ctx.skip(skip);
    const serviceToken = randomBytes(32).toString("hex");
    for (const round of [1, 2]) {
      const lines: string[] = [];
      // As `npm start` starts it: the service token in the environment, no data dir given.
      const runtime = await startRuntime({
        port: 0,
        serviceToken,
        launcher: inNamespace(),
        env: { RUNTIME_DATA_DIR: undefined, RUNTIME_GATEWAY_FILES_DIR: undefined },
        log: (line) => lines.push(line),
      });
      try {
        const health = await fetch(`${runtime.url}/v1/health`, {
          headers: { authorization: `Bearer ${serviceToken}` },
        });
        expect(health.status, `round ${round}: ${lines.join("\n")}`).toBe(200);
      } finally {
        await runtime.stop();
      }
      // Made by the runtime: traverse-only on the gateways' way, readable where their files are.
      expect(modeOf("/var/lib/autopilot-runtime"), `round ${round}`).toBe("711");
      expect(modeOf("/var/cache/autopilot-runtime"), `round ${round}`).toBe("755");
    }
  }, 600_000);

  it("`npm start` answers /api/health, and again on the state the first start left", async (ctx) => {
    if (skip) return ctx.skip(skip);
    const persistDir = mkdtempSync(join(tmpdir(), "autopilot-fresh-machine-"));
    dirs.push(persistDir);
    const [port, runtimePort] = [await freePort(), await freePort()];
    for (const round of [1, 2]) {
      const output: string[] = [];
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        RUNTIME_PORT: String(runtimePort),
        PERSIST_DIR: persistDir,
      };
      delete env.RUNTIME_DATA_DIR;
      delete env.RUNTIME_GATEWAY_FILES_DIR;
      // Its own process group, so the stop below reaches npm, start.mjs, wrangler and the runtime.
      const child = spawn(inNamespace()[0]!, [...inNamespace().slice(1), "npm", "start"], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      for (const stream of [child.stdout!, child.stderr!])
        stream.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        await waitUntilRunning(child, output);
        const health = await fetch(`http://127.0.0.1:${port}/api/health`);
        expect(health.status, `round ${round}`).toBe(200);
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGTERM");
        await exited;
      }
    }
    expect(modeOf("/var/lib/autopilot-runtime")).toBe("711");
  }, 900_000);
});
