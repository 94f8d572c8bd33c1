import { defineConfig } from "vitest/config";

// End-to-end tests in Node: the `e2e-*` files of client/test/, which start the real server
// (wrangler dev), the runtime, the OpenClaw stack or a browser, and drive them through the
// client and the CLI. Every other test file of client/ is a unit (vitest.unit.config.ts).
export default defineConfig({
  test: {
    include: ["client/test/**/e2e-*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two files at a time: each waits much of its time on a server, a gateway or a browser
    // (one of them alone kept about one of the machine's two cores busy). Every file starts
    // its own server on a free port with its own state folder, so two never share anything.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
