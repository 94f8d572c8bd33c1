// `npm run bench:wake`: what waking costs the Autopilot's replies, against the floor's. The
// assistant bench's sides take turns (blocks.mjs), so each room block starts after the other
// sides' blocks, longer than workerd keeps an idle object: every room block wakes its room,
// as a workspace does whenever its people pause. This measures, for the room and the floor
// (the assistant bench's plain streamText) alike, the CPU of their workerd process for each of
// 4 replies after a gap longer than that (the object evicted) and after a short one (kept),
// and, in the room, a cheap request (`schedules.list`) right after the long gap and again.
// Information only (the numbers move with the machine): docs/performance.md reads them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { freePort, startServer } from "../dev/server.mjs";
import { BASELINE_PROBE, startBaseline } from "./baseline/start.mjs";
import { sleep, until } from "./blocks.mjs";
import { personClient } from "./client-library.mjs";
import { LIMITS_OFF } from "./limits-off.mjs";
import { serverCpu } from "./process-cpu.mjs";
import { startAssistantModel } from "./suite-assistant.mjs";
import { benchTarget } from "./workerd-direct.mjs";

const num = (name, fallback) => Number(process.env[name] ?? fallback);
/** Longer than workerd keeps an idle object (about ten seconds locally). */
const LONG_GAP_MS = num("BENCH_WAKE_GAP_MS", 20_000);
const SHORT_GAP_MS = 1_000;
const CYCLES = num("BENCH_WAKE_CYCLES", 6);
const WARM_REPLIES = 20;
const REPLIES = 4;
const PIECES = 100;

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** CPU ms of each reply of `cycles` blocks of REPLIES after `gapMs` of quiet; `probe()` runs right after each gap when given. */
async function measure({ cpu, reply, probe }, gapMs) {
  const first = [];
  const rest = [];
  const probes = [];
  for (let c = 0; c < CYCLES; c++) {
    await sleep(gapMs);
    if (probe) {
      const a = cpu();
      await probe();
      const b = cpu();
      await probe();
      probes.push({ woken: b - a, again: cpu() - b });
    }
    for (let r = 0; r < REPLIES; r++) {
      const before = cpu();
      await reply();
      (r === 0 ? first : rest).push(cpu() - before);
    }
  }
  return { first: mean(first), rest: mean(rest), probes };
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
  const { client } = await personClient(room, "wake");
  const threads = [];
  for (let i = 0; i < WARM_REPLIES + 2 * CYCLES * REPLIES; i++)
    threads.push((await client.threads.create({ title: `wake ${i}` })).thread.id);
  let next = 0;
  const roomReply = async () => {
    const threadId = threads[next++];
    let replied = false;
    const off = client.on("message.created", (p) => {
      if (p.message.threadId === threadId && p.message.author.id === "autopilot" && p.message.runId) replied = true;
    });
    await client.chat.send({ threadId, text: `#w${next} STREAM: ${PIECES}x10` });
    await until(() => replied, "the room's reply");
    off();
    // What a reply sets off after its last delta (the commit's followers) lands in its own measure.
    await sleep(200);
  };

  const floorTarget = await benchTarget(floorServer, BASELINE_PROBE);
  const floorCpu = serverCpu(floorTarget, floorServer.child.pid);
  const socket = new WebSocket(`${floorTarget.url.replace(/^http/, "ws")}/plain-stream?in=object`, {
    perMessageDeflate: false,
  });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let floorNext = 0;
  const floorReply = async () => {
    await new Promise((resolve, reject) => {
      const onMessage = (data) => {
        const m = JSON.parse(data.toString());
        if (!m.error && !m.done) return;
        socket.off("message", onMessage);
        if (m.error) reject(new Error(`the floor failed: ${m.error}`));
        else resolve();
      };
      socket.on("message", onMessage);
      socket.send(
        JSON.stringify({
          baseURL: model.baseUrl,
          model: "scripted-model",
          text: `Bench (user): #f${floorNext++} STREAM: ${PIECES}x10`,
        }),
      );
    });
    await sleep(200);
  };

  for (let i = 0; i < WARM_REPLIES; i++) {
    await roomReply();
    await floorReply();
  }
  const roomSide = { cpu: room.cpu, reply: roomReply, probe: () => client.schedules.list({}) };
  const floorSide = { cpu: floorCpu, reply: floorReply };
  const rows = [];
  for (const [name, side] of [
    ["room", roomSide],
    ["floor", floorSide],
  ])
    for (const gap of [LONG_GAP_MS, SHORT_GAP_MS]) {
      console.log(`${name}, ${CYCLES} blocks after ${gap / 1000} s of quiet…`);
      rows.push({ name, gap, ...(await measure(gap === SHORT_GAP_MS ? { ...side, probe: undefined } : side, gap)) });
    }
  socket.close();
  await client.close();

  const ms = (x) => x.toFixed(1);
  console.log(`\nCPU ms of the serving workerd process per reply of ${PIECES} deltas, ${REPLIES} replies per block:`);
  console.log("| side | quiet before the block | first reply | each other reply | block |");
  console.log("|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.gap / 1000} s | ${ms(r.first)} | ${ms(r.rest)} | ${ms(r.first + (REPLIES - 1) * r.rest)} |`,
    );
  const probes = rows.find((r) => r.probes.length > 0)?.probes ?? [];
  if (probes.length > 0)
    console.log(
      `\nThe room's schedules.list right after ${LONG_GAP_MS / 1000} s of quiet: ${ms(mean(probes.map((p) => p.woken)))} ms; at once again: ${ms(mean(probes.map((p) => p.again)))} ms`,
    );
} finally {
  await roomServer.stop();
  await floorServer.stop();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
