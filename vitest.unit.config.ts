import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// `npm run test:unit`: the fast loop. Tests that start nothing but what lives in the test
// process itself (a scripted model or a fake room on loopback, a CLI child against that fake
// room, fakes at the SDK boundary): no wrangler dev, no workerd pool, no OpenClaw gateway, no
// browser. Files run in parallel, several to a worker (see `isolate` below).
//
// The other Node configs run the complement of this list (vitest.node.config.ts: end-to-end
// tests, runtime/vitest.config.ts: real gateways), so every test runs exactly once in
// `npm test`. A file new to one of the mixed folders (client/test, runtime/test) therefore
// lands in the serial config until it is named here: the safe side for a test that starts a
// server.

/** Folders whose tests are all units. */
const UNIT_FOLDERS = [
  "shared/test",
  "party/rooms/autopilot/kernel",
  "party/agent/test",
  "party/access/test",
  "party/auth/test",
  "party/files/test",
  "party/ai-sdk/test",
  "party/dev/test",
];

/** Units in folders that also hold end-to-end or gateway tests. */
const UNIT_FILES = [
  "client/test/chat-start-phase.test.ts",
  "client/test/canvas-attention.test.ts",
  "client/test/canvas-provider.test.ts",
  "client/test/cli-args.test.ts",
  "client/test/cli-billing.test.ts",
  "client/test/cli-community.test.ts",
  "client/test/cli-wait-reply.test.ts",
  "client/test/device-texts.test.ts",
  "client/test/cli.test.ts",
  "client/test/client-connecting.test.ts",
  "client/test/client-outbox.test.ts",
  "client/test/approval-race.test.ts",
  "client/test/client.test.ts",
  "client/test/errors.test.ts",
  "client/test/first-view.test.ts",
  "client/test/group-fit.test.ts",
  "client/test/instance-status.test.ts",
  "client/test/markdown.test.ts",
  "client/test/mentions.test.ts",
  "client/test/presence.test.ts",
  "client/test/flow-items.test.ts",
  "client/test/markdown-preview.test.ts",
  "client/test/palette-snippet.test.ts",
  "client/test/shortcuts.test.ts",
  "client/test/method-namespaces.test.ts",
  "client/test/ratelimit.test.ts",
  "client/test/run-log.test.ts",
  "client/test/run-waiting.test.ts",
  "client/test/service-worker-shell.test.ts",
  "client/test/plain-texts.test.ts",
  "client/test/state.test.ts",
  "client/test/state-streams.test.ts",
  "runtime/test/backup.test.ts",
  "runtime/test/gateway-start.test.ts",
  "runtime/test/instance-records.test.ts",
  "runtime/test/instance-status.test.ts",
  "runtime/test/model-passthrough.test.ts",
  "runtime/test/sandbox-caps.test.ts",
  "runtime/test/sandbox-gateway.test.ts",
  "runtime/test/sandbox-host.test.ts",
  "runtime/test/sandbox-model-egress.test.ts",
  "runtime/test/scripted-model.test.ts",
  "runtime/test/tenancy-units.test.ts",
  "runtime/test/unit.test.ts",
];

export const UNIT_TESTS = [...UNIT_FOLDERS.map((folder) => `${folder}/**/*.test.ts`), ...UNIT_FILES];

/**
 * What makes a test file not a unit: the local server (wrangler dev), the runtime process,
 * a real gateway, the OpenClaw stack, a browser. Checked at load so the list cannot drift.
 */
const STARTS_SOMETHING =
  /\/party\/dev\/(server|runtime|chromium)\.mjs"|\/scripted-runtime"|\/openclaw-stack"|\/standalone-gateway"/;

function checkUnits(): void {
  const inFolders = UNIT_FOLDERS.flatMap((folder) =>
    readdirSync(folder, { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".test.ts"))
      .map((name) => `${folder}/${name}`),
  );
  const offenders = [...inFolders, ...UNIT_FILES].filter((file) => STARTS_SOMETHING.test(readFileSync(file, "utf8")));
  if (offenders.length)
    throw new Error(
      `vitest.unit.config.ts: these start a server, a gateway or a browser; move them out of the unit list:\n  ${offenders.join("\n  ")}`,
    );
}

export default defineConfig(() => {
  checkUnits();
  return {
    test: {
      include: UNIT_TESTS,
      // One CLI bundle for the run's CLI tests (cli-harness.ts).
      globalSetup: ["client/test/cli-bundle-setup.ts"],
      // A worker runs file after file with one module cache, instead of a fresh worker (and
      // fresh imports of zod, the protocol, the SDKs) per file. That is safe while no unit
      // leaves global state behind: fake timers and spies are put back in afterEach or
      // finally, nothing stubs globals or the environment, and no module a test imports keeps
      // state a test depends on. `forks`, not threads: a test sets process.umask.
      isolate: false,
      pool: "forks",
      // vitest's default is one worker fewer than there are cores: a single worker on two. The
      // slowest files mostly wait on processes they start (the CLI under test, wrangler), so
      // one worker more than the cores keeps the cores busy.
      maxWorkers: availableParallelism() + 1,
      // A unit that waits does so on fake timers or on an event; these bound a unit that
      // hangs, not a slow one.
      testTimeout: 20_000,
      hookTimeout: 30_000,
    },
  };
});
