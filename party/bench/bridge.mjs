// `npm run bench:bridge`: what the Autopilot's bridge to an OpenClaw gateway adds. Starts
// the room (wrangler dev), the runtime (process host) with one real gateway, and the
// scripted model in this process. Two clients watch the same turns side by side: a room
// client (raw `ws`, as `npm run bench`'s fan-out) and a direct gateway client (an admin operator
// connection through the runtime's proxy, as the room's bridge connects).
// 1. Delta latency: the model streams each reply in BENCH_PIECES pieces, BENCH_PIECE_MS
//    apart, and records when it wrote each one. A delta's latency is its arrival time
//    minus the write time of the last character it holds (by cumulative text length).
// 2. Approval round trip: `RUNCMD: echo bench-<i>`; from the direct client seeing
//    `exec.approval.requested` until it sees `exec.approval.resolved`, with the room
//    client approving the moment the approval reaches it.
// 3. Wake time (decision 78): the gateway put to sleep (the runtime's sleep route, the same
//    stop the room's idle decision asks for), then a message to its thread; from the send
//    until the room client receives the reply's first streamed token, over BENCH_WAKES wakes.
// The model, both clients and all timestamps live in this process (one clock).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { markerScript, startScriptedModel, userTexts } from "../../runtime/test/scripted-model.ts";
import { startRuntime } from "../dev/runtime.mjs";
import { ensureDevVars, freePort, startServer } from "../dev/server.mjs";
// Node 24 strips the types of this dependency-free module; the benches speak the current protocol.
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { LIMITS_OFF } from "./limits-off.mjs";
import { signUpPerson } from "./bench-person.mjs";

const TURNS = Number(process.env.BENCH_TURNS ?? 10);
const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 20);
const PIECES = Number(process.env.BENCH_PIECES ?? 60);
const PIECE_MS = Number(process.env.BENCH_PIECE_MS ?? 40);
const WAKES = Number(process.env.BENCH_WAKES ?? 5);
const WARMUP = 1; // one extra turn and one extra approval first, not counted

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) };
};
const key = (label) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** Resolves when `check()` is truthy (polled on every frame and every 20 ms). */
function until(check, what, timeoutMs) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => {
      let value;
      try {
        value = check();
      } catch (error) {
        return reject(error);
      }
      if (value) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** A minimal JSON req/res/event client over `ws` (both protocols use the same framing). */
function rpcSocket(url, headers) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const waiting = new Map();
  const listeners = new Set();
  let next = 0;
  ws.on("message", (data) => {
    const at = performance.now();
    const frame = JSON.parse(data.toString());
    if (frame.type === "res") {
      const w = waiting.get(frame.id);
      waiting.delete(frame.id);
      if (frame.ok) w?.resolve(frame.payload);
      else w?.reject(Object.assign(new Error(`${w?.method}: ${JSON.stringify(frame.error)}`), { frame }));
    } else if (frame.type === "event") {
      for (const l of listeners) l(frame.event, frame.payload, at);
    }
  });
  const opened = new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return {
    ws,
    opened,
    on: (fn) => listeners.add(fn),
    request: (method, params) =>
      new Promise((resolve, reject) => {
        const id = `b${++next}`;
        waiting.set(id, { resolve, reject, method });
        ws.send(JSON.stringify({ type: "req", id, method, params }));
      }),
    close: () => ws.terminate(),
  };
}

// --- setup -------------------------------------------------------------------

const serviceToken = ensureDevVars().RUNTIME_SERVICE_TOKEN;
const dirs = [];
let runtime;
let server;
let model;
const sockets = [];

/** Per reply being streamed (keyed by the marker in the user text): when each piece was written. */
const writesByMarker = new Map();
const streamText = (marker) =>
  Array.from({ length: PIECES }, (_, i) => `${marker.slice(0, 3)}${String(i).padStart(4, "0")} `)
    .join("")
    .trimEnd();
/** The marker of a streaming turn's request: in the last real user text (the gateway may append an internal-context one). */
const markerOf = (request) => {
  const real = (request.messages ?? []).filter(
    (m) => !(m.role === "user" && JSON.stringify(m.content).includes("BEGIN_OPENCLAW_INTERNAL_CONTEXT")),
  );
  if (real.at(-1)?.role === "tool") return undefined;
  return /BENCHSTREAM (\S+)/.exec(userTexts({ messages: real }).at(-1) ?? "")?.[1];
};
/** The model requests answered with a stream, and their markers. */
const streamed = new WeakMap();

async function cleanup() {
  for (const s of sockets) s.close();
  await server?.stop();
  await runtime?.stop();
  await model?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

async function setup() {
  model = await startScriptedModel({
    onPiece: (request, written) => {
      const at = performance.now();
      const marker = streamed.get(request);
      if (marker) writesByMarker.get(marker).push({ written, at });
    },
  });
  model.setReply((request) => {
    const marker = markerOf(request);
    // Only the first model call of a streaming turn streams (a later one, e.g. after a
    // tool call, falls through to the marker script).
    if (marker && !writesByMarker.has(marker)) {
      writesByMarker.set(marker, []);
      streamed.set(request, marker);
      return { text: streamText(marker), chunkDelayMs: PIECE_MS };
    }
    return markerScript(request);
  });
  const dataDir = mkdtempSync(join(tmpdir(), "autopilot-bench-runtime-"));
  dirs.push(dataDir);
  const runtimePort = await freePort();
  const runtimeLog = [];
  runtime = await startRuntime({
    port: runtimePort,
    serviceToken,
    dataDir,
    env: {
      OPENCLAW_MODEL_BASE_URL: model.baseUrl,
      OPENCLAW_MODEL_ID: "scripted-model",
      OPENCLAW_MODEL_API_KEY: "scripted-key",
    },
    log: (line) => {
      runtimeLog.push(`${line}\n`);
      if (runtimeLog.length > 200) runtimeLog.shift();
    },
  });
  process.once("exit", () => runtime.child.exitCode === null && runtime.child.kill("SIGKILL"));
  const runtimeUrl = runtime.url;
  const persistDir = mkdtempSync(join(tmpdir(), "autopilot-bench-bridge-"));
  dirs.push(persistDir);
  const port = await freePort();
  console.log(`Starting the room (wrangler dev on :${port}), runtime on ${runtimeUrl}…`);
  server = await startServer({
    localObservability: false,
    port,
    persistDir,
    vars: {
      RUNTIME_URL: runtimeUrl,
      ...LIMITS_OFF,
    },
  });

  const person = await signUpPerson(server.url, "bench-bridge");
  const { cookie, workspace } = person;

  const room = rpcSocket(
    `ws://127.0.0.1:${server.port}/agents/autopilot/${workspace}?protocol=${PROTOCOL_VERSION}&device=bench`,
    { cookie },
  );
  sockets.push(room);
  const instances = new Map();
  room.on((event, payload) => {
    if (event === "instance.updated") instances.set(payload.instance.id, payload.instance);
  });
  await room.opened;

  console.log("Provisioning an instance (a real gateway)…");
  // An agent asks and the person decides: nobody approves an instance operation they asked for.
  const agent = rpcSocket(
    `ws://127.0.0.1:${server.port}/agents/autopilot/${workspace}?protocol=${PROTOCOL_VERSION}&device=bench-agent`,
    { "x-api-key": await person.createKey("bench-agent") },
  );
  sockets.push(agent);
  await agent.opened;
  const { approval } = await agent.request("instances.provision", {
    instanceId: "bench",
    name: "Bench",
    idempotencyKey: key("prov"),
  });
  await room.request("approvals.resolve", {
    approvalId: approval.id,
    decision: "approve",
    idempotencyKey: key("decide"),
  });
  await until(
    () => {
      const i = instances.get("bench");
      if (i?.status === "error") throw new Error(`instance failed: ${i.error}`);
      return i?.status === "ready" && i.bridge === "connected";
    },
    "the instance ready with a connected bridge",
    180_000,
  ).catch((error) => {
    const i = instances.get("bench");
    throw new Error(
      `${error.message} (last seen: ${i ? `${i.status}, ${i.phase}, bridge ${i.bridge} ${i.bridgeError ?? ""}` : "nothing"})\n--- runtime output ---\n${runtimeLog.join("").slice(-4000)}`,
    );
  });
  const { thread } = await room.request("threads.create", { title: "bench", idempotencyKey: key("thr") });
  await room.request("instances.attach", { instanceId: "bench", threadId: thread.id, idempotencyKey: key("att") });

  // The direct client: an admin operator connection through the same proxy the room uses
  // (no `auth`: the proxy injects the gateway token).
  const direct = rpcSocket(`${runtimeUrl.replace(/^http/, "ws")}/v1/workspaces/${workspace}/instances/bench/gateway`, {
    authorization: `Bearer ${serviceToken}`,
  });
  sockets.push(direct);
  let challenged = false;
  direct.on((event) => {
    if (event === "connect.challenge") challenged = true;
  });
  await direct.opened;
  await until(() => challenged, "the gateway's connect.challenge", 10_000);
  await direct.request("connect", {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: "gateway-client", version: "0.1.0", platform: "linux", mode: "backend" },
    role: "operator",
    scopes: ["operator.read", "operator.write", "operator.approvals", "operator.pairing", "operator.admin"],
    caps: ["approvals"], // without it, no exec.approval.* events reach the connection
  });
  return { room, direct, threadId: thread.id, instances, runtimeUrl, workspace };
}

// --- 1. delta latency --------------------------------------------------------

const chatText = (message) =>
  !message?.content
    ? ""
    : typeof message.content === "string"
      ? message.content
      : message.content
          .filter((p) => p.type === "text" && typeof p.text === "string")
          .map((p) => p.text)
          .join("");

async function benchDeltas({ room, direct, threadId }) {
  // Every delta either client got: run id, cumulative length, arrival time.
  const seen = { room: [], direct: [] };
  const finished = new Set(); // run ids whose reply landed as a durable room message
  const directFinal = new Set();
  room.on((event, p, at) => {
    if (event === "chat.delta" && p.offset + p.text.length > 0)
      seen.room.push({ runId: p.runId, length: p.offset + p.text.length, at });
    if (event === "message.created" && p.message.runId) finished.add(p.message.runId);
  });
  direct.on((event, p, at) => {
    if (event !== "chat") return;
    if (p.state === "delta") seen.direct.push({ runId: p.runId, length: chatText(p.message).length, at });
    if (p.state === "final") directFinal.add(p.runId);
  });
  const latencies = { room: [], direct: [] };
  const counts = { room: 0, direct: 0 };
  const added = []; // per delta both clients got (same run, same length): room arrival − direct arrival
  for (let t = 0; t < TURNS + WARMUP; t++) {
    const marker = `t${t}x${Math.random().toString(36).slice(2, 8)}`;
    const { message } = await room.request("chat.send", {
      threadId,
      text: `BENCHSTREAM ${marker}`,
      idempotencyKey: key("send"),
    });
    const runId = message.id;
    await until(() => finished.has(runId) && directFinal.has(runId), `turn ${t} to finish at both clients`, 60_000);
    const writes = writesByMarker.get(marker);
    if (!writes || writes.length !== PIECES)
      throw new Error(`turn ${t}: the model wrote ${writes?.length ?? 0} of ${PIECES} pieces`);
    if (t < WARMUP) continue;
    for (const side of ["room", "direct"]) {
      const deltas = seen[side].filter((d) => d.runId === runId);
      if (deltas.length === 0) throw new Error(`turn ${t}: the ${side} client saw no deltas for run ${runId}`);
      counts[side] += deltas.length;
      for (const d of deltas) {
        // The piece that wrote the delta's last character.
        const w = writes.find((x) => x.written >= d.length) ?? writes.at(-1);
        latencies[side].push(d.at - w.at);
      }
    }
    const directAt = new Map(seen.direct.filter((d) => d.runId === runId).map((d) => [d.length, d.at]));
    for (const d of seen.room)
      if (d.runId === runId && directAt.has(d.length)) added.push(d.at - directAt.get(d.length));
  }
  return { room: stats(latencies.room), direct: stats(latencies.direct), added: stats(added), counts };
}

// --- 2. approval round trip --------------------------------------------------

async function benchApprovals({ room, direct, threadId }) {
  const requested = new Map(); // gateway approval id → t0
  const resolved = new Map(); // gateway approval id → t1
  const atRoom = new Map(); // gateway approval id → when the room client saw it
  const answered = new Map(); // gateway approval id → when the room answered the room client's approve
  const replies = new Set();
  direct.on((event, p, at) => {
    if (event === "exec.approval.requested") requested.set(p.id, at);
    if (event === "exec.approval.resolved") resolved.set(p.id, at);
  });
  room.on((event, p, at) => {
    if (event === "approval.requested" && p.approval.action?.kind === "exec" && p.approval.status === "pending") {
      const id = p.approval.action.requestId;
      atRoom.set(id, at);
      void room
        .request("approvals.resolve", { approvalId: p.approval.id, decision: "approve", idempotencyKey: key("decide") })
        .then(() => answered.set(id, performance.now()));
    }
    if (event === "message.created" && p.message.runId && p.message.text.includes("TOOL RESULT SEEN"))
      replies.add(p.message.runId);
  });
  const total = [];
  const toRoom = [];
  const decide = [];
  const toGateway = [];
  for (let i = 0; i < APPROVALS + WARMUP; i++) {
    const known = new Set(requested.keys());
    const { message } = await room.request("chat.send", {
      threadId,
      text: `RUNCMD: echo bench-${i}`,
      idempotencyKey: key("send"),
    });
    const id = await until(() => [...requested.keys()].find((k) => !known.has(k)), `approval ${i} requested`, 60_000);
    await until(() => resolved.has(id), `approval ${i} resolved`, 30_000);
    await until(() => replies.has(message.id), `the reply after command ${i}`, 60_000);
    if (i < WARMUP) continue;
    await until(() => answered.has(id), `the room's answer to approve ${i}`, 30_000);
    total.push(resolved.get(id) - requested.get(id));
    toRoom.push(atRoom.get(id) - requested.get(id));
    decide.push(answered.get(id) - atRoom.get(id));
    toGateway.push(resolved.get(id) - atRoom.get(id));
  }
  return { total: stats(total), toRoom: stats(toRoom), decide: stats(decide), toGateway: stats(toGateway) };
}

// --- 3. wake time ------------------------------------------------------------

async function benchWakes({ room, direct, threadId, instances, runtimeUrl, workspace }) {
  // The operator connection would be cut by every sleep: the room client alone watches.
  direct.close();
  const firstDelta = new Map(); // run id → when its first delta reached the room client
  const replied = new Set();
  room.on((event, p, at) => {
    if (event === "chat.delta" && !firstDelta.has(p.runId)) firstDelta.set(p.runId, at);
    if (event === "message.created" && p.message.runId && p.message.author.id === "instance:bench")
      replied.add(p.message.runId);
  });
  const sleepUrl = `${runtimeUrl}/v1/workspaces/${workspace}/instances/bench/sleep`;
  const wakes = [];
  for (let i = 0; i < WAKES; i++) {
    const res = await fetch(sleepUrl, { method: "POST", headers: { authorization: `Bearer ${serviceToken}` } });
    if (!res.ok) throw new Error(`sleep ${i}: ${res.status} ${await res.text()}`);
    await until(() => instances.get("bench")?.sleep?.state === "asleep", `the instance asleep (${i})`, 60_000);
    const sentAt = performance.now();
    const { message } = await room.request("chat.send", {
      threadId,
      text: `SAY: awake again ${i}`,
      idempotencyKey: key("send"),
    });
    await until(() => firstDelta.has(message.id), `the first token after wake ${i}`, 300_000);
    wakes.push(firstDelta.get(message.id) - sentAt);
    await until(() => replied.has(message.id), `the reply after wake ${i}`, 60_000);
  }
  const sorted = [...wakes].sort((a, b) => a - b);
  return { n: wakes.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) };
}

// --- run ---------------------------------------------------------------------

let deltas;
let approvals;
let wakes;
try {
  const ctx = await setup();
  process.stdout.write(`Streaming ${TURNS} turns (+${WARMUP} warm-up) of ${PIECES} pieces, ${PIECE_MS} ms apart… `);
  deltas = await benchDeltas(ctx);
  process.stdout.write(`done\n${APPROVALS} approvals (+${WARMUP} warm-up)… `);
  approvals = await benchApprovals(ctx);
  process.stdout.write(`done\n${WAKES} wakes from sleep… `);
  wakes = await benchWakes(ctx);
  console.log("done");
} finally {
  await cleanup();
}

const f = (x) => x.toFixed(1).padStart(7);
const row = (label, x) => console.log(`${label.padEnd(58)} | ${f(x.p50)} ${f(x.p99)} ${f(x.max)}`);
const { room, direct, added, counts } = deltas;
console.log(`\nbridge, loopback, ${new Date().toISOString().slice(0, 10)}; ms`);
console.log(`\ndelta latency: model wrote a delta's last character → client received the delta`);
console.log(
  `${TURNS} turns of ${PIECES} pieces ${PIECE_MS} ms apart; deltas received: direct ${counts.direct}, room ${counts.room}`,
);
console.log(`${"".padEnd(58)} |     p50     p99     max`);
row("direct gateway client (through the runtime's proxy)", direct);
row("room client (gateway → bridge → room)", room);
row("added by the bridge, per delta (room − direct arrival)", added);
console.log(
  `${"ratio room / direct".padEnd(58)} | ${(room.p50 / direct.p50).toFixed(2).padStart(6)}x ${(room.p99 / direct.p99).toFixed(2).padStart(6)}x`,
);
console.log(`\nexec approval round trip, ${APPROVALS} approvals (room client approves on sight)`);
console.log(`${"".padEnd(58)} |     p50     p99     max`);
row("gateway requested → gateway resolved (total)", approvals.total);
row("  gateway requested → approval at the room client", approvals.toRoom);
row("  approval at the room client → gateway resolved", approvals.toGateway);
row("  (approval at the room client → room answered approve)", approvals.decide);
console.log(`\nwake: message sent to an asleep instance → first streamed token at the room client, ${wakes.n} wakes`);
console.log(`${"".padEnd(58)} |  median     p95     max`);
console.log(`${"sleeping gateway woken by a message".padEnd(58)} | ${f(wakes.p50)} ${f(wakes.p95)} ${f(wakes.max)}`);
process.exit(0);
