import { defineConfig } from "vitest/config";

// End-to-end tests in Node: the `e2e-*` files of client/test/, which start the real server
// (wrangler dev), the runtime, the OpenClaw stack or a browser, and drive them through the
// client and the CLI. Every other test file of client/ is a unit (vitest.unit.config.ts).
export default defineConfig({
  test: {
    include: ["client/test/**/e2e-*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One file at a time. Two at a time passed every file but once: a gateway restart took
    // over its 90 s while another file's gateways started beside it. Gateway files apart from
    // the rest (one of each at a time) is the next step, once measured.
    fileParallelism: false,
  },
});
