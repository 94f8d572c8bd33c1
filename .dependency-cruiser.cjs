// `npm test` runs this (party/dev/lint.mjs): no import cycles anywhere, and each part
// imports only where it may. The layout is in docs/architecture.md: client → shared ← party,
// runtime apart; shared/ is the contract every side runs and imports none of them.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      // Type-only imports vanish at compile time: Env naming the room classes it binds (and
      // the rooms reading Env) is not a cycle anything runs through.
      comment: "An import cycle: split the shared part out.",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "shared-stands-alone",
      severity: "error",
      comment: "shared/ is the contract: it imports no part.",
      from: { path: "^shared/" },
      to: { path: "^(party|client|runtime)/" },
    },
    {
      name: "client-not-party",
      severity: "error",
      comment:
        "The client library and app talk to the rooms over the wire only (tests may start the dev server from party/dev).",
      from: { path: "^client/", pathNot: "^client/test/" },
      to: { path: "^(party|runtime)/" },
    },
    {
      name: "client-tests-only-dev-harness",
      severity: "error",
      from: { path: "^client/test/" },
      to: { path: "^(party|runtime)/", pathNot: "^(party/dev|runtime/test)/" },
    },
    {
      name: "party-not-client-or-runtime",
      severity: "error",
      comment:
        "The Worker reaches the runtime over HTTP (shared/runtime is the contract), never by import; a feature's end-to-end test (*.e2e.test.ts) drives the app and the client.",
      from: {
        path: "^party/",
        pathNot:
          "^party/(dev|bench|ai-sdk/test)/|^party/rooms/autopilot/features/(agent|model|toolset)/test/|^party/test/agent/(scripted-model|slack-standin)-setup\\.ts$|^party/rooms/.+\\.e2e\\.test\\.ts$|^party/rooms/.+-standin\\.ts$",
      },
      to: { path: "^(client|runtime)/" },
    },
    {
      name: "feature-standins-only-standin-server",
      severity: "error",
      comment:
        "A feature's stand-in for an external service (Node, its tests') serves on the e2e tests' loopback server, or is one the runtime's tests share (the OTLP collector's), nothing else of client/ or runtime/.",
      from: { path: "^party/rooms/.+-standin\\.ts$" },
      to: { path: "^(client|runtime)/", pathNot: "^(client/test/standin-server|runtime/test/otlp-standin)\\.ts$" },
    },
    {
      name: "party-agent-tests-only-scripted-model",
      severity: "error",
      comment:
        "The Node tests of the agent, the model and the toolset run against the scripted model (the only test double), nothing else of runtime/ or client/.",
      from: { path: "^party/(rooms/autopilot/features/(agent|model|toolset)|ai-sdk)/test/" },
      to: { path: "^(client|runtime)/", pathNot: "^runtime/test/scripted-model\\.ts$" },
    },
    {
      name: "party-agent-workerd-setup-only-scripted-model",
      severity: "error",
      comment:
        "The workerd agent tests' globalSetup (Node) starts the scripted model, nothing else of runtime/ or client/.",
      from: { path: "^party/test/agent/scripted-model-setup\\.ts$" },
      to: { path: "^(client|runtime)/", pathNot: "^runtime/test/scripted-model\\.ts$" },
    },
    {
      name: "party-agent-workerd-setup-only-slack-standin",
      severity: "error",
      comment:
        "The workerd agent tests' Slack globalSetup (Node) starts the e2e tests' Slack stand-in (an external service's), nothing else of runtime/ or client/.",
      from: { path: "^party/test/agent/slack-standin-setup\\.ts$" },
      to: { path: "^(client|runtime)/", pathNot: "^client/test/(slack-standin|standin-server)\\.ts$" },
    },
    // Inside the Worker (docs/architecture.md): party/domain is what every room and the Worker
    // share; each room keeps to itself; the Autopilot room is a kernel and feature folders.
    {
      name: "domain-is-the-core",
      severity: "error",
      comment: "party/domain holds what the rooms and the Worker share: it imports no room, route or account code.",
      from: { path: "^party/domain/" },
      to: { path: "^party/(rooms|api|admin|auth|access|files)/" },
    },
    // The Autopilot room is a kernel (commit, execute, the after-commit bus, dispatch) with
    // features installed on it (party/rooms/autopilot/features/index.ts).
    {
      name: "room-is-only-its-host",
      severity: "error",
      comment: "room.ts is the Durable Object: it imports the kernel and the feature set, nothing else of ours.",
      from: { path: "^party/rooms/autopilot/room\\.ts$" },
      to: {
        path: "^(party|shared)/",
        pathNot: "^party/rooms/autopilot/(kernel/host|features/index)\\.ts$|^party/env\\.ts$",
      },
    },
    {
      name: "kernel-knows-no-feature",
      severity: "error",
      comment:
        "The kernel runs features through the Feature interface; it imports none of them, types included, and nothing else of the Autopilot's (a module beside it naming features' types for it would hide that it needs them; party/dev/kernel-reach.mjs checks the whole path).",
      from: { path: "^party/rooms/autopilot/kernel/" },
      to: { path: "^party/rooms/autopilot/", pathNot: "^party/rooms/autopilot/kernel/" },
    },
    {
      name: "feature-through-its-index",
      severity: "error",
      // A feature's tests beside it seed and read other features' state directly, as the tests
      // in party/test/ do: no feature's code runs through them (folder-cycles.mjs leaves them out too).
      comment: "A feature reaches another only through that feature's index.ts.",
      from: { path: "^party/rooms/autopilot/features/([^/.]+)", pathNot: "(^|/)test/|\\.test\\.tsx?$" },
      to: {
        path: "^party/rooms/autopilot/features/[^/]+/",
        pathNot: ["^party/rooms/autopilot/features/$1/", "^party/rooms/autopilot/features/[^/]+/index\\.ts$"],
      },
    },
    {
      name: "hatchery-not-autopilot",
      severity: "error",
      comment: "The two rooms meet over RPC only.",
      from: { path: "^party/rooms/hatchery/" },
      to: { path: "^party/rooms/autopilot/" },
    },
    {
      name: "relay-apart-from-rooms",
      severity: "error",
      comment: "The Nostr relay (party/rooms/relay/) and the workspace's rooms meet over RPC and the wire only.",
      from: { path: "^party/rooms/relay/" },
      to: { path: "^party/rooms/(autopilot|hatchery)/" },
    },
    {
      name: "delivery-not-autopilot",
      severity: "error",
      comment:
        "A delivery object holds sockets for the Autopilot room and hears it over RPC; what both send with is in party/rooms/shared/.",
      from: { path: "^party/rooms/delivery/" },
      to: { path: "^party/rooms/autopilot/" },
    },
    {
      name: "room-shared-not-rooms",
      severity: "error",
      comment: "What both rooms use imports neither.",
      from: { path: "^party/rooms/shared/" },
      to: { path: "^party/rooms/(autopilot|hatchery)/" },
    },
    {
      name: "runtime-not-party-or-client",
      severity: "error",
      from: { path: "^runtime/" },
      to: { path: "^(party|client)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|\\.wrangler)/|^client/\\.builds/|^runtime/openclaw/|\\.d\\.m?ts$" },
    // dependency-cruiser reads TypeScript through typescript < 7 or swc; we ship tsc 7 (native).
    parser: "swc",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".mts", ".mjs", ".js"] },
  },
};
