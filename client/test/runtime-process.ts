// The OpenClaw runtime (process host) as `npm start` runs it, for end-to-end tests that
// need real gateways beside the real server, plus the small HTTP and wait helpers they share.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT } from "../../party/dev/server.mjs";

export interface RuntimeProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit (the runtime stops its gateways first). */
  stop(): Promise<void>;
}

/** Starts `runtime/start.mjs` and resolves once it listens. `env` adds to (or, with undefined, removes from) this process's environment. */
export async function startRuntime(options: { port: number; dataDir: string; serviceToken: string; env?: Record<string, string | undefined> }): Promise<RuntimeProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, RUNTIME_PORT: String(options.port), RUNTIME_SERVICE_TOKEN: options.serviceToken, RUNTIME_DATA_DIR: options.dataDir };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, [join(ROOT, "runtime", "start.mjs")], { env, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`runtime exited ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === "runtime listening" && entry.url) resolve(entry.url);
      } catch {
        // not JSON
      }
    });
  });
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** JSON over HTTP to the server, as a browser on its origin would send it. */
export async function httpJson<T>(baseUrl: string, path: string, init: RequestInit & { cookie?: string } = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { "content-type": "application/json", origin: baseUrl, ...(init.cookie ? { cookie: init.cookie } : {}) },
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

/** Polls a local condition (client state), returning its first truthy value. */
export async function until<T>(check: () => T | undefined | null | false, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
