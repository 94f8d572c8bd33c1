import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Room and auth tests run inside workerd (the real runtime) with the Worker from
// wrangler.toml, local D1 and Durable Object storage.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("party/migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            BETTER_AUTH_SECRET: "test-secret-for-workerd-tests-only-0123456789",
            TEST_MIGRATIONS: migrations,
            // Small enough that a test can push a client out of the resume window, and a
            // burst a test can exhaust quickly.
            EVENT_LOG_RETAIN: "300",
            RATE_LIMIT_PER_SECOND: "100",
            RATE_LIMIT_BURST: "500",
          },
        },
      }),
    ],
    test: {
      include: ["party/test/**/*.test.ts"],
      setupFiles: ["party/test/setup.ts"],
      testTimeout: 60_000,
      // One workerd for all files. With a fresh one per file, every file after the first
      // died at start with "WebSocket protocol error 1009: Message is too large" inside
      // the pool once the room's module graph grew (the bridge); each file uses its own
      // workspaces and users, so sharing the runtime changes nothing they rely on.
      isolate: false,
      // The room logs every refused frame (as it should in production); the bad-input
      // tests send hundreds on purpose. Keep internal errors and everything else visible.
      onConsoleLog: (log: string) => !(/"msg":"(bad frame|request failed)/.test(log) && !/"code":"internal"/.test(log)),
    },
  };
});
