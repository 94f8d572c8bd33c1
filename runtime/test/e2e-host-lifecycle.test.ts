// The runtime as its own process (`node runtime/start.mjs`), the way `npm start` runs it:
// gateways never outlive it. SIGKILL of the host cannot be trapped, so the gateway-side
// watchdog must end them; SIGTERM stops them cleanly. In between, restore-on-start: an
// instance without a state dir but with a backup starts from that backup.
// Two gateway starts.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RUNTIME_DIR } from "../src/config";
import { isPortOpen } from "../src/ports";
import { api, isProcessRunning, processTree, SERVICE_TOKEN, waitForStatus } from "./helpers";
import { phaseNames, RESTORING_START_PHASES } from "./start-phases";

const GAMMA = "/v1/workspaces/ws2/instances/gamma";
let dataDir: string;
const hosts: ChildProcess[] = [];

/** Starts the runtime service as a child process on a free port; resolves with its URL. */
function startHost(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(RUNTIME_DIR, "start.mjs")], {
    env: {
      PATH: process.env.PATH,
      RUNTIME_PORT: "0",
      RUNTIME_DATA_DIR: dataDir,
      RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN,
      RUNTIME_MAX_GATEWAYS: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  hosts.push(child);
  let output = "";
  return new Promise((resolveHost, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${output}`)), 30_000);
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      const match = /"msg":"runtime listening","url":"([^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveHost({ child, url: match[1] });
      }
    });
    child.once("exit", (code) => reject(new Error(`runtime exited with ${code}:\n${output}`)));
  });
}

async function provisionReady(url: string) {
  const res = await api(url, "PUT", GAMMA);
  expect(res.status).toBe(202);
  const { final } = await waitForStatus(url, GAMMA, (s) => s.state === "ready" || s.state === "error");
  expect(final.error).toBeNull();
  expect(final.state).toBe("ready");
  return final;
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "runtime-host-"));
});

afterAll(() => {
  for (const host of hosts) if (host.exitCode === null && host.signalCode === null) host.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("host lifecycle", () => {
  let token = "";

  it("SIGKILL of the host: the watchdog ends the gateway and its helpers", async () => {
    const { child, url } = await startHost();
    const status = await provisionReady(url);
    token = readFileSync(join(dataDir, "instances", "ws2", "gamma", "gateway-token"), "utf8").trim();
    const backup = await api(url, "POST", `${GAMMA}/backups`);
    expect(backup.status).toBe(201);

    // The gateway's environment is an allowlist: the service token is not in it.
    expect(readFileSync(`/proc/${status.pid}/environ`, "utf8")).not.toContain(SERVICE_TOKEN);

    const tree = processTree(status.pid);
    expect(tree.length).toBeGreaterThan(1);
    child.kill("SIGKILL");
    await vi.waitFor(() => expect(tree.filter(isProcessRunning), "the gateway's processes still running").toEqual([]), {
      timeout: 15_000,
      interval: 100,
    });
    expect(await isPortOpen(status.port)).toBe(false);
  });

  let second: { child: ChildProcess; gatewayPid: number; port: number };

  it("restore-on-start: no state dir but a backup → the instance starts from the latest backup", async () => {
    rmSync(join(dataDir, "instances", "ws2", "gamma"), { recursive: true, force: true });
    const { child, url } = await startHost();
    const status = await provisionReady(url);
    second = { child, gatewayPid: status.pid, port: status.port };
    expect(phaseNames(status)).toEqual(RESTORING_START_PHASES);
    expect(status.restoredFrom).toMatch(/\.tar\.gz$/);
    // The restored state includes the instance's gateway token.
    expect(readFileSync(join(dataDir, "instances", "ws2", "gamma", "gateway-token"), "utf8").trim()).toBe(token);
  });

  it("SIGTERM of the host: gateways are stopped before it exits", async () => {
    const tree = processTree(second.gatewayPid);
    expect(tree.length).toBeGreaterThan(1);
    const exited = new Promise<number | null>((resolveExit) => second.child.once("exit", (code) => resolveExit(code)));
    second.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Stopped by the host before it exited (not later by the watchdog).
    expect(tree.every((pid) => !isProcessRunning(pid))).toBe(true);
    expect(await isPortOpen(second.port)).toBe(false);
    // SIGTERM stops; it does not delete.
    expect(existsSync(join(dataDir, "instances", "ws2", "gamma", "state"))).toBe(true);
  });
});
