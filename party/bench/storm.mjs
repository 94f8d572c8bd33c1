// `npm run bench:storm`: a reconnect storm. N readers follow a workspace while one writer
// writes; all N are dropped at once and reconnect at once, resuming with `lastSeq`, while
// the writer keeps writing. Measures the time until every reader has resumed (hello
// received and caught up to the seq its hello named), the frames the readers received
// during the storm (presence frames apart), the writer's ack latency during the storm
// (each ack split where the room logged the frame reaching it, party/rooms/request-marks.ts),
// and checks every reader's durable events: none lost, none twice (exits 1 otherwise). The
// same storm then runs against the minimal partyserver room (storm-baseline.mjs), its
// writer's round trips timed alike.
// BENCH_READERS (default 500), BENCH_STORMS (default 1).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import WebSocket from "ws";
import { freePort, startServer } from "../dev/server.mjs";
import { printCpuProfile, startCpuProfile } from "./cpu-profile.mjs";
import { treeCpuMs } from "./process-cpu.mjs";
// Node 24 strips the types of this dependency-free module; the benches speak the current protocol.
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { REQUEST_REACHED_LOG } from "../rooms/request-marks.ts";
import { BASELINE_PROBE, startBaseline } from "./baseline/start.mjs";
import { baselineStorm } from "./storm-baseline.mjs";
import { benchTarget, targetLabel } from "./workerd-direct.mjs";
import { LIMITS_OFF } from "./limits-off.mjs";
import { signUpPerson } from "./bench-person.mjs";
import { serverLogFromEnv } from "./server-log.mjs";

const READERS = Number(process.env.BENCH_READERS ?? 500);
const STORMS = Number(process.env.BENCH_STORMS ?? 1);
// A free port unless told: a fixed one may be another run's server (tests pick free ports too).
const PORT = Number(process.env.BENCH_PORT ?? (await freePort()));
/** A file for a CPU profile of workerd during the (first) storm; its hottest functions are printed. */
const PROFILE = process.env.BENCH_CPU_PROFILE;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `q;desc=3, auth;dur=80, room;dur=12` → { q: 3, auth: 80, room: 12 }. */
function parseServerTiming(header) {
  if (!header) return null;
  const out = {};
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    for (const p of params) {
      const [k, v] = p.split("=");
      if (k === "dur" || k === "desc") out[name] = Number(v);
    }
  }
  return out;
}

/** p50 / p99 / max of one Server-Timing entry over all readers' last upgrades. */
function timingSummary(readers, name) {
  const values = readers
    .map((r) => r.timing?.[name])
    .filter((v) => v !== undefined)
    .sort((a, b) => a - b);
  if (values.length === 0) return null;
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: values[values.length - 1], mean: values.reduce((a, v) => a + v, 0) / values.length };
}

/** Request id → when the room logged the frame's arrival (party/rooms/request-marks.ts, workerd's wall clock). */
const reachedRoom = new Map();
function onServerLine(line) {
  if (!line.includes(REQUEST_REACHED_LOG)) return;
  try {
    const { id, at } = JSON.parse(line.slice(line.indexOf("{")));
    reachedRoom.set(id, at);
  } catch {
    // a line cut by the pipe: that write goes uncounted
  }
}

/** The writer's acks split at the room, "send → the room handled the frame + then → the ack arrived", each (a storm has few). */
function splitAcks(walls) {
  const split = walls.map((w) => (reachedRoom.has(w.id) ? `${reachedRoom.get(w.id) - w.sentAt} + ${w.ackAt - reachedRoom.get(w.id)}` : "not marked"));
  return split.length ? split.join(", ") : "none";
}

/** One reader: applies durable events strictly by seq and counts what a client would notice. */
class Reader {
  constructor(url, cookie) {
    this.url = url;
    this.cookie = cookie;
    this.epoch = null;
    this.lastSeq = null;
    this.seen = new Set();
    this.lost = 0;
    this.duplicated = 0;
    this.resets = 0;
    this.frames = 0;
    this.presenceFrames = 0;
    this.helloSeq = null;
    /** The Worker's Server-Timing for this socket's last upgrade (BENCH_UPGRADE_TIMING). */
    this.timing = null;
  }

  get resumed() {
    return this.helloSeq !== null && this.lastSeq !== null && this.lastSeq >= this.helloSeq;
  }

  open() {
    this.helloSeq = null;
    const query = this.lastSeq === null ? "" : `&lastSeq=${this.lastSeq}&epoch=${this.epoch}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.url}${query}`, { headers: { cookie: this.cookie }, perMessageDeflate: false });
      this.ws = ws;
      ws.once("upgrade", (res) => {
        this.timing = parseServerTiming(res.headers["server-timing"]);
      });
      ws.on("message", (data) => this.#onFrame(JSON.parse(data.toString())));
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
  }

  #onFrame(f) {
    this.frames++;
    if (f.type !== "event") return;
    if (f.event.startsWith("presence.")) {
      this.presenceFrames++;
      if (process.env.DEBUG_PRESENCE) console.log("presence", JSON.stringify(f).slice(0, 200));
    }
    if (f.event === "hello") {
      this.epoch = f.payload.epoch;
      if (f.payload.snapshot) {
        if (this.lastSeq !== null) this.resets++;
        this.lastSeq = f.payload.seq;
      }
      this.helloSeq = f.payload.seq;
      return;
    }
    if (f.seq === undefined) return;
    if (this.seen.has(f.seq) || (this.lastSeq !== null && f.seq <= this.lastSeq)) {
      this.duplicated++;
      return;
    }
    if (this.lastSeq !== null && f.seq > this.lastSeq + 1) this.lost += f.seq - this.lastSeq - 1;
    this.seen.add(f.seq);
    this.lastSeq = f.seq;
  }

  drop() {
    this.ws.terminate();
  }
}

async function storm(server) {
  const person = await signUpPerson(server.url, "storm");
  const { cookie, workspace } = person;
  const key = await person.createKey("storm");
  const url = `${server.target.url.replace(/^http/, "ws")}/agents/autopilot/${workspace}?protocol=${PROTOCOL_VERSION}&device=storm`;

  const writer = new WebSocket(url, { headers: { "x-api-key": key }, perMessageDeflate: false });
  await new Promise((resolve, reject) => writer.once("open", resolve).once("error", reject));
  const waiting = new Map();
  writer.on("message", (data) => {
    const f = JSON.parse(data.toString());
    if (f.type === "res") waiting.get(f.id)?.(f);
  });
  let n = 0;
  const call = (method, params) =>
    new Promise((resolve) => {
      const id = `w${n++}`;
      waiting.set(id, resolve);
      writer.send(JSON.stringify({ type: "req", id, method, params }));
    });
  const { payload } = await call("threads.create", { title: "storm", idempotencyKey: `storm-${Date.now()}` });
  const threadId = payload.thread.id;

  const readers = Array.from({ length: READERS }, () => new Reader(url, cookie));
  for (let i = 0; i < readers.length; i += 25) await Promise.all(readers.slice(i, i + 25).map((r) => r.open()));
  while (!readers.every((r) => r.resumed)) await sleep(50);

  // The writer writes throughout; acks are timed from the storm's start to its end, and
  // split where the room logged the frame's arrival (wall clocks, ms).
  let writing = true;
  let stormOn = false;
  const acks = [];
  const ackWalls = [];
  const writes = (async () => {
    let k = 0;
    while (writing) {
      const t0 = performance.now();
      const sentAt = Date.now();
      const { id } = await call("chat.send", { threadId, text: `w${k}`, idempotencyKey: `storm-${k++}-${Date.now()}` });
      if (stormOn) {
        acks.push(performance.now() - t0);
        ackWalls.push({ id, sentAt, ackAt: Date.now() });
      }
      await sleep(5);
    }
  })();
  await sleep(500);

  const results = [];
  for (let s = 0; s < STORMS; s++) {
    for (const r of readers) {
      r.frames = 0;
      r.presenceFrames = 0;
    }
    acks.length = 0;
    ackWalls.length = 0;
    stormOn = true;
    // The bench's own event loop: if it lagged, the client (not the room) held the acks up.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const profile = PROFILE && s === 0 ? await startCpuProfile(server.inspectorPort, PROFILE) : null;
    const cpu0 = treeCpuMs(server.pid);
    const t0 = performance.now();
    for (const r of readers) r.drop();
    await Promise.all(readers.map((r) => r.open()));
    const openMs = performance.now() - t0;
    while (!readers.every((r) => r.resumed)) {
      if (performance.now() - t0 > 120_000) throw new Error(`storm ${s}: ${readers.filter((r) => !r.resumed).length} readers never resumed`);
      await sleep(10);
    }
    const resumedMs = performance.now() - t0;
    const cpu1 = treeCpuMs(server.pid);
    stormOn = false;
    if (profile) {
      printCpuProfile(await profile.stop(), "storm 1", PROFILE);
    }
    lag.disable();
    // Let the diffs of the storm go out before counting its frames.
    await sleep(600);
    const sortedAcks = [...acks].sort((a, b) => a - b);
    results.push({
      openMs,
      resumedMs,
      frames: readers.reduce((a, r) => a + r.frames, 0),
      presenceFrames: readers.reduce((a, r) => a + r.presenceFrames, 0),
      ackP50: percentile(sortedAcks, 50) ?? 0,
      ackP99: percentile(sortedAcks, 99) ?? 0,
      acks: acks.length,
      ackSplit: splitAcks(ackWalls),
      serverCpu: cpu0 === null || cpu1 === null ? null : Object.fromEntries(Object.keys(cpu1).map((k) => [k, cpu1[k] - (cpu0[k] ?? 0)])),
      clientLagP99: lag.percentile(99) / 1e6,
      clientLagMax: lag.max / 1e6,
      queries: timingSummary(readers, "q"),
      auth: timingSummary(readers, "auth"),
      room: timingSummary(readers, "room"),
    });
    await sleep(500);
  }
  writing = false;
  await writes;
  // Every reader must reach the writer's last seq, with nothing lost or doubled.
  const { payload: last } = await call("chat.send", { threadId, text: "last", idempotencyKey: `storm-last-${Date.now()}` });
  void last;
  const finalSeq = Math.max(...readers.map((r) => r.lastSeq));
  const deadline = Date.now() + 30_000;
  while (!readers.every((r) => r.lastSeq >= finalSeq) && Date.now() < deadline) await sleep(50);
  const lost = readers.reduce((a, r) => a + r.lost + Math.max(0, finalSeq - r.lastSeq), 0);
  const duplicated = readers.reduce((a, r) => a + r.duplicated, 0);
  const resets = readers.reduce((a, r) => a + r.resets, 0);
  for (const r of readers) r.ws.terminate();
  writer.terminate();
  return { results, lost, duplicated, resets };
}

const dir = mkdtempSync(join(tmpdir(), "autopilot-storm-"));
console.log(`Starting the room (wrangler dev on :${PORT})…`);
const inspectorPort = PROFILE ? await freePort() : undefined;
const serverLog = serverLogFromEnv();
const server = await startServer({
  localObservability: false,
  port: PORT,
  inspectorPort,
  persistDir: dir,
  log: (line) => {
    onServerLine(line);
    serverLog?.write(line);
  },
  vars: {
    ...LIMITS_OFF,
    // Each upgrade's D1 queries and the time of its steps, on the 101 (party/upgrade-timing.ts), and when each request reached the room (party/rooms/request-marks.ts).
    BENCH_UPGRADE_TIMING: "1",
  },
});
let outcome;
let target;
let floor;
try {
  target = await benchTarget(server);
  console.log(`The sockets: ${targetLabel(target)}, ${target.url}`);
  outcome = await storm({ ...server, target, inspectorPort, pid: server.child.pid });
} finally {
  await server.stop();
  serverLog?.end();
  rmSync(dir, { recursive: true, force: true });
}
// The floor, after the room's wrangler dev is gone (not side by side: both would share the cores).
const baselineDir = mkdtempSync(join(tmpdir(), "autopilot-storm-baseline-"));
const baseline = await startBaseline({ port: await freePort(), persistDir: baselineDir });
try {
  const baselineTarget = await benchTarget(baseline, BASELINE_PROBE);
  if (baselineTarget.direct !== target.direct) throw new Error("the room and the partyserver room were not reached the same way: set BENCH_VIA_PROXY=1");
  floor = await baselineStorm(baselineTarget.url.replace(/^http/, "ws"), READERS, baseline.child.pid);
} finally {
  await baseline.stop();
  rmSync(baselineDir, { recursive: true, force: true });
}
const f = (x) => x.toFixed(1).padStart(8);
console.log(
  `\nreconnect storm: ${READERS} readers dropped at once and resuming while a writer writes (loopback, ${new Date().toISOString().slice(0, 10)}; the room ${target.direct ? "reached directly" : "through wrangler dev's proxy"})`,
);
console.log("storm | all upgraded ms | all resumed ms | frames to readers | presence frames | writer acks | ack p50 ms | ack p99 ms | server CPU ms");
outcome.results.forEach((r, i) => {
  console.log(
    `${String(i + 1).padStart(5)} | ${f(r.openMs).padStart(15)} | ${f(r.resumedMs).padStart(14)} | ${String(r.frames).padStart(17)} | ${String(r.presenceFrames).padStart(15)} | ${String(r.acks).padStart(11)} | ${f(r.ackP50).padStart(10)} | ${f(r.ackP99).padStart(10)} | ${(r.serverCpu === null ? "n/a" : r.serverCpu.total.toFixed(0)).padStart(13)}`,
  );
});
const t = (x) => (x ? `p50 ${x.p50} / p99 ${x.p99} / max ${x.max}` : "n/a");
console.log("\nper upgrade (the Worker's Server-Timing; ms):");
outcome.results.forEach((r, i) => {
  console.log(
    `storm ${i + 1}: D1 queries ${r.queries ? r.queries.mean.toFixed(1) : "n/a"} | gate (auth) ${t(r.auth)} | room (upgrade into the Durable Object) ${t(r.room)} | bench client loop lag p99 ${r.clientLagP99.toFixed(0)} / max ${r.clientLagMax.toFixed(0)}`,
  );
});
outcome.results.forEach((r, i) => {
  console.log(`storm ${i + 1}: writer acks, send → handled in the room + handled → ack (ms, wall clocks): ${r.ackSplit}`);
});
outcome.results.forEach((r, i) => {
  if (r.serverCpu)
    console.log(
      `storm ${i + 1}: server CPU by process (ms): ${Object.entries(r.serverCpu)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(", ")}`,
    );
});
console.log(
  `the platform's floor, the minimal partyserver room (no auth, no resume): all ${READERS} reopened ${floor.openMs.toFixed(0)} ms, all live again ${floor.liveMs.toFixed(0)} ms, server CPU ${floor.cpuMs?.toFixed(0) ?? "n/a"} ms, writer round trips in the storm ${floor.writes.length}${floor.writes.length ? ` (p50 ${percentile(floor.writes, 50).toFixed(0)} ms, p99 ${percentile(floor.writes, 99).toFixed(0)} ms)` : ""}; room / floor (all resumed / all live, storm 1): ${(outcome.results[0].resumedMs / floor.liveMs).toFixed(2)}x`,
);
console.log(`lost: ${outcome.lost}, duplicated: ${outcome.duplicated}, reset instead of resumed: ${outcome.resets}`);
if (outcome.lost !== 0 || outcome.duplicated !== 0) {
  console.error("FAIL: a resume must lose nothing and double nothing");
  process.exit(1);
}
