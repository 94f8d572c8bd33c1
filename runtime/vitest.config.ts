import { defineConfig } from "vitest/config";

// Runtime tests against the real pinned `openclaw` gateway (slow: ~10-15 s per gateway start
// on 2 cores, ~1 GB each), and the ones that need root to run processes as tenant users, so
// files run one at a time. The runtime's pure units (fakes at the SDK boundary, the scripted
// model) run in vitest.unit.config.ts; this config runs the `e2e-*` files, so each runs once.
// Run: vitest run runtime/test --config runtime/vitest.config.ts (on Node >= 24.16).
export default defineConfig({
  test: {
    include: ["runtime/test/**/e2e-*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
