import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

// `npm run test:unit`: the fast loop. Tests that start nothing but what lives in the test
// process itself (a scripted model or a fake room on loopback, the CLI against that fake room,
// in the test process and in a few children of its bundle, fakes at the SDK boundary): no
// wrangler dev, no workerd pool, no OpenClaw gateway, no browser. Files run in parallel, several to a worker (see `isolate` below).
//
// Found by name, not by a list: every `*.test.ts` of the parts is a unit, wherever it sits
// (beside its code or in a test folder), except the tests that run inside workerd
// (`party/test/`, and a part's own beside its code named `*.room.test.ts`:
// vitest.worker.config.ts) and the files named `e2e-*.test.ts`, which start
// the real server, the runtime, a gateway or a browser (vitest.node.config.ts for
// `client/test/`, runtime/vitest.config.ts for `runtime/test/`). So every test runs exactly
// once in `npm test`, and a check at load keeps a unit from starting any of those.

const PARTS = ["shared", "client", "party", "runtime"];
export const UNIT_TESTS = PARTS.map((part) => `${part}/**/*.test.ts`);
/** Left to the workerd pool and the end-to-end configs. */
export const NOT_UNITS = [
  "party/test/**",
  "party/**/*.room.test.ts",
  "party/rooms/**/*.agent.test.ts",
  "party/rooms/**/*.e2e.test.ts",
  "**/e2e-*.test.ts",
  "**/node_modules/**",
];

/**
 * What makes a test file not a unit: the local server (wrangler dev), the runtime process,
 * a real gateway, the OpenClaw stack, a browser. Checked at load so a file that starts one
 * and is not named e2e-* fails the run instead of slowing the fast loop.
 */
const STARTS_SOMETHING =
  /\/party\/dev\/(server|runtime|chromium)\.mjs"|\/scripted-runtime"|\/openclaw-stack"|\/standalone-gateway"/;

/** The test files of a folder, not descending into dependencies or hidden folders. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : testFiles(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

function unitFiles(): string[] {
  return PARTS.flatMap(testFiles).filter(
    (file) => !file.startsWith("party/test/") && !file.endsWith(".room.test.ts") && !/(^|\/)e2e-[^/]*$/.test(file),
  );
}

function checkUnits(): void {
  const offenders = unitFiles().filter((file) => STARTS_SOMETHING.test(readFileSync(file, "utf8")));
  if (offenders.length)
    throw new Error(
      `vitest.unit.config.ts: these start a server, a gateway or a browser; name them e2e-*.test.ts:\n  ${offenders.join("\n  ")}`,
    );
}

export default defineConfig(() => {
  checkUnits();
  return {
    test: {
      include: UNIT_TESTS,
      exclude: [...configDefaults.exclude, ...NOT_UNITS],
      // One CLI bundle for the run's CLI tests that spawn it (cli-harness.ts).
      globalSetup: ["client/test/cli-bundle-setup.ts"],
      // A worker runs file after file with one module cache, instead of a fresh worker (and
      // fresh imports of zod, the protocol, the SDKs) per file. That is safe while no unit
      // leaves global state behind: fake timers and spies are put back in afterEach or
      // finally, nothing stubs globals or the environment, and no module a test imports keeps
      // state a test depends on. `forks`, not threads: a test sets process.umask.
      isolate: false,
      pool: "forks",
      // vitest's default is one worker fewer than there are cores: a single worker on two. The
      // slowest files keep a core busy (they parse, render and run the CLI in the worker), so
      // one worker per core; a worker more would only import everything once more.
      maxWorkers: availableParallelism(),
      // A unit that waits does so on fake timers or on an event; these bound a unit that
      // hangs, not a slow one.
      testTimeout: 20_000,
      hookTimeout: 30_000,
    },
  };
});
