// `npm test`: the type check, the lint, every test (units, workerd, end-to-end in Node, the
// runtime against real gateways), and a production bundle check with `wrangler deploy
// --dry-run`. Prints one closing line "N passed, N failed". The Node and runtime configs run
// the complement of vitest.unit.config.ts's list, so each test runs in exactly one step.
// The workerd tests and the runtime's run side by side (each leaves much of a core idle:
// workerd's one thread, the gateways' starts); their output is printed when each ends.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { ROOT } from "./server.mjs";

const bin = (name) => join(ROOT, "node_modules", ".bin", name);
/**
 * Agents run `npx autopilot` on their own Node (20 or later), not on the project's pinned
 * Node 24: point the CLI tests at the first `node` on PATH outside node_modules.
 */
function systemNode() {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = join(dir, "node");
    if (existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

const cliNode = process.env.AUTOPILOT_TEST_NODE ?? systemNode();
const cliNodeVersion = spawnSync(cliNode, ["--version"], { encoding: "utf8" }).stdout.trim();
console.log(`CLI tests run on ${cliNode} (${cliNodeVersion})`);
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  AUTOPILOT_TEST_NODE: cliNode,
};
const reports = mkdtempSync(join(tmpdir(), "autopilot-test-"));
const began = Date.now();
let passed = 0;
let failed = 0;
const failures = [];
/** Each step's name and seconds, for the closing lines: where the loop's time goes. */
const timings = [];
/** Every test file's seconds, from the vitest reports: the slowest are listed at the close. */
const fileTimes = [];

/**
 * A test file that fails to load (import error, a throwing beforeAll) has no failed test
 * of its own in vitest's counts: count each such file as one failure, so the closing
 * line can never read "0 failed" while a file did not run.
 */
function brokenFiles(report) {
  return report.testResults.filter(
    (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"),
  ).length;
}

/** Runs a command; with `quiet`, its output is kept and printed when it ends (a step beside another). */
function run(command, args, quiet) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    const output = [];
    if (quiet) for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => output.push(chunk));
    child.on("close", (status, signal) => {
      if (quiet) process.stdout.write(Buffer.concat(output));
      resolve({ status: status ?? signal });
    });
  });
}

async function step(name, command, args, vitestReport, { quiet = false } = {}) {
  console.log(`\n▶ ${name}${quiet ? " (beside the step before it; its output when it ends)" : ""}`);
  const started = Date.now();
  const result = await run(command, args, quiet);
  if (quiet) console.log(`\n◀ ${name}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  timings.push([name, seconds]);
  let stepFailures = 0;
  if (vitestReport) {
    try {
      const report = JSON.parse(readFileSync(vitestReport, "utf8"));
      passed += report.numPassedTests;
      for (const file of report.testResults)
        fileTimes.push([relative(ROOT, file.name), (file.endTime - file.startTime) / 1000]);
      stepFailures = report.numFailedTests + brokenFiles(report);
    } catch {
      // no report: the runner died before writing it (counted below)
    }
  } else if (result.status === 0) {
    passed++;
  }
  // A step that failed with no failed test to show for it (a dead runner, an unhandled
  // error after the tests, a failed type check) still counts as one failure.
  if (result.status !== 0) stepFailures = Math.max(stepFailures, 1);
  failed += stepFailures;
  if (result.status !== 0) {
    failures.push(name);
    console.log(`✘ ${name} failed (exit ${result.status}) after ${seconds}s`);
  } else {
    console.log(`✔ ${name} (${seconds}s)`);
  }
}

await step("type check (tsc, one config per part)", process.execPath, [join(ROOT, "party", "dev", "typecheck.mjs")]);
await step("lint (dependency-cruiser, Biome, file size)", process.execPath, [join(ROOT, "party", "dev", "lint.mjs")]);
await step("client build", process.execPath, [join(ROOT, "client", "build.mjs")]);
// Units first: the fast loop (`npm run test:unit`), files in parallel; a broken unit shows
// before the slow steps start.
const unitReport = join(reports, "unit.json");
await step(
  "unit tests (no server, gateway, browser or workerd)",
  bin("vitest"),
  [
    "run",
    "--config",
    "vitest.unit.config.ts",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${unitReport}`,
  ],
  unitReport,
);
const workerReport = join(reports, "worker.json");
const runtimeReport = join(reports, "runtime.json");
await Promise.all([
  step(
    "room and auth tests in workerd",
    bin("vitest"),
    [
      "run",
      "--config",
      "vitest.worker.config.ts",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${workerReport}`,
    ],
    workerReport,
  ),
  step(
    "runtime tests against the real OpenClaw gateway (and as tenant users)",
    bin("vitest"),
    [
      "run",
      "runtime/test",
      "--config",
      "runtime/vitest.config.ts",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${runtimeReport}`,
    ],
    runtimeReport,
    { quiet: true },
  ),
]);
const nodeReport = join(reports, "node.json");
await step(
  "end-to-end tests in Node (wrangler dev, runtime, browser)",
  bin("vitest"),
  [
    "run",
    "--config",
    "vitest.node.config.ts",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${nodeReport}`,
  ],
  nodeReport,
);
const outdir = join(reports, "deploy");
await step("wrangler deploy --dry-run (party Worker)", bin("wrangler"), ["deploy", "--dry-run", "--outdir", outdir]);
// The runtime's production Worker runs its gateways in containers; there is no Docker
// engine to build the image here, and --containers-rollout=none is wrangler's supported
// way to bundle and check the Worker without building or updating containers.
await step("wrangler deploy --dry-run (runtime sandbox Worker)", bin("wrangler"), [
  "deploy",
  "-c",
  "runtime/sandbox/wrangler.toml",
  "--dry-run",
  "--containers-rollout=none",
  "--outdir",
  join(reports, "deploy-runtime"),
]);
rmSync(reports, { recursive: true, force: true });

console.log("\nSlowest test files:");
for (const [file, seconds] of fileTimes.sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`  ${seconds.toFixed(1).padStart(7)} s  ${file}`);
console.log("\nTime per step:");
for (const [name, seconds] of timings) console.log(`  ${seconds.padStart(7)} s  ${name}`);
console.log(`  ${((Date.now() - began) / 1000).toFixed(1).padStart(7)} s  in all`);
console.log("");
if (failures.length) console.log(`Failed steps: ${failures.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failures.length ? 1 : 0);
