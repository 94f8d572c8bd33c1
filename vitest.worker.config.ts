import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { AI_SDK_BUNDLE, ensureAiSdkBundle } from "./party/ai-sdk/build.mjs";
import { STANDIN_SECRET_KEY } from "./party/test/billing-ops/stripe-standin-setup.ts";

// Room and auth tests run inside workerd (the real runtime) with the Worker from
// wrangler.toml, local D1 and Durable Object storage.
//
// Five projects, because configuration is per runtime (a "waitlist" one, below, for sign-up
// as a waitlist), and the model configuration too: "room" runs with no model
// configured (so its threads get no responder, exactly as before the Autopilot could
// answer: none of those tests expects a reply), "agent" with the scripted model that a
// globalSetup starts in Node; the agent tests reach it from workerd over loopback (the
// real AI SDK, the real provider, an HTTP server standing in for the paid API), and
// "model-down" with a model URL nothing answers.
/** The rooms' drizzle migrations (and the served SKILL.md) import as text, as wrangler.toml's [[rules]] do for the Worker. */
const sqlAsText = {
  name: "sql-as-text",
  transform: (code: string, id: string) =>
    /\.sql$|\/SKILL\.md$/.test(id) ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined,
};

/**
 * A feature's own stand-ins of the external services it talks to, beside its code
 * (`<name>.standin-setup.ts` under party/rooms/): each is a globalSetup of the agent project
 * that provides, under `standin-bindings:<name>`, the Worker's bindings it sets as JSON, so a
 * feature brings its stand-in and its tests (`*.agent.test.ts`) without a line here.
 */
function featureStandins(dir = "party/rooms"): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return featureStandins(path);
      return entry.name.endsWith(".standin-setup.ts") ? [path] : [];
    })
    .sort();
}

/** The key a feature's stand-in setup provides its bindings under. */
const standinKey = (file: string): string =>
  `standin-bindings:${file
    .split("/")
    .at(-1)!
    .replace(/\.standin-setup\.ts$/, "")}`;

/** The waitlist project's ADMIN_EMAILS. */
const OPERATORS = "operator@ops.test,returning@ops.test,squatted@ops.test";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("party/migrations");
  const standins = featureStandins();
  // The Worker's AI SDK, as wrangler.toml aliases it for wrangler dev and deploy (the pool
  // does not apply wrangler's aliases itself): the agent tests run the room's real pipeline.
  await ensureAiSdkBundle();
  const plugins = [sqlAsText];
  const resolve = {
    alias: [
      { find: /^ai$/, replacement: AI_SDK_BUNDLE },
      { find: /^@ai-sdk\/openai-compatible$/, replacement: AI_SDK_BUNDLE },
    ],
  };
  const bindings = {
    BETTER_AUTH_SECRET: "test-secret-for-workerd-tests-only-0123456789",
    // The origin the tests address the Worker by (party/test/harness.ts): the MCP endpoint
    // answers only at a configured origin or loopback (party/auth/origin.ts).
    APP_ORIGINS: "http://autopilot.test",
    TEST_MIGRATIONS: migrations,
    // Small enough that a test can push a client out of the resume window, and a
    // burst a test can exhaust quickly. The limiter runs on the room's clock: on a loaded
    // machine (2 cores, many runs) the room takes seconds for a flood of 700 frames, and a
    // fast refill (it was 100/s) gave back the tokens the flood was meant to exhaust.
    EVENT_LOG_RETAIN: "300",
    RATE_LIMIT_PER_SECOND: "10",
    RATE_LIMIT_BURST: "500",
    // Small enough that a test fills a canvas to its cap in a few frames.
    HATCHERY_MAX_DOC_BYTES: "300000",
    // Low enough that the room (not the test's own pace) is what limits a flood.
    HATCHERY_FRAMES_PER_SECOND: "30",
    HATCHERY_FRAME_BURST: "100",
    HATCHERY_PRINCIPAL_FRAMES_PER_SECOND: "40",
    HATCHERY_PRINCIPAL_FRAME_BURST: "150",
    // Mails land in D1 for the tests to read (party/auth/mail.ts); rate-limit windows are
    // short so a test can wait one out.
    DEV_MAIL_OUTBOX: "1",
    AUTH_RATE_LIMIT_WINDOW_S: "10",
    // A principal's bucket holds more than one socket's but refills slowly, so a test can
    // exhaust it over several sockets however slowly a loaded machine runs the room.
    PRINCIPAL_RATE_LIMIT_PER_SECOND: "20",
    PRINCIPAL_RATE_LIMIT_BURST: "800",
    WORKSPACE_RATE_LIMIT_PER_SECOND: "1000",
    WORKSPACE_RATE_LIMIT_BURST: "5000",
    MAX_CONNECTIONS_PER_PRINCIPAL: "20",
    AUDIT_RETAIN: "50",
    // Small enough that a test sends a body just over it in a few pieces.
    FILE_MAX_BYTES: "65536",
    FILE_WORKSPACE_MAX_BYTES: "262144",
    // The Nostr relay's (party/rooms/relay/limits.ts): small enough that a test passes each in a few messages.
    RELAY_MAX_MESSAGE_LENGTH: "16384",
    RELAY_MAX_CONTENT_LENGTH: "8192",
    RELAY_MAX_EVENT_TAGS: "50",
    RELAY_MAX_SUBSCRIPTIONS: "12",
    RELAY_MAX_FILTERS: "4",
    RELAY_MAX_FILTER_VALUES: "100",
    RELAY_MAX_LIMIT: "50",
    RELAY_EVENTS_PER_MINUTE: "30",
    RELAY_MAX_CONNECTIONS_PER_ADDRESS: "6",
  };
  const common = {
    setupFiles: ["party/test/setup.ts"],
    testTimeout: 60_000,
    // One workerd per worker, its files one after another. A fresh runtime per file loads
    // the room's module graph again each time (and once died with "WebSocket protocol error
    // 1009: Message is too large": the pool hands a runtime each module in one WebSocket
    // message, which workerd caps at 1 MiB, hence the AI SDK bundle's minification in
    // party/ai-sdk/build.mjs); each file uses its own workspaces and users, so sharing the
    // runtime changes nothing they rely on.
    isolate: false,
  };
  /** Bindings a project adds to the room's, fixed or read from what its globalSetup provided. */
  type MoreBindings = Record<string, string> | ((inject: (key: string) => string) => Record<string, string>);
  const pool = (more: Record<string, string>) => ({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: { bindings: { ...bindings, ...more } },
  });
  /** A project with a workerd runtime of its own, on the room's bindings and `more`. */
  const runtime = (
    name: string,
    include: string[],
    {
      exclude,
      globalSetup,
      more = {},
      oneWorker = false,
    }: { exclude?: string[]; globalSetup?: string[]; more?: MoreBindings; oneWorker?: boolean } = {},
  ) => ({
    resolve,
    plugins: [
      ...plugins,
      cloudflareTest(typeof more === "function" ? (ctx) => pool(more((key) => ctx.inject<string>(key))) : pool(more)),
    ],
    test: {
      ...common,
      name,
      include,
      ...(exclude && { exclude }),
      ...(globalSetup && { globalSetup }),
      // The MCP tools and gated calls: a second runtime of theirs died at start with the 1009
      // above. Vitest runs projects of another worker count as a group of their own, after the others.
      ...(oneWorker && { maxWorkers: 1, sequence: { groupOrder: 1 } }),
    },
  });
  return {
    test: {
      // The room logs every refused frame (as it should in production); the bad-input
      // tests send hundreds on purpose. Keep internal errors and everything else visible.
      // Every sign-up logs its verification mail (party/auth/mail.ts): not news in a test.
      onConsoleLog: (log: string) =>
        !(
          (/"msg":"(bad frame|request failed)/.test(log) && !/"code":"internal"/.test(log)) ||
          log.startsWith('{"msg":"mail"')
        ),
      // Two runtimes per project (the step's CPU is mostly one workerd thread at a time);
      // the MCP tools and the gated calls keep one (oneWorker below).
      maxWorkers: 2,
      // No transforms kept on disk: with them, a runtime that starts once its files' modules
      // are transformed gets every one of them in a single message (Vitest's warm-module
      // snapshot, inlined by the pool), over the 1 MiB workerd takes in one, and dies
      // ("WebSocket protocol error 1009: Message is too large"). Each module then comes in
      // a message of its own.
      fsModuleCache: false,
      projects: [
        {
          // Every workerd test is found by name: `party/test/` holds the ones that cross features,
          // and each part's own sit beside its code, named `*.room.test.ts`. The projects below
          // with a runtime of their own take theirs by folder (or by name, where a folder holds
          // tests of both).
          ...runtime("room", ["party/test/*.test.ts", "party/**/*.room.test.ts"], {
            exclude: [
              "party/rooms/delivery/**",
              "party/rooms/hatchery/**",
              "party/test/hatchery*.test.ts",
              "party/rooms/autopilot/features/mcp/**",
              "party/rooms/autopilot/features/schedules/schedules.room.test.ts",
              "party/rooms/autopilot/kernel/closed-sockets.room.test.ts",
              "party/rooms/autopilot/kernel/connections/presence-scale.room.test.ts",
              "party/rooms/autopilot/features/agent/scripted-model/**",
              "party/rooms/autopilot/features/agent/model-down/**",
              "party/auth/test/waitlist/**",
            ],
          }),
        },
        {
          // Sockets that leave mid-broadcast while a flood is closed. Run after the room
          // project's other files (a clean clone's order, `--cache=false`), it failed with workerd
          // logging "Cannot perform I/O on behalf of a different request" and a request cancelled
          // as hung, and that runtime's runner never reported again (the whole run waited). Alone
          // it passes; it gets a runtime of its own.
          // Presence at 1,000 sockets shares it: after the room project's sessions.open file (a bridge
          // to a scripted gateway) its first request was cancelled as hung, as the MCP files' are below.
          // Its per-principal cap is 50, so 1,000 sockets take 20 keys (each key added is an access change).
          ...runtime(
            "closed-sockets",
            [
              "party/rooms/autopilot/kernel/closed-sockets.room.test.ts",
              "party/rooms/autopilot/kernel/connections/presence-scale.room.test.ts",
            ],
            {
              more: { MAX_CONNECTIONS_PER_PRINCIPAL: "50" },
            },
          ),
        },
        {
          // The fan-out tier: every socket held by one of four delivery objects (party/rooms/delivery/).
          ...runtime("delivery", ["party/rooms/delivery/*.room.test.ts"], {
            more: { DELIVERY_OBJECTS: "4", MAX_CONNECTIONS_PER_PRINCIPAL: "50" },
          }),
        },
        {
          // Schedules' restart tests evict a room while its own alarm's work is in flight: a
          // request cut off that way is cancelled by workerd as hung later, on whichever file
          // runs then (as the Hatchery's below), so they get a runtime of their own.
          ...runtime("schedules", ["party/rooms/autopilot/features/schedules/schedules.room.test.ts"]),
        },
        {
          // The MCP client SDK's requests are the ones a hung request left behind by another
          // file fails ("Cannot perform I/O on behalf of a different request"): the MCP tests
          // that leave nothing behind share a runtime of their own (mcp.room.test.ts has another).
          ...runtime("mcp-tools", ["party/rooms/autopilot/features/mcp/mcp-*.room.test.ts"], { oneWorker: true }),
        },
        {
          // The Hatchery's tests evict its object with canvas sockets open and pulls in flight
          // (a deploy, as clients see it). A request the eviction cut off is cancelled by workerd
          // as hung some time later, and in a shared runtime that fell on whichever file ran
          // then (MCP requests failed with "Cannot perform I/O on behalf of a different
          // request"): they get a runtime of their own.
          ...runtime("hatchery", ["party/rooms/hatchery/**/*.room.test.ts", "party/test/hatchery*.test.ts"]),
        },
        {
          // MCP sessions with calls waiting on a person's decision when their test ends (a key
          // revoked mid-wait, a call abandoned): the same reason as gated-calls below.
          ...runtime("mcp", ["party/rooms/autopilot/features/mcp/mcp.room.test.ts"]),
        },
        {
          // The gated MCP call tests (a room whose bridge dials a scripted gateway through a stub
          // of the Worker's fetch; MCP clients waiting on approvals): their own runtime, so a
          // request one leaves behind (cancelled later by workerd as hung) cannot fall on
          // another file's test, nor another file's on theirs.
          ...runtime("gated-calls", ["party/rooms/autopilot/features/mcp/gated-calls/*.room.test.ts"], {
            oneWorker: true,
          }),
        },
        {
          // Sign-up as a waitlist with operators: party/auth/test/waitlist/ (the second and third are
          // listed for accounts made before their address was: listed-operators.room.test.ts).
          ...runtime("waitlist", ["party/auth/test/waitlist/*.room.test.ts"], {
            more: { SIGNUP_MODE: "waitlist", ADMIN_EMAILS: OPERATORS },
          }),
        },
        {
          // The agent's tests: a scripted model that the globalSetup starts in Node. The
          // agent's own beside it; party/test/agent/ holds the ones that cross features, and
          // what they all share; features' own tests that need the model or a stand-in
          // (`*.agent.test.ts`), beside their code.
          ...runtime(
            "agent",
            [
              "party/rooms/autopilot/features/agent/scripted-model/*.room.test.ts",
              "party/test/agent/*.test.ts",
              "party/rooms/**/*.agent.test.ts",
            ],
            {
              // Slack's Web API too, for threads bound to a channel (the guests' tests); and the features' own stand-ins.
              globalSetup: [
                "party/test/agent/scripted-model-setup.ts",
                "party/test/agent/slack-standin-setup.ts",
                ...standins,
              ],
              more: (inject) => ({
                ...Object.assign(
                  {},
                  ...standins.map((file) => JSON.parse(inject(standinKey(file))) as Record<string, string>),
                ),
                SLACK_API_BASE: inject("slackUrl"),
                SLACK_CALLS_URL: inject("slackCallsUrl"),
                AUTOPILOT_MODEL_BASE_URL: inject("modelUrl"),
                AUTOPILOT_MODEL_ID: "scripted-model",
                // Never sent to a client: the replies test looks for it in every frame.
                AUTOPILOT_MODEL_API_KEY: "sk-autopilot-test-key-not-for-clients",
                // The scripted SLOW reply takes ~4 s; HANG tests wait this long.
                AUTOPILOT_MODEL_TIMEOUT_MS: "6000",
                // The default plan is the operator's usual; billing.test.ts puts a workspace on
                // the empty plan to see it run out of credits.
                BILLING_PLANS: JSON.stringify({
                  standard: { name: "Standard", includedCredits: 100_000 },
                  empty: { name: "Empty", includedCredits: 0 },
                }),
              }),
            },
          ),
        },
        {
          // Top-ups and operators' grants (party/test/billing-ops/): Stripe configured, its API a
          // scripted stand-in that a globalSetup starts in Node, and one operator.
          ...runtime("billing-ops", ["party/test/billing-ops/*.test.ts"], {
            globalSetup: ["party/test/billing-ops/stripe-standin-setup.ts"],
            more: (inject) => ({
              ADMIN_EMAILS: "operator@billing.test",
              STRIPE_SECRET_KEY: STANDIN_SECRET_KEY,
              STRIPE_WEBHOOK_SECRET: "whsec_test_billing_ops_0123456789",
              STRIPE_API_BASE: inject("stripeUrl"),
              // The API version the tests' events carry, the stripe package's (it loads in Node only).
              STRIPE_TEST_API_VERSION: inject("stripeApiVersion"),
              // 77777 credits: the option the stand-in refuses, as Stripe refuses a bad request.
              BILLING_TOPUPS: JSON.stringify([
                { credits: 10_000, amount: 1000, currency: "usd" },
                { credits: 77_777, amount: 7777, currency: "usd" },
              ]),
              // Starter and Pro are on offer (a monthly price and a Stripe Price); Standard is the default.
              BILLING_PLANS: JSON.stringify({
                standard: { name: "Standard", includedCredits: 1000 },
                starter: {
                  name: "Starter",
                  includedCredits: 20_000,
                  maxSeats: 2,
                  maxInstances: 1,
                  monthlyPrice: { amount: 900, currency: "usd" },
                  stripePrice: "price_starter",
                },
                pro: {
                  name: "Pro",
                  includedCredits: 50_000,
                  monthlyPrice: { amount: 2900, currency: "usd" },
                  stripePrice: "price_pro",
                },
              }),
            }),
          }),
        },
        {
          // A model configured on a port nothing listens on: what a thread says when the
          // model server is down.
          ...runtime("model-down", ["party/rooms/autopilot/features/agent/model-down/*.room.test.ts"], {
            globalSetup: ["party/test/support/closed-port-setup.ts"],
            more: (inject) => ({
              AUTOPILOT_MODEL_BASE_URL: inject("downModelUrl"),
              AUTOPILOT_MODEL_ID: "down-model",
              AUTOPILOT_MODEL_API_KEY: "sk-autopilot-down-test-key",
            }),
          }),
        },
      ],
    },
  };
});
