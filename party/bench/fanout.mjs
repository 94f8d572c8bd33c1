// `npm run bench:fanout`: one writer, N readers on loopback. Measures edit → all-received
// latency (the writer sends chat.send; the time until every reader has the
// message.created event) against the Autopilot room under wrangler dev, and the same load
// against two baselines: a minimal partyserver room in the same local workerd (one SQLite
// row per message, then broadcast: party/bench/baseline/) and a plain `ws` broadcast relay
// in Node. Prints p50/p99/max and both ratios. Same raw `ws` clients for all three, so the
// difference is the server; the three run side by side in alternating blocks of edits
// (BENCH_EDITS per server, BENCH_BLOCKS blocks), the workerd ones reached directly
// (workerd-direct.mjs).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import WebSocket, { WebSocketServer } from "ws";
import { freePort, startServer } from "../dev/server.mjs";
import { messageCreatedFrame } from "./baseline/message-frame.ts";
import { BASELINE_PROBE, startBaseline } from "./baseline/start.mjs";
import { serverLogFromEnv } from "./server-log.mjs";
// Node 24 strips the types of this dependency-free module; the benches speak the current protocol.
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { printCpuProfile, startCpuProfile } from "./cpu-profile.mjs";
import { printHeapSampling, startHeapSampling } from "./heap-sampling.mjs";
import { LIMITS_OFF } from "./limits-off.mjs";
import { benchTarget, targetLabel } from "./workerd-direct.mjs";
import { signUpPerson } from "./bench-person.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "10,100,500").split(",").map(Number);
const EDITS = Number(process.env.BENCH_EDITS ?? 100);
// A free port unless told: a fixed one may be another run's server (tests pick free ports too).
const PORT = Number(process.env.BENCH_PORT ?? (await freePort()));
/** A path: the room's workerd CPU profile while the largest N's edits run (cpu-profile.mjs). */
const PROFILE = process.env.BENCH_CPU_PROFILE;
/** 1: instead, what the room's isolate allocates while the largest N's edits run. */
const HEAP = process.env.BENCH_HEAP_PROFILE === "1";
const WARMUP = 5;
/** Blocks of edits per server, alternating (see benchSize). */
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 10);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) };
};

function open(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function terminateAll(sockets) {
  for (const s of sockets) s.terminate();
}

/** Opens `count` sockets a few at a time (auth runs per upgrade; don't stampede it). */
async function openMany(count, make) {
  const out = [];
  for (let i = 0; i < count; i += 25) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, make))));
  }
  return out;
}

/**
 * A writer's sequential edits, each timed until every reader has seen its marker.
 * `send(marker)` emits one edit; `markerOf(data)` extracts the marker from a frame.
 * Returns `edits(k)`: runs k more edits, resolving with their latencies.
 */
function editTimer(readers, send, markerOf) {
  let waiting = null;
  let i = 0;
  let frameBytes = 0;
  for (const r of readers) {
    r.on("message", (data) => {
      const marker = markerOf(data);
      if (marker && waiting && marker === waiting.marker) {
        frameBytes = data.length;
        if (--waiting.left === 0) waiting.done();
      }
    });
  }
  edits.frameBytes = () => frameBytes;
  return edits;
  async function edits(k) {
    const latencies = [];
    for (const end = i + k; i < end; i++) {
      const marker = `m${i}-${Math.random().toString(36).slice(2)}`;
      const received = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`edit ${i}: ${waiting.left} of ${readers.length} readers never received it (server restarted or dropped sockets?)`)), 15_000);
        waiting = {
          marker,
          left: readers.length,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
      const t0 = performance.now();
      send(marker);
      await received;
      latencies.push(performance.now() - t0);
    }
    return latencies;
  }
}

/** The Autopilot room: a person's n sockets (session cookie) read, an agent key writes chat.send. */
async function openRoom(server, wsBase, n) {
  const person = await signUpPerson(server.url, `bench-${n}`);
  const { cookie, workspace: ws } = person;
  const key = await person.createKey("bench");
  const url = `${wsBase}/agents/autopilot/${ws}?protocol=${PROTOCOL_VERSION}&device=bench`;
  const writer = await open(url, { "x-api-key": key });
  const readers = await openMany(n, () => open(url, { cookie }));
  let threadId;
  await new Promise((resolve) => {
    writer.on("message", (d) => {
      const f = JSON.parse(d);
      if (f.type === "res" && f.id === "t") {
        threadId = f.payload.thread.id;
        resolve();
      }
    });
    writer.send(JSON.stringify({ type: "req", id: "t", method: "threads.create", params: { title: "bench", idempotencyKey: `bench-${n}-${Date.now()}` } }));
  });
  let k = 0;
  const edits = editTimer(
    readers,
    (marker) => writer.send(JSON.stringify({ type: "req", id: `e${k}`, method: "chat.send", params: { threadId, text: marker, idempotencyKey: `edit-${n}-${k++}-${marker}` } })),
    (data) => {
      const text = data.toString();
      if (!text.includes('"message.created"')) return null;
      return JSON.parse(text).payload.message.text;
    },
  );
  return { edits, close: () => terminateAll([writer, ...readers]) };
}

/** A writer and n readers on a baseline that answers a bare `chat.send` with `message.created`. */
async function openBareServer(url, n) {
  const writer = await open(url);
  const readers = await openMany(n, () => open(url));
  const edits = editTimer(
    readers,
    (marker) => writer.send(JSON.stringify({ type: "req", id: "x", method: "chat.send", params: { text: marker } })),
    (data) => JSON.parse(data).payload.message.text,
  );
  return { edits, close: () => terminateAll([writer, ...readers]) };
}

/** The plain `ws` relay in this process: what the room does at minimum (parse, wrap, serialize, fan out). */
async function openRelay(n) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once("listening", r));
  let count = 0;
  wss.on("connection", (sock) => {
    sock.on("message", (data) => {
      const req = JSON.parse(data);
      const frame = messageCreatedFrame(++count, req.params.text, Date.now());
      for (const c of wss.clients) if (c !== sock && c.readyState === WebSocket.OPEN) c.send(frame);
    });
  });
  const bare = await openBareServer(`ws://127.0.0.1:${wss.address().port}`, n);
  return {
    edits: bare.edits,
    close: () => {
      bare.close();
      return new Promise((r) => wss.close(r));
    },
  };
}

/**
 * The three servers side by side: all connected at once, their edits run in alternating
 * blocks (the order rotating per block), so a drift in the machine's load reaches all of
 * them alike instead of whichever ran last.
 */
async function benchSize(n, roomWs, baselineWs) {
  const sides = {
    room: await openRoom(server, roomWs, n),
    party: await openBareServer(`${baselineWs}/parties/baseline-room/bench-${n}-${Date.now()}`, n),
    relay: await openRelay(n),
  };
  const names = Object.keys(sides);
  const latencies = Object.fromEntries(names.map((name) => [name, []]));
  try {
    for (const name of names) await sides[name].edits(WARMUP);
    const largest = n === Math.max(...SIZES);
    const profile = PROFILE && largest ? await startCpuProfile(server.inspectorPort, PROFILE) : null;
    const heap = HEAP && !PROFILE && largest ? await startHeapSampling(server.inspectorPort) : null;
    for (let b = 0; b < BLOCKS; b++) {
      const per = Math.ceil(EDITS / BLOCKS);
      for (let s = 0; s < names.length; s++) {
        const name = names[(b + s) % names.length];
        latencies[name].push(...(await sides[name].edits(per)));
      }
    }
    if (heap) {
      printHeapSampling(await heap.stop(), `N=${n}'s edits (all three servers' blocks)`);
    }
    if (profile) {
      printCpuProfile(await profile.stop(), `N=${n}'s edits (all three servers' blocks)`, PROFILE);
    }
  } finally {
    for (const side of Object.values(sides)) await side.close();
  }
  return Object.fromEntries(names.map((name) => [name, { ...stats(latencies[name]), bytes: sides[name].edits.frameBytes() }]));
}

const dir = mkdtempSync(join(tmpdir(), "autopilot-bench-"));
console.log(`Starting the room (wrangler dev on :${PORT})…`);
const inspectorPort = PROFILE || HEAP ? await freePort() : undefined;
const serverLog = serverLogFromEnv();
const server = { ...(await startServer({ port: PORT, persistDir: dir, vars: LIMITS_OFF, inspectorPort, localObservability: false, log: (line) => serverLog?.write(line) })), inspectorPort };
const baselineDir = mkdtempSync(join(tmpdir(), "autopilot-bench-baseline-"));
const baseline = await startBaseline({ port: await freePort(), persistDir: baselineDir }).catch(async (error) => {
  await server.stop();
  throw error;
});
const rows = [];
// Both workerd rooms are measured the same way: directly, or both through their proxy.
const roomTarget = await benchTarget(server);
const baselineTarget = await benchTarget(baseline, BASELINE_PROBE);
const wsOf = (t) => t.url.replace(/^http/, "ws");
console.log(`The sockets: room ${targetLabel(roomTarget)}; partyserver room ${targetLabel(baselineTarget)}`);
try {
  if (roomTarget.direct !== baselineTarget.direct) throw new Error("one workerd room was found directly and the other not: set BENCH_VIA_PROXY=1");
  for (const n of SIZES) {
    process.stdout.write(`N=${n}: room, partyserver room and relay side by side… `);
    rows.push({ n, ...(await benchSize(n, wsOf(roomTarget), wsOf(baselineTarget))) });
    console.log("done");
  }
} finally {
  await Promise.all([server.stop(), baseline.stop()]);
  serverLog?.end();
  rmSync(dir, { recursive: true, force: true });
  rmSync(baselineDir, { recursive: true, force: true });
}

const f = (x) => x.toFixed(1).padStart(7);
const r = (a, b) => `${(a / b).toFixed(2)}x`.padStart(6);
console.log(
  `\nedit → all-received latency, ms (${EDITS} edits each, 1 writer, loopback, ${new Date().toISOString().slice(0, 10)}; workerd rooms ${roomTarget.direct ? "reached directly" : "through wrangler dev's proxy"})`,
);
console.log("readers |  room p50     p99     max | partyserver p50  p99     max | relay p50     p99     max | room/partyserver p50  p99 | room/relay p50  p99");
for (const { n, room, party, relay } of rows) {
  console.log(
    `${String(n).padStart(7)} | ${f(room.p50)} ${f(room.p99)} ${f(room.max)} | ${f(party.p50)} ${f(party.p99)} ${f(party.max)} | ${f(relay.p50)} ${f(relay.p99)} ${f(relay.max)} | ${r(room.p50, party.p50).padStart(20)} ${r(room.p99, party.p99)} | ${r(room.p50, relay.p50).padStart(14)} ${r(room.p99, relay.p99)}`,
  );
}
console.log(`frame each reader gets per edit, bytes: room ${rows[0].room.bytes}, partyserver room ${rows[0].party.bytes}, relay ${rows[0].relay.bytes}`);
