import { defineConfig } from "vitest/config";

// Plain Node tests: protocol schemas, client library, the Autopilot agent's building
// blocks against the scripted model, and end-to-end tests that start the real server
// (wrangler dev) and drive it through the client and the CLI.
export default defineConfig({
  test: {
    include: [
      "shared/test/**/*.test.ts",
      "client/test/**/*.test.ts",
      "party/agent/test/**/*.test.ts",
      "party/access/test/**/*.test.ts",
      "party/auth/test/**/*.test.ts",
      "party/shims/test/**/*.test.ts",
      "party/ai-sdk/test/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The e2e files each start wrangler dev; on 2 cores run files one at a time.
    fileParallelism: false,
  },
});
