// `npm start`: the whole product on http://127.0.0.1:8787 until Ctrl-C.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, startServer } from "./server.mjs";

const port = Number(process.env.PORT ?? 8787);
const build = spawnSync(process.execPath, [join(ROOT, "client", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

console.log("Starting wrangler dev (local D1 + Durable Objects)…");
const server = await startServer({
  port,
  persistDir: process.env.PERSIST_DIR,
  log: (line) => {
    if (process.env.VERBOSE || /error|✘|warn/i.test(line)) console.log(`  [wrangler] ${line}`);
  },
}).catch((error) => {
  console.error(`Could not start: ${error.message}`);
  process.exit(1);
});

console.log(`
  Autopilot is running.

  Open      ${server.url}          (sign up, create a workspace key)
  Agents    npx autopilot watch --url ${server.url} --workspace <id> --key <key>
  Data      ${server.persistDir}

  Press Ctrl-C to stop.
`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await server.stop();
  console.log("Stopped.");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
server.child.on("exit", (code) => {
  if (!stopping) {
    console.error(`wrangler dev exited unexpectedly (code ${code}). See the output above; run with VERBOSE=1 for all of it.`);
    process.exit(1);
  }
});
