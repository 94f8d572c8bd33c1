// Starts the bench-only baseline Worker (worker.ts: the minimal partyserver room, and the
// plain streamText client at /plain-stream, in the Worker or in a Durable Object) under its
// own `wrangler dev`, with the same local workerd as the room; resolves once it answers
// HTTP. wrangler runs at the project's root: its `[build]` step (the AI SDK bundle the
// plain client imports) runs where wrangler was started. `config` picks the SDK build:
// wrangler.toml (the room's, through its [alias]) or wrangler.npm-ai.toml (the npm build).
// It starts as the room's server does (party/dev/wrangler-dev.mjs): no V8 inspector unless a
// bench's profile asks for one. The CLI would open one and attach wrangler's inspector proxy
// to it (`Runtime.enable`), a session the room's process does not have.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { LAUNCHER, NODE, quietEnv, ROOT, stopChild } from "../../dev/server.mjs";

/** For workerd-direct.mjs's benchTarget: only the baseline Worker answers `/` with this 404. */
export const BASELINE_PROBE = { path: "/", is: (status, body) => status === 404 && body.startsWith("baseline room") };

/**
 * `inspectorPort`: wrangler's DevTools endpoint on that port, for a bench's profile of the
 * floor (without it nothing listens for an inspector).
 * @param {{port: number, persistDir: string, config?: string, inspectorPort?: number}} options
 */
export async function startBaseline({ port, persistDir, config = "wrangler.toml", inspectorPort }) {
  const env = {
    ...quietEnv,
    // wrangler dev's local trace collector, off as for the room in the benches (party/dev/server.mjs).
    X_LOCAL_OBSERVABILITY: "false",
  };
  const args = [
    "--no-warnings",
    LAUNCHER,
    "--config",
    join(ROOT, "party", "bench", "baseline", config),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persistDir,
    ...(inspectorPort ? ["--inspector-port", String(inspectorPort)] : []),
  ];
  const child = spawn(NODE, args, {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = [];
  // BENCH_BASELINE_LOG=<file> keeps its wrangler output (with MINIFLARE_WORKERD_V8_FLAGS=--trace-gc: its collections);
  // another config's floor writes beside it, `<file>.<config>`, so that the two logs stay apart.
  const logFile =
    process.env.BENCH_BASELINE_LOG &&
    (config === "wrangler.toml"
      ? process.env.BENCH_BASELINE_LOG
      : `${process.env.BENCH_BASELINE_LOG}.${config.replace(/\.toml$/, "")}`);
  const log = logFile ? createWriteStream(logFile) : null;
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8").on("data", (chunk) => {
      output.push(chunk);
      log?.write(chunk);
    });
  }
  child.once("exit", () => log?.end());
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the baseline room's wrangler dev exited:\n${output.join("")}`);
    try {
      if ((await fetch(url)).status === 404) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the baseline room did not start:\n${output.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = () => {
    process.off("exit", killChild);
    return stopChild(child);
  };
  return { url, port, stop, child };
}
