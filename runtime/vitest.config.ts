import { defineConfig } from "vitest/config";

// Runtime tests: pure units, plus tests against the real pinned `openclaw` gateway (slow:
// ~10-15 s per gateway start on 2 cores, ~1 GB each), so files run one at a time.
// Run: vitest run runtime/test --config runtime/vitest.config.ts (on Node >= 24.16).
export default defineConfig({
  test: {
    include: ["runtime/test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
