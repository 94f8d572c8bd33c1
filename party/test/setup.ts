import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach } from "vitest";
import { takeSchemaViolations } from "./harness";

const testEnv = env as unknown as { DB: D1Database; TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] };
// Idempotent: each test file's setup re-runs it against the same local D1.
await applyD1Migrations(testEnv.DB, testEnv.TEST_MIGRATIONS);

// Every frame a test socket received must match the protocol (harness.ts): a test that saw
// one that does not fails, whatever it asserted itself.
afterEach(() => {
  const violations = takeSchemaViolations();
  if (violations.length > 0)
    throw new Error(
      `the room sent ${violations.length} frame(s) that do not match the protocol:\n${violations.slice(0, 10).join("\n")}`,
    );
});
