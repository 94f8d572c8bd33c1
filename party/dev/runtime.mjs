// The OpenClaw runtime (process host) as `npm start` runs it: one implementation for
// `npm start`, the end-to-end tests and the bridge benchmark.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ensureDevVars, ROOT } from "./server.mjs";

/** How many of the runtime's last lines an early-exit error carries. */
const RECENT_LINES = 50;

/**
 * Starts `runtime/start.mjs` and resolves once it listens. `env` adds to this process's
 * environment (a value of `undefined` removes the variable). Every output line goes to
 * `log(line, stream)`; by default stderr lines are echoed to this process's stderr.
 * `launcher`: a command the runtime is started through (a test's `nsenter` into a mount namespace).
 * `tenantKey`: what the Worker's per-workspace credentials are derived from; by default the one
 * in .dev.vars, which wrangler dev gives the Worker, so the two sides always agree.
 * @param {{port: number, serviceToken: string, tenantKey?: string, dataDir?: string, env?: Record<string, string | undefined>, log?: (line: string, stream: "stdout" | "stderr") => void, launcher?: string[]}} options
 */
export async function startRuntime(options) {
  const env = {
    ...process.env,
    RUNTIME_PORT: String(options.port),
    RUNTIME_SERVICE_TOKEN: options.serviceToken,
    RUNTIME_TENANT_KEY: options.tenantKey ?? ensureDevVars().RUNTIME_TENANT_KEY,
  };
  if (options.dataDir) env.RUNTIME_DATA_DIR = options.dataDir;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const log = options.log ?? ((line, stream) => stream === "stderr" && process.stderr.write(`${line}\n`));
  const [command, ...args] = [...(options.launcher ?? []), process.execPath, join(ROOT, "runtime", "start.mjs")];
  const child = spawn(/** @type {string} */ (command), args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const recent = [];
  const url = await new Promise((resolve, reject) => {
    child.once("exit", (code) =>
      reject(new Error(`the runtime exited (code ${code}) before it listened:\n${recent.join("\n")}`)),
    );
    for (const stream of /** @type {const} */ (["stdout", "stderr"])) {
      createInterface({ input: child[stream] }).on("line", (line) => {
        recent.push(line);
        if (recent.length > RECENT_LINES) recent.shift();
        log(line, stream);
        if (stream !== "stdout") return;
        try {
          const entry = JSON.parse(line);
          if (entry.msg === "runtime listening" && entry.url) resolve(entry.url);
        } catch {
          // a plain text line
        }
      });
    }
  });
  return {
    url,
    child,
    /** SIGTERM (the runtime stops its gateways first), SIGKILL if it is still there after `killAfterMs`. */
    async stop(killAfterMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
