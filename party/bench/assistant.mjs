// `npm run bench:assistant`: what the room adds to the Autopilot's own agent. Starts the
// room (wrangler dev) with the scripted model (in this process) as the Autopilot's model.
// A person's client (the client library, signed in with a session) against four baselines
// on the same model and script: a plain `ai` `streamText` client in this process, the same
// client in workerd (in a Worker and in a Durable Object), and in a Node process of its own
// (assistant-floor.mjs). Rounds rotate the order of the five.
// 1. Streaming: `STREAM: <n>x<ms>` makes the model write n 8-character pieces, ms apart,
//    and it records when it wrote each one. Time to first token: send → first non-empty
//    delta. Per-delta latency: a delta's arrival minus the write time of the piece holding
//    its last character; the room's added latency is room − baseline for the delta of the
//    same length in the same round.
// 2. Approval round trip of a gated tool: `STEPS: jobs_cancel {…}` on a job the person
//    started. From the model writing the tool call to the approval at the person's client
//    (which approves on sight), and from approve to the tool's result and to the reply
//    going on. The baseline is the SDK's own approval flow in-process.
// Fresh thread per round (the room's context is just the one message, like the plain
// client's); one clock (all in this process). BENCH_SERVER_LOG=<file> keeps the room's
// wrangler output: with MINIFLARE_WORKERD_V8_FLAGS=--trace-gc, its collections.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText, tool } from "ai";
import { z } from "zod";
import { agentScript, startScriptedModel, userTexts } from "../../runtime/test/scripted-model.ts";
import { freePort, startServer } from "../dev/server.mjs";
import { printReport, stats } from "./assistant-report.mjs";
import { printCpuProfile, startCpuProfile } from "./cpu-profile.mjs";
import { printHeapSampling, startHeapSampling } from "./heap-sampling.mjs";
import { startFloorClients } from "./assistant-floor.mjs";
import { loadClientLibrary } from "./client-library.mjs";
import { createDeltaMarks } from "./delta-marks.mjs";
import { benchTarget, targetLabel } from "./workerd-direct.mjs";
import { signUpPerson } from "./bench-person.mjs";
import { serverLogFromEnv } from "./server-log.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 20);
const PIECES = Number(process.env.BENCH_PIECES ?? 60);
const PIECE_MS = Number(process.env.BENCH_PIECE_MS ?? 20);
const WARMUP = 1; // one extra round of each kind first, not counted
/** A path: a CPU profile of workerd during the streaming rounds (cpu-profile.mjs), and its garbage collector's longest stretches. */
const PROFILE = process.env.BENCH_CPU_PROFILE;
/** 1: instead, what the room's isolate allocates during the streaming rounds, by site. */
const HEAP = process.env.BENCH_HEAP_PROFILE === "1";

const now = () => performance.now();

/** Resolves when `check()` is truthy (polled every 10 ms). */
function until(check, what, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => {
      const value = check();
      if (value) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

// --- per-round records, filled by the model's hooks and the clients' listeners ----------

/** By round tag (`#b…` in the user text): what the model saw and wrote. */
const byTag = new Map();
const record = (tag) => {
  if (!byTag.has(tag)) byTag.set(tag, { writes: [], requests: [], deltas: [], toolCallAt: null });
  return byTag.get(tag);
};
const tagOf = (request) => /#(b[\w-]+)/.exec(userTexts(request).at(-1) ?? "")?.[1];

const dirs = [];
const serverLog = serverLogFromEnv();
let server;
let floor;
let model;
let client;
let target;
const marks = createDeltaMarks();

async function setup() {
  model = await startScriptedModel({
    usage: "when-asked",
    onPiece: (request, written) => {
      const tag = tagOf(request);
      if (tag) record(tag).writes.push({ written, at: now() });
    },
    onStreamEnd: (request, turn) => {
      const tag = tagOf(request);
      if (tag && turn.toolCall) record(tag).toolCallAt = now();
    },
  });
  model.setReply((request) => {
    const tag = tagOf(request);
    if (tag) record(tag).requests.push({ at: now(), resumed: request.messages?.at(-1)?.role === "tool" });
    return agentScript(request);
  });
  const work = mkdtempSync(join(tmpdir(), "autopilot-bench-assistant-"));
  dirs.push(work);
  const library = await loadClientLibrary(work);
  const port = await freePort();
  const inspectorPort = PROFILE || HEAP ? await freePort() : undefined;
  console.log(`Starting the room (wrangler dev on :${port}), the scripted model on ${model.baseUrl}…`);
  server = await startServer({
    localObservability: false,
    port,
    persistDir: join(work, "state"),
    vars: { AUTOPILOT_MODEL_BASE_URL: model.baseUrl, AUTOPILOT_MODEL_ID: "scripted-model", AUTOPILOT_DELTA_MARKS: "1", RATE_LIMIT_BURST: "100000", RATE_LIMIT_PER_SECOND: "100000" },
    log: (line) => {
      marks.onServerLine(line);
      serverLog?.write(line);
    },
    inspectorPort,
  });
  server.inspectorPort = inspectorPort;
  const person = await signUpPerson(server.url, "bench-assistant");
  const workspace = person.workspace;
  // A person's connection, as the app makes it: the session buys a connect ticket (through
  // wrangler dev's front door); the socket itself goes where the bench measures.
  target = await benchTarget(server);
  console.log(`The person's socket: ${targetLabel(target)}, ${target.url}`);
  client = new library.AutopilotClient({
    url: target.url,
    workspace,
    device: "bench",
    WebSocket: marks.WebSocket,
    ticket: async () => (await (await person.api("/api/connect-ticket", { method: "POST", body: JSON.stringify({ workspaceId: workspace }) })).json()).ticket,
  });
  await client.ready({ timeoutMs: 30_000 });
  const plain = createOpenAICompatible({ name: "bench", baseURL: model.baseUrl, includeUsage: true }).chatModel("scripted-model");
  floor = await startFloorClients({ dir: work, baseURL: model.baseUrl, model: "scripted-model", now });
  return { client, plain };
}

async function cleanup() {
  client?.close();
  await server?.stop();
  await floor?.stop();
  await model?.close();
  serverLog?.end();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/**
 * One fresh thread per round, the Autopilot answering (the default for new threads with a
 * model configured), made before the timed rounds: creating one right before a send would
 * time the Hatchery's pull of the new thread's events too (it follows every commit).
 */
async function freshThreads(tags) {
  const threads = new Map();
  for (const tag of tags) {
    const { thread } = await client.threads.create({ title: tag });
    if (thread.responder.kind !== "autopilot") throw new Error(`a new thread is answered by ${thread.responder.kind}, not the Autopilot: is the model configured?`);
    threads.set(tag, thread.id);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  return threads;
}

// --- 1. streaming ------------------------------------------------------------------------

/** Per delta: arrival minus the write time of the piece that holds its last character. */
function deltaLatencies(rec) {
  if (rec.writes.length !== PIECES) throw new Error(`the model wrote ${rec.writes.length} of ${PIECES} pieces`);
  return rec.deltas.map((d) => ({ length: d.length, latency: d.at - (rec.writes.find((w) => w.written >= d.length) ?? rec.writes.at(-1)).at }));
}

async function roomStreamRound(tag, threadId) {
  const rec = record(tag);
  let reply = null;
  const offDelta = client.on("chat.delta", (p) => {
    if (p.threadId !== threadId) return;
    // The room announces the run with an empty delta once its context is built, right before it calls the model.
    rec.runStartedAt ??= now();
    rec.chatRunId ??= p.runId;
    if (p.text) rec.deltas.push({ length: p.offset + p.text.length, at: now() });
  });
  const offMessage = client.on("message.created", (p) => {
    if (p.message.threadId === threadId && p.message.author.id === "autopilot" && p.message.runId) reply = p.message;
  });
  // The same hops with no write and no run: a read's round trip.
  const readAt = now();
  await client.threads.list({});
  rec.readRoundTrip = now() - readAt;
  rec.sentAt = now();
  await client.chat.send({ threadId, text: `#${tag} STREAM: ${PIECES}x${PIECE_MS}` });
  rec.answeredAt = now();
  await until(() => reply, `the room's reply in round ${tag}`);
  offDelta();
  offMessage();
  if (reply.kind === "error") throw new Error(`round ${tag}: the Autopilot answered with an error: ${reply.text}`);
  await until(() => marks.has(rec.chatRunId), `the room's delta marks of round ${tag}`, 5000).catch(() => console.warn(`round ${tag}: no delta marks from the room`));
  return rec;
}

async function plainStreamRound(plain, tag) {
  const rec = record(tag);
  rec.sentAt = now();
  const result = streamText({ model: plain, messages: [{ role: "user", content: `Bench (user): #${tag} STREAM: ${PIECES}x${PIECE_MS}` }], maxRetries: 0 });
  let length = 0;
  for await (const part of result.stream) {
    if (part.type === "error") throw part.error;
    if (part.type === "text-delta" && part.text) {
      length += part.text.length;
      rec.deltas.push({ length, at: now() });
    }
  }
  return rec;
}

/** The streaming clients: the room's, the plain one in this process, the floors in a Worker, a Durable Object and a Node process. */
const SIDES = ["room", "plain", "worker", "object", "node"];
const bySide = (make) => Object.fromEntries(SIDES.map((side) => [side, make()]));
/** What each adds over what: the room over the plain client and the workerd floors, each floor over the plain client, workerd over the Node process. */
const ADDED = [
  ["room", "plain"],
  ["room", "worker"],
  ["room", "object"],
  ["worker", "plain"],
  ["object", "plain"],
  ["node", "plain"],
  ["worker", "node"],
];

async function benchStreaming(plain) {
  const out = {
    ttft: bySide(() => []),
    toModel: bySide(() => []),
    delta: bySide(() => []),
    /** Per delta, a client's latency minus another's for the delta of the same length, by `a-b`. */
    added: Object.fromEntries(ADDED.map(([a, b]) => [`${a}-${b}`, []])),
    counts: bySide(() => 0),
    answered: [],
    runStarted: [],
    hops: [],
    reads: [],
    steps: new Map(),
  };
  const threads = await freshThreads(Array.from({ length: ROUNDS + WARMUP }, (_, i) => `bs${i}-room`));
  for (let i = 0; i < ROUNDS + WARMUP; i++) {
    const run = {
      room: () => roomStreamRound(`bs${i}-room`, threads.get(`bs${i}-room`)),
      plain: () => plainStreamRound(plain, `bs${i}-plain`),
      worker: () => floor.worker.round(record(`bs${i}-worker`), `Bench (user): #bs${i}-worker STREAM: ${PIECES}x${PIECE_MS}`),
      object: () => floor.object.round(record(`bs${i}-object`), `Bench (user): #bs${i}-object STREAM: ${PIECES}x${PIECE_MS}`),
      node: () => floor.node.round(record(`bs${i}-node`), `Bench (user): #bs${i}-node STREAM: ${PIECES}x${PIECE_MS}`),
    };
    // Each client takes each place in the order in turn: all see the same machine load.
    const order = SIDES.map((_, k) => SIDES[(i + k) % SIDES.length]);
    const recs = {};
    for (const side of order) recs[side] = await run[side]();
    if (i < WARMUP) continue;
    const perLength = {};
    for (const side of order) {
      const rec = recs[side];
      if (rec.deltas.length === 0) throw new Error(`round ${i}: the ${side} client saw no deltas`);
      out.counts[side] += rec.deltas.length;
      out.ttft[side].push(rec.deltas[0].at - rec.sentAt);
      out.toModel[side].push(rec.requests[0].at - rec.sentAt);
      const latencies = deltaLatencies(rec);
      for (const d of latencies) out.delta[side].push(d.latency);
      perLength[side] = new Map(latencies.map((d) => [d.length, d.latency]));
    }
    out.answered.push(recs.room.answeredAt - recs.room.sentAt);
    out.runStarted.push(recs.room.runStartedAt - recs.room.sentAt);
    out.hops.push(...(marks.hops(recs.room.chatRunId, recs.room.writes, recs.room.deltas) ?? []));
    out.reads.push(recs.room.readRoundTrip);
    let previous = ["send", recs.room.sentAt];
    for (const step of marks.steps(recs.room.chatRunId) ?? []) {
      const label = `${previous[0]} → ${step[0]}`;
      if (!out.steps.has(label)) out.steps.set(label, []);
      out.steps.get(label).push(step[1] - previous[1]);
      previous = step;
    }
    for (const [a, b] of ADDED) {
      for (const [length, latency] of perLength[a]) if (perLength[b].has(length)) out.added[`${a}-${b}`].push(latency - perLength[b].get(length));
    }
  }
  return out;
}

// --- 2. approval round trip ----------------------------------------------------------------

async function roomApprovalRound(tag, { threadId, jobId }) {
  const rec = record(tag);
  const t = {};
  const offs = [
    client.on("approval.requested", (p) => {
      const a = p.approval;
      if (a.threadId !== threadId || a.status !== "pending" || a.action?.kind !== "tool" || t.seen) return;
      t.seen = now();
      t.approve = now();
      void client.approvals.resolve({ approvalId: a.id, decision: "approve" }).then(() => (t.answered = now()));
    }),
    client.on("message.created", (p) => {
      const m = p.message;
      if (m.threadId !== threadId || m.author.id !== "autopilot") return;
      if (m.kind === "error") t.error = m.text;
      if (m.kind === "tool" && !t.tool) t.tool = now();
      if (m.text.includes("TOOL RESULT SEEN")) t.final = now();
    }),
    client.on("chat.delta", (p) => {
      if (p.threadId === threadId && p.text && t.approve && !t.reply) t.reply = now();
    }),
  ];
  await client.chat.send({ threadId, text: `#${tag} STEPS: jobs_cancel {"jobId":"${jobId}"}` });
  await until(() => t.error || (t.final && t.answered && t.tool && t.reply), `the approval round trip of ${tag}`);
  for (const off of offs) off();
  if (t.error) throw new Error(`${tag}: the Autopilot answered with an error: ${t.error}`);
  const resumedAt = rec.requests.find((r) => r.resumed)?.at;
  if (rec.toolCallAt === null || resumedAt === undefined) throw new Error(`${tag}: the model saw no tool call or no resume`);
  return {
    toSeen: t.seen - rec.toolCallAt,
    answered: t.answered - t.approve,
    toResume: resumedAt - t.approve,
    toTool: t.tool - t.approve,
    toReply: t.reply - t.approve,
    total: t.reply - rec.toolCallAt,
  };
}

async function plainApprovalRound(plain, tag) {
  const rec = record(tag);
  const t = {};
  const tools = {
    jobs_cancel: tool({
      inputSchema: z.object({ jobId: z.string() }),
      execute: async ({ jobId }) => ({ job: { id: jobId, status: "cancelled" } }),
    }),
  };
  const common = { model: plain, tools, toolApproval: () => "user-approval", maxRetries: 0 };
  const messages = [{ role: "user", content: `Bench (user): #${tag} STEPS: jobs_cancel {"jobId":"job_${tag}"}` }];
  const first = streamText({ ...common, messages });
  let approvalId;
  for await (const part of first.stream) {
    if (part.type === "error") throw part.error;
    if (part.type === "tool-approval-request" && !approvalId) {
      t.seen = now();
      approvalId = part.approvalId;
    }
  }
  if (!approvalId) throw new Error(`${tag}: the SDK asked for no approval`);
  const response = await first.responseMessages;
  t.approve = now();
  const second = streamText({ ...common, messages: [...messages, ...response, { role: "tool", content: [{ type: "tool-approval-response", approvalId, approved: true }] }] });
  for await (const part of second.stream) {
    if (part.type === "error") throw part.error;
    if (part.type === "tool-result" && !t.tool) t.tool = now();
    if (part.type === "text-delta" && part.text && !t.reply) t.reply = now();
  }
  const resumedAt = rec.requests.find((r) => r.resumed)?.at;
  if (rec.toolCallAt === null || resumedAt === undefined || !t.tool || !t.reply) throw new Error(`${tag}: the plain round trip did not complete`);
  return { toSeen: t.seen - rec.toolCallAt, toResume: resumedAt - t.approve, toTool: t.tool - t.approve, toReply: t.reply - t.approve, total: t.reply - rec.toolCallAt };
}

async function benchApprovals(plain) {
  const rows = { room: [], plain: [] };
  const tags = Array.from({ length: APPROVALS + WARMUP }, (_, i) => `ba${i}-room`);
  const jobs = new Map();
  for (const tag of tags) jobs.set(tag, (await client.jobs.start({ title: `bench ${tag}` })).job.id);
  const threads = await freshThreads(tags);
  for (let i = 0; i < APPROVALS + WARMUP; i++) {
    const tag = `ba${i}-room`;
    const run = { room: () => roomApprovalRound(tag, { threadId: threads.get(tag), jobId: jobs.get(tag) }), plain: () => plainApprovalRound(plain, `ba${i}-plain`) };
    const order = i % 2 === 0 ? ["room", "plain"] : ["plain", "room"];
    const got = {};
    for (const side of order) got[side] = await run[side]();
    if (i >= WARMUP) for (const side of order) rows[side].push(got[side]);
  }
  // Every timing the side measured (the plain SDK has no "answer" to an approve).
  const columns = (side) => Object.fromEntries(Object.keys(rows[side][0]).map((key) => [key, stats(rows[side].map((r) => r[key]))]));
  return { room: columns("room"), plain: columns("plain") };
}

// --- run -----------------------------------------------------------------------------------

let streaming;
let approvals;
try {
  const { plain } = await setup();
  process.stdout.write(`Streaming: ${ROUNDS} rounds (+${WARMUP} warm-up) per client, ${PIECES} pieces ${PIECE_MS} ms apart… `);
  const profile = PROFILE ? await startCpuProfile(server.inspectorPort, PROFILE) : null;
  const heap = HEAP && !PROFILE ? await startHeapSampling(server.inspectorPort) : null;
  streaming = await benchStreaming(plain);
  if (heap) printHeapSampling(await heap.stop(), "the streaming rounds");
  if (profile) printCpuProfile(await profile.stop(), "the streaming rounds", PROFILE);
  console.log("done");
  if (APPROVALS > 0) {
    process.stdout.write(`Approvals: ${APPROVALS} rounds (+${WARMUP} warm-up) per client… `);
    approvals = await benchApprovals(plain);
    console.log("done");
  }
} finally {
  await cleanup();
}

printReport({ streaming, approvals, path: targetLabel(target), direct: target.direct, rounds: ROUNDS, approvalRounds: APPROVALS, pieces: PIECES, pieceMs: PIECE_MS });
