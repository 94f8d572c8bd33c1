// `npm test`: the type check, the lint, every test (units, workerd, end-to-end in Node, the
// runtime against real gateways), and a production bundle check with `wrangler deploy
// --dry-run`. Prints one closing line "N passed, N failed". The Node and runtime configs run
// the complement of vitest.unit.config.ts's list, so each test runs in exactly one step.
// After the units, two lanes run side by side (each leaves much of a core idle: workerd's
// one thread, a browser or a gateway waited on): the workerd tests then the end-to-end files
// without gateways, and the runtime's gateway tests then the end-to-end files with gateways
// (never two gateway files at once). The second lane's output is printed as each step ends.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { platform } from "node:os";
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
const cpuAtStart = busySeconds();
let passed = 0;
let failed = 0;
const failures = [];
/** Each step's name, when it started, its seconds and the machine's CPU seconds meanwhile: where the loop's time goes. */
const timings = [];

/** The machine's busy CPU seconds so far (all cores, from /proc/stat), or null where there is none. */
function busySeconds() {
  if (platform() !== "linux") return null;
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait were busy (USER_HZ = 100).
  const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
  return busy / 100;
}
/** Every test file's seconds, from the vitest reports: the slowest are listed at the close. */
const fileTimes = [];
/** "file > test: first line of its error", for each failed test (and each file that failed to load). */
const failedTests = [];
const firstLine = (message) => (message ?? "").trim().split("\n")[0].slice(0, 300);

/**
 * A test file that fails to load (import error, a throwing beforeAll) has no failed test
 * of its own in vitest's counts: count each such file as one failure, so the closing
 * line can never read "0 failed" while a file did not run.
 */
const isBroken = (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed");

function brokenFiles(report) {
  return report.testResults.filter(isBroken).length;
}

/**
 * A step that prints nothing for this long is stuck, not slow (its slowest file prints well
 * within it): it is stopped and counted as failed, so a hung runner (a workerd pool waiting
 * on a reply that never comes) costs minutes and the steps after it still run and report.
 */
const SILENT_LIMIT_MS = Number(process.env.TEST_STEP_SILENT_LIMIT_S ?? 600) * 1000;
/** The process groups of the steps running now: stopped with this script. */
const running = new Set();
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    for (const pid of running) stopGroup(pid);
    process.exit(1);
  });

function stopGroup(pid) {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Runs a command; with `quiet`, its output is kept and printed when it ends (a step beside another). */
function run(command, args, quiet, extraEnv) {
  return new Promise((resolve) => {
    // Its own process group, so a stuck step is stopped with everything it started (workerd, browsers, gateways).
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    running.add(child.pid);
    const output = [];
    let silentSince = Date.now();
    let stuck = false;
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ])
      stream.on("data", (chunk) => {
        silentSince = Date.now();
        if (quiet) output.push(chunk);
        else out.write(chunk);
      });
    const watchdog = setInterval(() => {
      if (Date.now() - silentSince < SILENT_LIMIT_MS) return;
      stuck = true;
      clearInterval(watchdog);
      stopGroup(child.pid);
    }, 5_000);
    child.on("close", (status, signal) => {
      clearInterval(watchdog);
      running.delete(child.pid);
      if (quiet) process.stdout.write(Buffer.concat(output));
      if (stuck) console.log(`✘ stopped: no output for ${SILENT_LIMIT_MS / 1000}s (a hung runner)`);
      resolve({ status: stuck ? "stuck" : (status ?? signal) });
    });
  });
}

async function step(name, command, args, vitestReport, { quiet = false, env: extraEnv = {} } = {}) {
  console.log(`\n▶ ${name}${quiet ? " (in the second lane; its output when it ends)" : ""}`);
  const started = Date.now();
  const cpuBefore = busySeconds();
  const result = await run(command, args, quiet, extraEnv);
  if (quiet) console.log(`\n◀ ${name}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const cpu = cpuBefore === null ? null : busySeconds() - cpuBefore;
  timings.push({ name, at: (started - began) / 1000, seconds, cpu });
  let stepFailures = 0;
  if (vitestReport) {
    try {
      const report = JSON.parse(readFileSync(vitestReport, "utf8"));
      passed += report.numPassedTests;
      for (const file of report.testResults) {
        fileTimes.push([relative(ROOT, file.name), (file.endTime - file.startTime) / 1000]);
        if (isBroken(file)) failedTests.push(`${relative(ROOT, file.name)}: ${firstLine(file.message)}`);
        for (const test of file.assertionResults)
          if (test.status === "failed")
            failedTests.push(
              `${relative(ROOT, file.name)} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`,
            );
      }
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
// The production bundle check, early: the Worker it writes is what every server of this run
// starts from (AUTOPILOT_WORKER_BUNDLE, party/dev/wrangler-dev.mjs), so no start bundles again.
const outdir = join(reports, "deploy");
await step("wrangler deploy --dry-run (party Worker)", bin("wrangler"), ["deploy", "--dry-run", "--outdir", outdir]);
if (existsSync(join(outdir, "index.js"))) env.AUTOPILOT_WORKER_BUNDLE = outdir;
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
const plainReport = join(reports, "node-plain.json");
const gatewayReport = join(reports, "node-gateway.json");
const vitest = (config, report, ...more) => [
  "run",
  ...more,
  "--config",
  config,
  "--reporter=default",
  // A line per case as it ends, so a long file is not taken for a hung one (progress-reporter.mjs).
  "--reporter=./party/dev/progress-reporter.mjs",
  "--reporter=json",
  `--outputFile.json=${report}`,
];
await Promise.all([
  (async () => {
    await step(
      "room and auth tests in workerd",
      bin("vitest"),
      vitest("vitest.worker.config.ts", workerReport),
      workerReport,
    );
    await step(
      "end-to-end tests in Node without gateways (wrangler dev, browser)",
      bin("vitest"),
      vitest("vitest.node.config.ts", plainReport),
      plainReport,
      { env: { E2E_LANE: "plain" } },
    );
  })(),
  (async () => {
    await step(
      "runtime tests against the real OpenClaw gateway (and as tenant users)",
      bin("vitest"),
      vitest("runtime/vitest.config.ts", runtimeReport, "runtime/test"),
      runtimeReport,
      { quiet: true },
    );
    await step(
      "end-to-end tests in Node with gateways (wrangler dev, runtime, OpenClaw, browser)",
      bin("vitest"),
      vitest("vitest.node.config.ts", gatewayReport),
      gatewayReport,
      { quiet: true, env: { E2E_LANE: "gateway" } },
    );
  })(),
]);
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

// CI keeps only the end of this output: the failed tests are named here, at the close.
if (failedTests.length) {
  console.log("\nFailed tests:");
  for (const line of failedTests) console.log(`  ✘ ${line}`);
}
console.log("\nSlowest test files:");
for (const [file, seconds] of fileTimes.sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`  ${seconds.toFixed(1).padStart(7)} s  ${file}`);
// CPU: the machine's busy seconds while the step ran, all cores (steps side by side share theirs).
console.log("\nTime per step (started at, seconds, the machine's CPU seconds meanwhile):");
for (const { name, at, seconds, cpu } of timings)
  console.log(
    `  +${at.toFixed(0).padStart(5)} s ${seconds.padStart(7)} s ${cpu === null ? "" : `${cpu.toFixed(0).padStart(6)} cpu-s`}  ${name}`,
  );
const cpuAll = busySeconds();
console.log(
  `         ${((Date.now() - began) / 1000).toFixed(1).padStart(7)} s ${cpuAll === null ? "" : `${(cpuAll - cpuAtStart).toFixed(0).padStart(6)} cpu-s`}  in all`,
);
console.log("");
if (failures.length) console.log(`Failed steps: ${failures.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failures.length ? 1 : 0);
