// `npm run bench:promoted`: what an Autopilot reply allocates that outlives the young
// generation, against the floor's plain `streamText` (baseline/plain-stream.ts) on the same
// scripted model. Both isolates run V8's sampling heap profiler (through wrangler dev's
// inspector) set to drop what a scavenge collected and keep what only a full collection
// did: what is left is what the reply promoted or still holds. That is what fills the old
// generation and sets off the full mark-compacts `--trace-gc` shows in the room and not in
// the floor (docs/performance.md, "What the remaining cost is made of").
//
// The room and the floor take turns, a block of replies each with a pause between (the
// bench's rotation), so that both see the same model and the same machine. Printed: sampled
// bytes per reply for each side, and the room's by where it was allocated: the nearest frame
// in the project's own code (party/, shared/), else the package of the allocating frame.
// The profiler samples (one allocation in `BENCH_SAMPLE_BYTES`) and a scavenge's timing
// decides what it catches alive: run it more than once before reading a small difference.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { originalPositionFor } from "@jridgewell/trace-mapping";
import { freePort, startServer } from "../dev/server.mjs";
import { startBaseline } from "./baseline/start.mjs";
import { sleep } from "./blocks.mjs";
import { inspectorSession, inspectorTargets } from "./inspector.mjs";
import { LIMITS_OFF } from "./limits-off.mjs";
import { floorBundleMap, roomBundleMap } from "./profile-packages.mjs";
import { floorSide, roomSide, startAssistantModel } from "./suite-assistant.mjs";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 10);
const ROUNDS = 4;
const PIECES = 32;
const PIECE_MS = 8;
const PAUSE_MS = 3000;
const SAMPLE_BYTES = Number(process.env.BENCH_SAMPLE_BYTES ?? 2048);

/** Starts the sampling heap profiler in the isolate behind `inspectorPort`; `stop()` returns its profile. */
async function sampleHeap(inspectorPort) {
  const [target] = await inspectorTargets(inspectorPort);
  const session = await inspectorSession(target);
  await session.call("HeapProfiler.enable");
  await session.call("HeapProfiler.startSampling", {
    samplingInterval: SAMPLE_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: false,
  });
  return {
    async stop() {
      const { result } = await session.call("HeapProfiler.stopSampling");
      session.ws.close();
      return result.profile;
    },
  };
}

const OWN = /(?:^|\/)((?:party|shared)\/.*)$/;
/** Where a profile's frame was defined, through the bundle's source map: `{ own, where }`. */
function placeOf(map, frame) {
  if (frame.lineNumber < 0) return { own: false, where: "(V8 and the runtime)" };
  const p = map ? originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber }) : {};
  const source = p.source ?? frame.url;
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  if (pkg) return { own: false, where: pkg };
  const own = OWN.exec(source)?.[1];
  if (!own) return { own: false, where: source || "(unknown)" };
  if (own.startsWith("party/ai-sdk/")) return { own: false, where: "ai (the room's SDK build)" };
  return { own: true, where: `${frame.functionName || p.name || "(anonymous)"} ${own}:${p.line}` };
}

/** Bytes by place: each sample at its nearest own frame, else at its allocating frame's package. */
function byPlace(profile, map) {
  const places = new Map();
  let total = 0;
  // `own`: the nearest own frame on the way down, each frame placed once.
  const walk = (node, own) => {
    const place = placeOf(map, node.callFrame);
    const nearest = place.own ? place.where : own;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const where = nearest ?? place.where;
      places.set(where, (places.get(where) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, nearest);
  };
  walk(profile.head, null);
  return { total, places: [...places].sort((a, b) => b[1] - a[1]) };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const dir = mkdtempSync(join(tmpdir(), "autopilot-bench-promoted-"));
const model = await startAssistantModel();
const roomPort = await freePort();
const floorPort = await freePort();
const room = await startServer({
  port: await freePort(),
  persistDir: join(dir, "room"),
  localObservability: false,
  inspectorPort: roomPort,
  vars: { ...LIMITS_OFF, AUTOPILOT_MODEL_BASE_URL: model.baseUrl, AUTOPILOT_MODEL_ID: "scripted-model" },
});
const floor = await startBaseline({ port: await freePort(), persistDir: join(dir, "floor"), inspectorPort: floorPort });
try {
  const roomReplies = await roomSide(
    { server: room, target: { url: room.url } },
    { rounds: ROUNDS, pieces: PIECES, pieceMs: PIECE_MS, blocks: BLOCKS + 2 },
  );
  const floorStream = await floorSide({ target: { url: floor.url } }, "floor");
  const sides = {
    room: () => roomReplies.round(),
    floor: () => floorStream.round({ baseURL: model.baseUrl, pieces: PIECES, pieceMs: PIECE_MS }),
  };
  const block = async (reply) => {
    for (let r = 0; r < ROUNDS; r++) {
      await reply();
      await sleep(200);
    }
    await sleep(PAUSE_MS);
  };
  // Warm-up: both isolates have built what they keep (schemas, prepared statements) before sampling.
  for (const reply of Object.values(sides)) await block(reply);
  const sampling = { room: await sampleHeap(roomPort), floor: await sampleHeap(floorPort) };
  for (let b = 0; b < BLOCKS; b++) for (const reply of Object.values(sides)) await block(reply);
  const replies = BLOCKS * ROUNDS;
  const roomKept = byPlace(await sampling.room.stop(), roomBundleMap());
  const floorKept = byPlace(await sampling.floor.stop(), floorBundleMap(true));
  console.log(
    `${replies} replies of ${PIECES} pieces per side, one sample per ${SAMPLE_BYTES} B allocated; kept past the young generation:`,
  );
  console.log(
    `  room  ${kb(roomKept.total / replies)} per reply\n  floor ${kb(floorKept.total / replies)} per reply (room / floor ${(roomKept.total / floorKept.total).toFixed(2)}x)`,
  );
  for (const [name, side] of [
    ["room", roomKept],
    ["floor", floorKept],
  ]) {
    console.log(`\nThe ${name}'s, per reply, by where it was allocated:`);
    for (const [where, bytes] of side.places.slice(0, name === "room" ? 25 : 10))
      console.log(`  ${kb(bytes / replies).padStart(9)}  ${where}`);
  }
  roomReplies.close();
  floorStream.close();
} finally {
  await room.stop();
  await floor.stop();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
