// `npm run bench`: fan-out, reconnect storm, assistant, task and graph against their floors in
// one run, one table of CPU and bytes per operation as ratios to the floors (method:
// blocks.mjs; rows: report.mjs), latency percentiles as information. Starts what it
// measures: the room under `wrangler dev` (limits raised, the scripted model as the
// Autopilot's model), the floors' Worker under its own `wrangler dev` (for the assistant
// twice: on the room's build of the AI SDK and on the npm build), and Node floors.
// Both workerd servers are reached directly and each one's CPU is its Worker's workerd
// process. With every bench at its default sizes it writes its output into
// docs/performance.md. Knobs: docs/performance.md.
import { copyFileSync, mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startServer } from "../dev/server.mjs";
import { BASELINE_PROBE, startBaseline } from "./baseline/start.mjs";
import { startCpuProfile } from "./cpu-profile.mjs";
import { QUIET_FOR_S, quiet } from "./blocks.mjs";
import { LIMITS_OFF } from "./limits-off.mjs";
import { serverCpu } from "./process-cpu.mjs";
import { floorBundleMap, profileShares, roomBundleMap } from "./profile-packages.mjs";
import { renderReport, writeDocs } from "./report.mjs";
import { assistant, startAssistantModel } from "./suite-assistant.mjs";
import { fanout } from "./suite-fanout.mjs";
import { interest } from "./suite-interest.mjs";
import { tier } from "./suite-tier.mjs";
import { appPaint, graphSync } from "./suite-graph.mjs";
import { crowd, storm, tierStorm } from "./suite-storm.mjs";
import { task } from "./suite-task.mjs";
import { benchTarget, targetLabel } from "./workerd-direct.mjs";
import { OtlpReceiver } from "../../runtime/test/otlp-standin.ts";

const env = (name, fallback) => process.env[name] ?? fallback;
const num = (name, fallback) => Number(env(name, fallback));
const SUITES = env("BENCH_SUITES", "fanout,interest,tier,tier-storm,storm,crowd,assistant,task,graph").split(",");
const BLOCKS = num("BENCH_BLOCKS", 10);
const WARMUP = num("BENCH_WARMUP", 1);
const SIZES = env("BENCH_SIZES", "100,500").split(",").map(Number);
const EDITS = num("BENCH_EDITS", 100);
const STORM_READERS = num("BENCH_STORM_READERS", 300);
const INTEREST_READERS = num("BENCH_INTEREST_READERS", 2000);
const INTEREST_VIEWERS = num("BENCH_INTEREST_VIEWERS", 100);
const INTEREST_EDITS = num("BENCH_INTEREST_EDITS", 30);
const TIER_READERS = num("BENCH_TIER_READERS", 2000);
const TIER_OBJECTS = num("BENCH_TIER_OBJECTS", 4);
const TIER_EDITS = num("BENCH_TIER_EDITS", 30);
const CROWD_SOCKETS = num("BENCH_CROWD_SOCKETS", 2000);
const CROWD_FLOOR_SOCKETS = num("BENCH_CROWD_FLOOR_SOCKETS", 100);
const CROWD_PRINCIPALS = num("BENCH_CROWD_PRINCIPALS", 40);
const CROWD_RECONNECTS = num("BENCH_CROWD_RECONNECTS", 50);
const ROUNDS = num("BENCH_ROUNDS", 4);
const PIECES = num("BENCH_PIECES", 100);
const PIECE_MS = num("BENCH_PIECE_MS", 10);
const TASK_STEPS = num("BENCH_TASK_STEPS", 20);
const NODES = num("BENCH_NODES", 5000);
const EDGES = num("BENCH_EDGES", 7500);
const SYNCS = num("BENCH_SYNCS", 3);
const RENDER_NODES = num("BENCH_RENDER_NODES", 2000);
const LOADS = num("BENCH_LOADS", 5);
/** A directory: one more room block per bench (the assistant's floors too) under the CPU profiler, summarised by package and function. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
/** `BENCH_PROFILE_FLOOR=1`: the fan-out and storm floors get their profiled block too, to set the room's beside. */
const PROFILE_FLOORS = process.env.BENCH_PROFILE_FLOOR === "1" ? ["room", "floor"] : ["room"];
const DEFAULTS = [
  "BENCH_SUITES",
  "BENCH_BLOCKS",
  "BENCH_WARMUP",
  "BENCH_SIZES",
  "BENCH_EDITS",
  "BENCH_STORM_READERS",
  "BENCH_INTEREST_READERS",
  "BENCH_INTEREST_VIEWERS",
  "BENCH_INTEREST_EDITS",
  "BENCH_TIER_READERS",
  "BENCH_TIER_OBJECTS",
  "BENCH_TIER_EDITS",
  "BENCH_CROWD_SOCKETS",
  "BENCH_CROWD_FLOOR_SOCKETS",
  "BENCH_CROWD_PRINCIPALS",
  "BENCH_CROWD_RECONNECTS",
  "BENCH_ROUNDS",
  "BENCH_PIECES",
  "BENCH_PIECE_MS",
  "BENCH_TASK_STEPS",
  "BENCH_NODES",
  "BENCH_EDGES",
  "BENCH_SYNCS",
];
const WRITE_DOCS =
  process.env.BENCH_DOCS !== "0" && !PROFILE_DIR && DEFAULTS.every((name) => process.env[name] === undefined);

const dir = mkdtempSync(join(tmpdir(), "autopilot-bench-"));
const model = await startAssistantModel();
const ASSISTANT = SUITES.includes("assistant");
// The assistant's and the task's rows with trace export on: a workspace's own collector, this
// stand-in on loopback (OTLP/HTTP protobuf), which the room lets a workspace name over http.
const collector = ASSISTANT || SUITES.includes("task") ? new OtlpReceiver() : null;
await collector?.start();
const inspectorPort = PROFILE_DIR ? await freePort() : undefined;
const floorInspectorPort = PROFILE_DIR ? await freePort() : undefined;
const npmInspectorPort = PROFILE_DIR && ASSISTANT ? await freePort() : undefined;
const tieredInspectorPort = PROFILE_DIR ? await freePort() : undefined;
console.log("Starting the room and the floors (wrangler dev)…");
const roomServer = await startServer({
  port: await freePort(),
  persistDir: join(dir, "room"),
  localObservability: false,
  inspectorPort,
  vars: {
    ...LIMITS_OFF,
    AUTOPILOT_MODEL_BASE_URL: model.baseUrl,
    AUTOPILOT_MODEL_ID: "scripted-model",
    // The graph bench uploads its canvas as one update, above the Hatchery's default limits.
    HATCHERY_MAX_FRAME_BYTES: String(16 * 1024 * 1024),
    HATCHERY_MAX_DOC_BYTES: String(16 * 1024 * 1024),
    HATCHERY_MAX_PERSON_NODES: String(Math.max(NODES, RENDER_NODES) + 10),
    HATCHERY_MAX_EDGES: String(Math.max(EDGES, RENDER_NODES * 2) + 10),
    ...(collector ? { TRACES_TEST_ENDPOINT_HOST: new URL(collector.url).host } : {}),
  },
});
// The fan-out tier's bench: the same room with its sockets held by delivery objects (docs/scale.md).
const tieredServer = SUITES.some((suite) => suite.startsWith("tier"))
  ? await startServer({
      port: await freePort(),
      persistDir: join(dir, "tiered"),
      localObservability: false,
      inspectorPort: tieredInspectorPort,
      vars: { ...LIMITS_OFF, DELIVERY_OBJECTS: String(TIER_OBJECTS) },
    })
  : null;
const floorServer = await startBaseline({
  port: await freePort(),
  persistDir: join(dir, "floor"),
  inspectorPort: floorInspectorPort,
});
// The assistant's second floor: the same Worker on the npm build of the SDK (what the room's alias saves).
const npmFloorServer = ASSISTANT
  ? await startBaseline({
      port: await freePort(),
      persistDir: join(dir, "npm-floor"),
      config: "wrangler.npm-ai.toml",
      inspectorPort: npmInspectorPort,
    })
  : null;
const results = {};
const profiles = [];

/** Per side a profile can be taken of: its wrangler's inspector and its bundle's source map. */
const profiled = {
  room: { port: inspectorPort, map: roomBundleMap },
  floor: { port: floorInspectorPort, map: () => floorBundleMap(true) },
  npm: { port: npmInspectorPort, map: () => floorBundleMap(false) },
  tiered: { port: tieredInspectorPort, map: roomBundleMap },
};

/**
 * For rotate(): the room's extra profiled block, when asked for; `sides`: which others too;
 * `servers`: which server a side runs on where it is not its own (the tier's room side is the tiered server).
 */
const profileFor = (bench, sides = ["room"], servers = {}) =>
  PROFILE_DIR
    ? async (side) => {
        if (!sides.includes(side)) return null;
        mkdirSync(PROFILE_DIR, { recursive: true });
        const file = join(PROFILE_DIR, `${bench}${side === "room" ? "" : `-${side}`}.cpuprofile`);
        const server = profiled[servers[side] ?? side];
        const profiler = await startCpuProfile(server.port, file);
        return {
          stop: async () => {
            const map = server.map();
            // The bundle's source map, kept beside the profile so it can be read again after wrangler exits.
            if (map?.path) copyFileSync(map.path, file.replace(/\.cpuprofile$/, ".js.map"));
            profiles.push({ bench, side, file, isolates: await profiler.stop(), map });
          },
        };
      }
    : undefined;

try {
  const roomTarget = await benchTarget(roomServer);
  const floorTarget = await benchTarget(floorServer, BASELINE_PROBE);
  if (roomTarget.direct !== floorTarget.direct)
    throw new Error("one workerd server was found directly and the other not: set BENCH_VIA_PROXY=1");
  const room = { server: roomServer, target: roomTarget, cpu: serverCpu(roomTarget, roomServer.child.pid) };
  const floor = { server: floorServer, target: floorTarget, cpu: serverCpu(floorTarget, floorServer.child.pid) };
  const npmTarget = npmFloorServer && (await benchTarget(npmFloorServer, BASELINE_PROBE));
  if (npmTarget && npmTarget.direct !== roomTarget.direct)
    throw new Error("the npm build's floor was not found as the room was: set BENCH_VIA_PROXY=1");
  const npmFloor = npmTarget && {
    server: npmFloorServer,
    target: npmTarget,
    cpu: serverCpu(npmTarget, npmFloorServer.child.pid),
  };
  console.log(
    `The sockets: ${targetLabel(roomTarget)}; CPU: ${roomTarget.pid ? "each Worker's workerd process" : "each server's process tree"}`,
  );
  const common = { room, floor, warmup: WARMUP, blocks: BLOCKS };
  let tiered = null;
  /** Before each suite: every server quiet, what the suite before set off not counted in this one's blocks. */
  const settle = async () => {
    const servers = { room: room.cpu, floor: floor.cpu };
    if (npmFloor) servers["npm floor"] = npmFloor.cpu;
    if (tiered) servers.tiered = tiered.cpu;
    const waited = await quiet(servers);
    const told = Object.entries(waited)
      .filter(([, w]) => Math.round(w.seconds) > QUIET_FOR_S || w.stillMsPerS)
      .map(
        ([name, w]) =>
          `${name} ${w.seconds.toFixed(0)} s${w.stillMsPerS ? ` (still ${w.stillMsPerS.toFixed(0)} ms of CPU a second)` : ""}`,
      );
    if (told.length > 0) console.log(`  waited for the servers to go quiet: ${told.join(", ")}`);
  };
  if (SUITES.includes("fanout")) {
    results.fanout = [];
    for (const n of SIZES) {
      await settle();
      console.log(`fan-out, ${n} readers…`);
      results.fanout.push([
        n,
        await fanout({ ...common, n, edits: EDITS, profile: profileFor(`fanout-${n}`, PROFILE_FLOORS) }),
      ]);
    }
  }
  if (SUITES.includes("interest")) {
    await settle();
    console.log(`delivery by interest, ${INTEREST_READERS} sockets, ${INTEREST_VIEWERS} viewing…`);
    results.interest = {
      n: INTEREST_READERS,
      viewers: INTEREST_VIEWERS,
      ...(await interest({
        ...common,
        n: INTEREST_READERS,
        viewers: INTEREST_VIEWERS,
        edits: INTEREST_EDITS,
        profile: profileFor("interest"),
      })),
    };
  }
  const tieredTarget = tieredServer && (await benchTarget(tieredServer));
  tiered = tieredServer && {
    server: tieredServer,
    target: tieredTarget,
    cpu: serverCpu(tieredTarget, tieredServer.child.pid),
  };
  if (SUITES.includes("tier")) {
    await settle();
    console.log(`fan-out tier, ${TIER_READERS} sockets held by ${TIER_OBJECTS} delivery objects…`);
    results.tier = {
      n: TIER_READERS,
      k: TIER_OBJECTS,
      ...(await tier({
        ...common,
        tiered,
        n: TIER_READERS,
        edits: TIER_EDITS,
        profile: profileFor("tier", ["room"], { room: "tiered" }),
      })),
    };
  }
  if (SUITES.includes("tier-storm")) {
    await settle();
    console.log(`reconnect storm through the tier, ${STORM_READERS} readers…`);
    results.tierStorm = {
      n: STORM_READERS,
      k: TIER_OBJECTS,
      ...(await tierStorm({
        ...common,
        tiered,
        n: STORM_READERS,
        profile: profileFor("tier-storm", ["room"], { room: "tiered" }),
      })),
    };
  }
  if (SUITES.includes("storm")) {
    await settle();
    console.log(`reconnect storm, ${STORM_READERS} readers…`);
    results.storm = {
      n: STORM_READERS,
      ...(await storm({ ...common, n: STORM_READERS, profile: profileFor("storm", PROFILE_FLOORS) })),
    };
  }
  if (SUITES.includes("crowd")) {
    await settle();
    console.log(`presence in a crowd, ${CROWD_SOCKETS} sockets of ${CROWD_PRINCIPALS} members…`);
    results.crowd = {
      n: CROWD_SOCKETS,
      floorN: CROWD_FLOOR_SOCKETS,
      principals: CROWD_PRINCIPALS,
      ...(await crowd({
        ...common,
        n: CROWD_SOCKETS,
        floorN: CROWD_FLOOR_SOCKETS,
        principals: CROWD_PRINCIPALS,
        reconnects: CROWD_RECONNECTS,
        profile: profileFor("crowd"),
      })),
    };
  }
  if (SUITES.includes("assistant")) {
    await settle();
    console.log("assistant…");
    // The traced side too (the room's server): what the trace export adds, beside the room's own profile.
    const profile = profileFor("assistant", ["room", "floor", "npm", "traced"], { traced: "room" });
    results.assistant = await assistant({
      ...common,
      npmFloor,
      model,
      rounds: ROUNDS,
      pieces: PIECES,
      pieceMs: PIECE_MS,
      profile,
      collector,
    });
  }
  if (SUITES.includes("task")) {
    await settle();
    console.log(`task, ${TASK_STEPS} steps…`);
    results.task = {
      steps: TASK_STEPS,
      ...(await task({
        ...common,
        model,
        steps: TASK_STEPS,
        profile: profileFor("task", ["room", "floor", "traced"], { traced: "room" }),
        collector,
      })),
    };
  }
  if (SUITES.includes("graph")) {
    await settle();
    console.log(`graph, ${NODES} nodes…`);
    results.graph = {
      nodes: NODES,
      ...(await graphSync({ ...common, nodes: NODES, edges: EDGES, syncs: SYNCS, profile: profileFor("graph") })),
    };
    if (LOADS > 0) {
      console.log(`the app in Chromium, ${RENDER_NODES} nodes…`);
      results.paint = { nodes: RENDER_NODES, ...(await appPaint({ room, nodes: RENDER_NODES, loads: LOADS })) };
    }
  }
} finally {
  await Promise.all([roomServer.stop(), floorServer.stop(), npmFloorServer?.stop(), tieredServer?.stop()]);
  await model.close();
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
}

results.settings = [
  `${BLOCKS} measured blocks per server after ${WARMUP} warm-up, rotating`,
  `fan-out ${EDITS} edits per block`,
  `interest ${INTEREST_EDITS} messages per block`,
  `tier ${TIER_EDITS} messages per block to ${TIER_READERS} sockets, ${TIER_OBJECTS} delivery objects`,
  `storm ${STORM_READERS} readers`,
  `crowd ${CROWD_RECONNECTS} reconnects one at a time per block, ${CROWD_SOCKETS} sockets against ${CROWD_FLOOR_SOCKETS}, ${CROWD_PRINCIPALS} members`,
  `assistant ${ROUNDS} replies of ${PIECES} deltas ${PIECE_MS} ms apart per block`,
  `task one of ${TASK_STEPS} steps per block`,
  `graph ${SYNCS} syncs per block, ${NODES} nodes / ${EDGES} edges`,
  "CPU of each Worker's workerd process, reached directly",
].join("; ");
const report = renderReport(results);
console.log(`\n${report}`);
if (WRITE_DOCS) {
  writeDocs(report);
  console.log("\n(written to docs/performance.md)");
}
for (const { bench, side, file, isolates, map } of profiles) {
  for (const [i, isolate] of isolates.entries()) {
    if (isolate.sampledMs < 5) continue;
    const s = profileShares(isolate.profile, map, isolate.sampleMs);
    const of = {
      room: "room",
      traced: "room with trace export on",
      floor: "floor (room's SDK build)",
      npm: "floor (npm SDK build)",
    }[side];
    console.log(
      `\nprofile of one more ${of} block of ${bench}, isolate "${isolate.title}" (${file.replace(/\.cpuprofile$/, `.${i}.cpuprofile`)}): ${s.totalMs} ms of samples in ${isolate.wallMs} ms; garbage collector ${s.gcShare} of the samples outside idle`,
    );
    console.log("by package (self time):");
    console.table(s.packages);
    console.log("by function (self time):");
    console.table(s.functions);
    console.log("the project's own functions, with what they call:");
    console.table(s.ours);
  }
}
// Done: don't wait for the sockets' close handshakes to time out.
process.exit(0);
