// `npm run bench:wake`: what waking costs the Autopilot's replies, against the floor's. The
// assistant bench's sides take turns (blocks.mjs), so each room block starts after the other
// sides' blocks, longer than workerd keeps an idle object: every room block wakes its room,
// as a workspace does whenever its people pause. This measures, for the room and the floor
// (the assistant bench's plain streamText) alike, the CPU of their workerd process for each of
// 4 replies after a gap longer than that (the object evicted) and after a short one (kept),
// in turn, and, in the room, a cheap request (`schedules.list`) right after each gap.
// Information only (the numbers move with the machine): docs/performance.md reads them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startServer } from "../dev/server.mjs";
import { BASELINE_PROBE, startBaseline } from "./baseline/start.mjs";
import { sleep } from "./blocks.mjs";
import { LIMITS_OFF } from "./limits-off.mjs";
import { serverCpu } from "./process-cpu.mjs";
import { floorSide, roomSide, startAssistantModel } from "./suite-assistant.mjs";
import { benchTarget } from "./workerd-direct.mjs";

const num = (name, fallback) => Number(process.env[name] ?? fallback);
/** Longer than workerd keeps an idle object (about ten seconds locally). */
const LONG_GAP_MS = num("BENCH_WAKE_GAP_MS", 20_000);
const SHORT_GAP_MS = 1_000;
const CYCLES = num("BENCH_WAKE_CYCLES", 6);
const WARM_REPLIES = 20;
const REPLIES = 4;
const PIECES = 100;
const PIECE_MS = 10;

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * CPU ms of each reply of blocks of REPLIES, CYCLES after LONG_GAP_MS of quiet and CYCLES after
 * SHORT_GAP_MS, taking turns: the two kinds share the same stretch of the run, so neither is
 * measured in a warmer isolate or a quieter machine than the other (V8 keeps compiling the
 * room's functions for as long as a run lasts). `probe()` runs right after each gap when given.
 */
async function measure({ cpu, reply, probe }) {
  const kinds = [LONG_GAP_MS, SHORT_GAP_MS].map((gap) => ({ gap, first: [], rest: [], probes: [] }));
  for (let c = 0; c < 2 * CYCLES; c++) {
    const kind = kinds[c % 2];
    await sleep(kind.gap);
    if (probe) {
      const before = cpu();
      await probe();
      kind.probes.push(cpu() - before);
    }
    for (let r = 0; r < REPLIES; r++) {
      const before = cpu();
      await reply();
      (r === 0 ? kind.first : kind.rest).push(cpu() - before);
    }
  }
  return kinds.map(({ gap, first, rest, probes }) => ({
    gap,
    first: mean(first),
    rest: mean(rest),
    probe: probes.length > 0 ? mean(probes) : null,
  }));
}

const dir = mkdtempSync(join(tmpdir(), "autopilot-wake-"));
const model = await startAssistantModel();
const roomServer = await startServer({
  port: await freePort(),
  persistDir: join(dir, "room"),
  localObservability: false,
  vars: { ...LIMITS_OFF, AUTOPILOT_MODEL_BASE_URL: model.baseUrl, AUTOPILOT_MODEL_ID: "scripted-model" },
});
const floorServer = await startBaseline({ port: await freePort(), persistDir: join(dir, "floor") });
try {
  const roomTarget = await benchTarget(roomServer);
  const room = { server: roomServer, target: roomTarget, cpu: serverCpu(roomTarget, roomServer.child.pid) };
  const floorTarget = await benchTarget(floorServer, BASELINE_PROBE);
  const floor = { target: floorTarget, cpu: serverCpu(floorTarget, floorServer.child.pid) };
  // The assistant bench's own sides: a fresh thread per room reply, a plain streamText per floor reply.
  const blocks = Math.ceil(WARM_REPLIES / REPLIES) + 2 * CYCLES;
  const roomReplies = await roomSide(room, {
    rounds: REPLIES,
    pieces: PIECES,
    pieceMs: PIECE_MS,
    blocks,
    name: "wake",
  });
  // Tags of its own: the scripted model notes each round’s writes by its tag.
  const floorReplies = await floorSide(floor, "wake-floor");
  // What a reply sets off after its last delta (the commit's followers) lands in its own measure.
  const roomReply = () => roomReplies.round().then(() => sleep(200));
  const floorReply = () =>
    floorReplies.round({ baseURL: model.baseUrl, pieces: PIECES, pieceMs: PIECE_MS }).then(() => sleep(200));

  for (let i = 0; i < WARM_REPLIES; i++) {
    await roomReply();
    await floorReply();
  }
  const sides = [
    { name: "room", cpu: room.cpu, reply: roomReply, probe: () => roomReplies.client.schedules.list({}) },
    { name: "floor", cpu: floor.cpu, reply: floorReply },
  ];
  const rows = [];
  for (const side of sides) {
    console.log(
      `${side.name}, ${CYCLES} blocks after ${LONG_GAP_MS / 1000} s of quiet and ${CYCLES} after ${SHORT_GAP_MS / 1000} s, in turn…`,
    );
    for (const row of await measure(side)) rows.push({ name: side.name, ...row });
  }
  floorReplies.close();
  roomReplies.close();

  const ms = (x) => x.toFixed(1);
  console.log(`\nCPU ms of the serving workerd process per reply of ${PIECES} deltas, ${REPLIES} replies per block:`);
  console.log("| side | quiet before the block | first reply | each other reply | block |");
  console.log("|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.gap / 1000} s | ${ms(r.first)} | ${ms(r.rest)} | ${ms(r.first + (REPLIES - 1) * r.rest)} |`,
    );
  const probed = rows.filter((r) => r.probe !== null);
  if (probed.length > 0)
    console.log(
      `\nThe room's schedules.list right after the quiet, before its block: ${probed.map((r) => `${ms(r.probe)} ms after ${r.gap / 1000} s`).join(", ")}`,
    );
} finally {
  await roomServer.stop();
  await floorServer.stop();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
