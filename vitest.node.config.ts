import { configDefaults, defineConfig } from "vitest/config";
import { UNIT_TESTS } from "./vitest.unit.config.ts";

// Node integration tests: end-to-end tests that start the real server (wrangler dev), the
// runtime, the OpenClaw stack or a browser, and drive them through the client and the CLI.
// The units of the same folders (protocol schemas, client library, the Autopilot agent's
// building blocks against the scripted model) run in vitest.unit.config.ts; this config
// runs everything else in those folders, so a test is in exactly one of the two.
export default defineConfig({
  test: {
    include: [
      "shared/test/**/*.test.ts",
      "client/test/**/*.test.ts",
      "party/agent/test/**/*.test.ts",
      "party/access/test/**/*.test.ts",
      "party/auth/test/**/*.test.ts",
      "party/ai-sdk/test/**/*.test.ts",
    ],
    exclude: [...configDefaults.exclude, ...UNIT_TESTS],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The e2e files each start wrangler dev; on 2 cores run files one at a time.
    fileParallelism: false,
  },
});
