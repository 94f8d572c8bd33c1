// `npm start`: the whole product on http://127.0.0.1:8787 until Ctrl-C.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { startRuntime } from "./runtime.mjs";
import { autopilotModelVars, ensureDevVars, ROOT, signupVars, startServer } from "./server.mjs";

const port = Number(process.env.PORT ?? 8787);
const runtimePort = Number(process.env.RUNTIME_PORT ?? 8790);

const build = spawnSync(process.execPath, [join(ROOT, "client", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const devVars = ensureDevVars();
console.log("Starting the OpenClaw runtime (process host)…");
// The runtime runs beside wrangler dev: the Worker reaches it on loopback with the shared
// service token from .dev.vars. It starts no gateway until an instance is provisioned.
const runtime = await startRuntime({
  port: runtimePort,
  serviceToken: devVars.RUNTIME_SERVICE_TOKEN,
  log: (line, stream) => {
    if (stream === "stderr") process.stderr.write(`  [runtime] ${line}\n`);
    else if (process.env.VERBOSE) console.log(`  [runtime] ${line}`);
  },
}).catch((error) => {
  console.error(`Could not start the runtime: ${error.message}`);
  process.exit(1);
});
console.log("Starting wrangler dev (local D1 + Durable Objects)…");
const server = await startServer({
  port,
  persistDir: process.env.PERSIST_DIR,
  // The Autopilot's own model: AUTOPILOT_MODEL_*, else the gateways' OPENCLAW_MODEL_*.
  // The app may be opened as 127.0.0.1 or localhost: both are its own origin for the cookie checks.
  // Sign-up: wrangler.toml says open with no operators; SIGNUP_MODE / ADMIN_EMAILS override it.
  // Devices on this machine (or the LAN, with DEVICE_ENTRY_ORIGIN=ws://<lan-ip>:<port>) reach hosted gateways through /devices/.
  vars: {
    RUNTIME_URL: runtime.url,
    ...autopilotModelVars(process.env),
    ...signupVars(process.env),
    APP_ORIGINS: `http://127.0.0.1:${port},http://localhost:${port}`,
    DEVICE_ENTRY_ORIGIN: process.env.DEVICE_ENTRY_ORIGIN ?? `ws://127.0.0.1:${port}`,
  },
  log: (line) => {
    if (process.env.VERBOSE || /error|✘|warn/i.test(line)) console.log(`  [wrangler] ${line}`);
    // No mail server locally: print each mail's link (verification, invitation).
    else if (line.includes('"msg":"mail"')) console.log(`  [mail] ${line.slice(line.indexOf("{"))}`);
  },
}).catch((error) => {
  console.error(`Could not start: ${error.message}`);
  runtime.child.kill("SIGTERM");
  process.exit(1);
});

console.log(`
  Autopilot is running.

  Open      ${server.url}          (sign up, create a workspace key)
  Agents    npx autopilot watch --url ${server.url} --workspace <id> --key <key>
  Runtime   ${runtime.url}   (OpenClaw process host, internal; token in .dev.vars)
  Sign-up   ${process.env.SIGNUP_MODE || "open"}${process.env.ADMIN_EMAILS ? `; operators (${server.url}/admin): ${process.env.ADMIN_EMAILS}, each once signed up or signed in with the address verified` : "; no operators (set ADMIN_EMAILS)"}
  Model     ${autopilotModelVars(process.env).AUTOPILOT_MODEL_ID ?? "none: set AUTOPILOT_MODEL_BASE_URL and AUTOPILOT_MODEL_ID for the Autopilot's replies"}
  Data      ${server.persistDir}

  Press Ctrl-C to stop.
`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await Promise.all([server.stop(), runtime.stop()]);
  console.log("Stopped.");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// A process manager may stop `npm start` by signalling npm alone, which exits without passing
// the signal on: this process is then handed to another parent, with the server and the
// runtime still running. It stops with its parent, as on Ctrl-C.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown("npm exited");
}, 1000).unref();
runtime.child.on("exit", (code) => {
  if (!stopping) {
    console.error(`the runtime exited unexpectedly (code ${code}); stopping.`);
    void shutdown("runtime exit");
  }
});
server.child.on("exit", (code) => {
  if (!stopping) {
    console.error(
      `wrangler dev exited unexpectedly (code ${code}). See the output above; run with VERBOSE=1 for all of it.`,
    );
    process.exit(1);
  }
});
