// The gateway as a child process of the process host: spawned detached (its own process
// group) under the watchdog, its recent output kept (token masked) for error reports, and
// stopped with SIGTERM then SIGKILL of the whole group.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { GatewayFiles } from "./gateway-files";
import type { TenantUser } from "./tenant-users";

const RECENT_OUTPUT_LINES = 40;
/** Host environment passed through to gateways. Everything else (the service token!) stays out. */
const PASSED_ENV = [
  "PATH",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the child's whole process group (it is spawned detached, as the leader).
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function isAlive(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

export interface GatewaySpawn {
  /** Node, openclaw and the watchdog: where this gateway's user can run them (gateway-files.ts). */
  files: GatewayFiles;
  cwd: string;
  port: number;
  token: string;
  /** The gateway's own variables (isolation, model key); the host's pass-through ones are added. */
  env: Record<string, string>;
  /** Filled with the last output lines, ANSI codes stripped, the token masked. */
  recentOutput: string[];
  /** The instance's own OS user (tenant-users.ts); undefined: the runtime's own user. */
  user?: TenantUser | undefined;
  /** `openclaw`'s own words when they are given (a person's command, run as typed); else `gateway run` on loopback at `port`. */
  openclawArgs?: readonly string[];
}

const gatewayArgs = (options: GatewaySpawn): string[] => [
  "--import",
  pathToFileURL(options.files.watchdog).href,
  options.files.openclawEntry,
  ...(options.openclawArgs ?? ["gateway", "run", "--port", String(options.port), "--bind", "loopback"]),
];

/**
 * Where and as whom a gateway runs: exported so that the tenant-isolation test spawns its
 * probe exactly as a gateway is spawned.
 */
export function spawnIdentity(options: Pick<GatewaySpawn, "cwd" | "user">): {
  cwd: string;
  uid?: number;
  gid?: number;
} {
  return { cwd: options.cwd, ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}) };
}

export function spawnGateway(options: GatewaySpawn): ChildProcess {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  Object.assign(env, options.env, { AUTOPILOT_RUNTIME_WATCHDOG_FD: "3" });
  const child = spawn(options.files.node, gatewayArgs(options), {
    ...spawnIdentity(options),
    env,
    // Own process group: signals reach the gateway and its helpers together, and a Ctrl-C
    // in the host's terminal reaches only the host, which then stops gateways cleanly.
    detached: true,
    // fd 3: the watchdog pipe (see gateway-watchdog.mjs). Never written, never closed by us.
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const { token, recentOutput } = options;
  const capture = (chunk: Buffer) => {
    for (const raw of chunk.toString("utf8").split("\n")) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes (ESC [ … m) from the gateway's log
      let line = raw.replace(/\x1b\[[0-9;]*m/g, "").trimEnd();
      if (!line) continue;
      if (token) line = line.split(token).join("[redacted]");
      recentOutput.push(line);
      if (recentOutput.length > RECENT_OUTPUT_LINES) recentOutput.shift();
    }
  };
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);
  return child;
}

/** SIGTERM to the group; SIGKILL when it has not exited after `timeoutMs`. Returns false when it had to kill. */
export async function stopGatewayProcess(child: ChildProcess | undefined, timeoutMs: number): Promise<boolean> {
  if (!isAlive(child) || child.pid === undefined) return true;
  const exited = once(child, "exit");
  signalGroup(child.pid, "SIGTERM");
  const stopped = await Promise.race([exited.then(() => true), delay(timeoutMs).then(() => false)]);
  if (!stopped) {
    signalGroup(child.pid, "SIGKILL");
    await exited;
  }
  return stopped;
}
