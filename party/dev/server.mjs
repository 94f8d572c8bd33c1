// Starts the product locally: local D1 migrations, then `wrangler dev` (workerd with local
// D1 and Durable Objects, the built client as assets) through wrangler-dev.mjs, which opens
// no inspector unless a bench asks for one. Used by `npm start`, by the Node end-to-end
// tests and by the benchmarks, so all of them exercise the same server.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import webpush from "web-push";
import { copyAssetsForServer } from "../../client/builds.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
// The project's pinned Node (devDependency `node`): wrangler needs 22+, this module may run on 20.
export const NODE = join(ROOT, "node_modules", ".bin", "node");
// wrangler dev with its inspector off unless asked for (wrangler-dev.mjs says why).
export const LAUNCHER = join(ROOT, "party", "dev", "wrangler-dev.mjs");
const DB_NAME = "autopilot-auth";

/** The environment wrangler runs in here (and the benchmark's baseline room): the project's Node, quiet, offline. */
export const quietEnv = {
  ...process.env,
  // wrangler's shebang runs whatever `node` is first on PATH; the project's pinned Node 24
  // (devDependency `node`) must win even when this module is imported from plain Node 20.
  PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
  WRANGLER_SEND_METRICS: "false",
  // Stops wrangler looking up request.cf data on the (absent) internet.
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

/**
 * .dev.vars holds local secrets (git-ignored): the auth secret, the runtime's service
 * token (the operator's: tests call the runtime with it), the tenant key the Worker derives
 * its per-workspace runtime credentials from, and a VAPID key pair for Web Push (with its
 * subject), each generated once. Returns them so `npm start` can hand the runtime it starts
 * the same token and key.
 */
export function ensureDevVars() {
  const path = join(ROOT, ".dev.vars");
  let current = existsSync(path) ? readFileSync(path, "utf8") : "";
  const has = (name) => new RegExp(`^${name}=`, "m").test(current);
  const add = (lines) => {
    current = `${current}${current && !current.endsWith("\n") ? "\n" : ""}${lines.join("\n")}\n`;
    // Only its owner may read it: a gateway runs approved commands under another uid on this machine.
    writeFileSync(path, current, { mode: 0o600 });
  };
  for (const name of ["BETTER_AUTH_SECRET", "RUNTIME_SERVICE_TOKEN", "RUNTIME_TENANT_KEY"])
    if (!has(name)) add([`${name}=${randomBytes(32).toString("hex")}`]);
  // The pair belongs together: a browser subscribed with one public key takes pushes signed by its private key only.
  if (!has("VAPID_PUBLIC_KEY") || !has("VAPID_PRIVATE_KEY")) {
    const pair = webpush.generateVAPIDKeys();
    current = current.replace(/^VAPID_(PUBLIC|PRIVATE)_KEY=.*\n?/gm, "");
    add([`VAPID_PUBLIC_KEY=${pair.publicKey}`, `VAPID_PRIVATE_KEY=${pair.privateKey}`]);
  }
  if (!has("VAPID_SUBJECT")) add(["VAPID_SUBJECT=mailto:dev@localhost"]);
  if (existsSync(path)) chmodSync(path, 0o600);
  return Object.fromEntries(
    current
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

export function applyMigrations(persistDir) {
  // A fresh state folder starts from a copy of the migrated database: wrangler takes seconds
  // of CPU to start and apply them, and every end-to-end test starts a server on a fresh folder.
  if (!existsSync(join(persistDir, "v3", "d1"))) {
    cpSync(migratedTemplate(), persistDir, { recursive: true });
    return;
  }
  migrate(persistDir);
}

function migrate(persistDir) {
  const result = spawnSync(WRANGLER, ["d1", "migrations", "apply", DB_NAME, "--local", "--persist-to", persistDir], {
    cwd: ROOT,
    env: { ...quietEnv, CI: "true" }, // CI=true: apply without the interactive confirmation
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`D1 migrations failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * A state folder with only the D1 migrations applied, by wrangler itself, made once per set of
 * migrations (and wrangler version) under .wrangler/: named by their hash, so a changed or
 * added migration makes a new one. Made in a folder of its own and renamed into place, so
 * servers started side by side never copy a half-made one.
 */
function migratedTemplate() {
  const hash = createHash("sha256");
  hash.update(readFileSync(join(ROOT, "node_modules", "wrangler", "package.json")));
  hash.update(readFileSync(join(ROOT, "wrangler.toml")));
  const dir = join(ROOT, "party", "migrations");
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  const parent = join(ROOT, ".wrangler", "d1-templates");
  const template = join(parent, hash.digest("hex").slice(0, 16));
  if (existsSync(template)) return template;
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const making = mkdtempSync(join(parent, "making-"));
  migrate(making);
  try {
    renameSync(making, template);
  } catch (error) {
    // Another server made it meanwhile: theirs is as good.
    rmSync(making, { recursive: true, force: true });
    if (!existsSync(template)) throw error;
  }
  return template;
}

/** A loopback port that was free a moment ago (tests start servers side by side). */
export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not become ready within ${timeoutMs} ms`);
}

/** Each AUTOPILOT_MODEL_* variable and the OPENCLAW_MODEL_* one it falls back to. */
const MODEL_VARS = [
  ["AUTOPILOT_MODEL_BASE_URL", "OPENCLAW_MODEL_BASE_URL"],
  ["AUTOPILOT_MODEL_ID", "OPENCLAW_MODEL_ID"],
  ["AUTOPILOT_MODEL_API_KEY", "OPENCLAW_MODEL_API_KEY"],
  ["AUTOPILOT_MODEL_CONTEXT_TOKENS"],
  ["AUTOPILOT_MAX_STEPS"],
  ["AUTOPILOT_MODEL_TIMEOUT_MS"],
  ["AUTOPILOT_APPROVAL_TTL_MS"],
  ["AUTOPILOT_RISKY_GATEWAY_TOOLS"],
];

/**
 * The Autopilot's model settings from an environment (`npm start`'s), as variables for
 * wrangler dev: each AUTOPILOT_MODEL_* defaults to its OPENCLAW_MODEL_* counterpart, so one
 * local model serves both the gateways and the Autopilot. startServer passes the key in a
 * private file, never on the command line (production keeps it in a Worker secret).
 * @param {Record<string, string | undefined>} env
 * @returns {Record<string, string>}
 */
export function autopilotModelVars(env) {
  const vars = {};
  for (const [name, fallback] of MODEL_VARS) {
    const value = env[name] || (fallback ? env[fallback] : undefined);
    if (value) vars[name] = value;
  }
  return vars;
}

/**
 * Sign-up settings (SIGNUP_MODE, ADMIN_EMAILS) from an environment, as `--var`s for wrangler
 * dev; unset ones keep wrangler.toml's defaults (open, no operators).
 * @param {Record<string, string | undefined>} env
 * @returns {Record<string, string>}
 */
export function signupVars(env) {
  return Object.fromEntries(
    ["SIGNUP_MODE", "ADMIN_EMAILS"].filter((name) => env[name]).map((name) => [name, env[name]]),
  );
}

/** Names of values that are secrets (a model's API key): never on a command line. */
const SECRET_VAR = /(_KEY|_TOKEN|_SECRET|_PASSWORD)$/;

/**
 * Splits wrangler dev's variables into plain `--var`s and secrets. A command line is public on
 * this machine (/proc/<pid>/cmdline; a gateway runs approved commands under another uid), so
 * secrets go to a file only this user can read, in a 0700 directory of its own, removed when
 * wrangler exits.
 * @param {Record<string, string>} vars
 * @returns {{plain: Record<string, string>, secretsFile: string | undefined}}
 */
export function splitSecretVars(vars) {
  const plain = {};
  const lines = [];
  for (const [name, value] of Object.entries(vars)) {
    if (!SECRET_VAR.test(name)) {
      plain[name] = value;
      continue;
    }
    // Single quotes keep the value literal in dotenv; a value that needs more has no safe spelling there.
    if (/['\n\r]/.test(value)) throw new Error(`${name} holds a quote or a line break: set it in .dev.vars instead`);
    lines.push(`${name}='${value}'`);
  }
  if (lines.length === 0) return { plain, secretsFile: undefined };
  const dir = mkdtempSync(join(tmpdir(), "autopilot-dev-secrets-"));
  const secretsFile = join(dir, "secrets.env");
  writeFileSync(secretsFile, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { plain, secretsFile };
}

/**
 * `localObservability: false` switches off wrangler dev's local trace collector (X_LOCAL_OBSERVABILITY, on by default):
 * a Worker of miniflare's in the same workerd that receives every event's trace and writes it to SQLite, on the
 * thread the rooms run on. Production has nothing like it there, so the benchmarks switch it off (for their
 * baselines too); `npm start` and the tests keep wrangler's default. `inspectorPort`: a DevTools endpoint there (and workerd's
 * own on a port of its choosing), for a bench's profiles only; without it nothing listens for an inspector.
 * `assetsDir`: static assets to serve instead of the published client build (client/builds.mjs).
 * `bundleDir` (or AUTOPILOT_WORKER_BUNDLE): a Worker built by `wrangler deploy --dry-run --outdir`, run as built (wrangler-dev.mjs).
 * @param {{port?: number, persistDir?: string, vars?: Record<string,string>, log?: (line: string) => void, inspectorPort?: number, localObservability?: boolean, assetsDir?: string, bundleDir?: string}} options
 * @returns {Promise<{url: string, port: number, persistDir: string, stop: () => Promise<void>, child: import("node:child_process").ChildProcess}>}
 */
export async function startServer(options = {}) {
  const port = options.port ?? 8787;
  const persistDir = resolve(options.persistDir ?? join(ROOT, ".wrangler", "state"));
  // The local D1 and Durable Object data: its owner's alone (0700), like .dev.vars.
  for (const dir of [join(ROOT, ".wrangler"), persistDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  chmodSync(join(ROOT, ".wrangler"), 0o700);
  ensureDevVars();
  applyMigrations(persistDir);
  // wrangler's CLI flags, read by the launcher; `--no-warnings` as wrangler's own bin runs its CLI.
  const args = ["--no-warnings", LAUNCHER, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistDir];
  // Only then a DevTools endpoint (a bench's CPU profile, party/bench/cpu-profile.mjs): any local uid may connect to it.
  if (options.inspectorPort) args.push("--inspector-port", String(options.inspectorPort));
  // A Worker already built (`npm test` builds one for the whole run): no esbuild at this start.
  const bundle = options.bundleDir ?? process.env.AUTOPILOT_WORKER_BUNDLE;
  if (bundle) args.push("--bundle", bundle);
  // Locally there is no mail server: mails go to the dev outbox the app shows (never set in
  // wrangler.toml, so never in production).
  // A gateway linked locally (instances.link) runs on loopback: allowed here, refused in
  // production unless its operator sets the same var.
  // Under the tests a hosted gateway never sleeps (decision 78) unless a test sets its own idle
  // time: a suite that leaves its instance idle between steps must find it as it left it.
  const { plain, secretsFile } = splitSecretVars({
    DEV_MAIL_OUTBOX: "1",
    LINKED_GATEWAY_ALLOW_PRIVATE: "1",
    ...(process.env.VITEST ? { INSTANCE_SLEEP_AFTER_SECONDS: "0" } : {}),
    ...options.vars,
  });
  for (const [k, v] of Object.entries(plain)) args.push("--var", `${k}:${v}`);
  // Given env files, wrangler reads .dev.vars only when named too.
  if (secretsFile) args.push("--env-file", join(ROOT, ".dev.vars"), "--env-file", secretsFile);
  // The client as built when this server starts, in a folder of its own: wrangler dev reads
  // its assets live, and another `npm start` or test from this checkout may build meanwhile.
  const assetsDir = await copyAssetsForServer(options.assetsDir);
  args.push("--assets", assetsDir);
  const env = options.localObservability === false ? { ...quietEnv, X_LOCAL_OBSERVABILITY: "false" } : quietEnv;
  const child = spawn(NODE, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: false });
  const removeFiles = () => {
    rmSync(dirname(assetsDir), { recursive: true, force: true });
    if (secretsFile) rmSync(dirname(secretsFile), { recursive: true, force: true });
  };
  child.once("exit", removeFiles);
  process.once("exit", removeFiles);
  const log = options.log ?? (() => {});
  const output = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    // A long line (a bench's JSON marks) can arrive split over several chunks: log whole lines only.
    let partial = "";
    stream.on("data", (chunk) => {
      output.push(chunk);
      if (output.length > 200) output.shift();
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) log(line);
    });
  }
  // If this process exits for any reason, wrangler (and its workerd) must not linger.
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  child.once("exit", () => process.off("exit", killChild));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, 60_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${error.message}\n--- wrangler output ---\n${output.join("")}`);
  }
  let stopped;
  const stop = () => {
    stopped ??= stopChild(child);
    return stopped;
  };
  return { url, port, persistDir, stop, child };
}

/** Ends a child process: SIGTERM, then SIGKILL if it is still there after 5 s; resolves once it has exited. */
export function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
