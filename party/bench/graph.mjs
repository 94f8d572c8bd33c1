// `npm run bench:graph`: a 5,000-node / 7,500-edge Hatchery graph. Prints its encoded
// size and the time a new client needs to receive it fully (connect → sync step 2
// applied) from the Hatchery room under wrangler dev, and from a plain
// y-websocket-protocol server in Node run side by side as the baseline, with the ratio.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import WebSocket, { WebSocketServer } from "ws";
import * as Y from "yjs";
import { launchChromium } from "../dev/chromium.mjs";
import { freePort, startServer } from "../dev/server.mjs";
import { startPageProfile, summarise } from "./page-profile.mjs";
import { YSyncClient } from "../dev/ysync.mjs";
import { signUpPerson } from "./bench-person.mjs";

const NODES = Number(process.env.BENCH_NODES ?? 5000);
const EDGES = Number(process.env.BENCH_EDGES ?? 7500);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
// A free port unless told: a fixed one may be another run's server (tests pick free ports too).
const PORT = Number(process.env.BENCH_PORT ?? (await freePort()));
const RENDER_NODES = Number(process.env.BENCH_RENDER_NODES ?? 2000);
// One more load after the timed ones, under Chromium's CPU profiler (page-profile.mjs).
const PROFILE = process.env.BENCH_PROFILE === "1";
const KINDS = ["thread", "job", "approval", "note"];

/** A graph shaped like a busy workspace: every node a nested map, as the Hatchery stores it. */
function buildGraph(doc, nodeCount = NODES, edgeCount = EDGES) {
  const nodes = doc.getMap("nodes");
  const edges = doc.getMap("edges");
  doc.transact(() => {
    for (let i = 0; i < nodeCount; i++) {
      const kind = KINDS[i % KINDS.length];
      // Notes: people's nodes, which is what a client may upload (the room reviews them
      // like any person's write; domain nodes are the server's).
      const m = new Y.Map();
      m.set("kind", "note");
      m.set("ref", null);
      m.set("x", (i % 80) * 300);
      m.set("y", Math.floor(i / 80) * 160);
      m.set("w", 220);
      m.set("h", 96);
      m.set("placed", "pinned");
      m.set("parent", null);
      m.set("data", { text: `${kind} ${i}: ${"lorem ipsum ".repeat(3)} ${i % 3 ? "running" : "done"} ${i % 101}%` });
      nodes.set(`note:n${i}`, m);
    }
    for (let e = 0; e < edgeCount; e++) {
      const source = `note:n${e % nodeCount}`;
      const target = `note:n${(e * 7 + 13) % nodeCount}`;
      edges.set(`e${e}`, { id: `e${e}`, source, target, kind: "person" });
    }
  });
}

function openWs(url, headers = {}) {
  return new WebSocket(url, { headers, perMessageDeflate: false });
}

async function timeFullSync(url, headers) {
  const t0 = performance.now();
  const client = new YSyncClient(openWs(url, headers));
  await client.whenSynced();
  const ms = performance.now() - t0;
  const count = client.doc.getMap("nodes").size;
  client.close();
  if (count !== NODES) throw new Error(`client received ${count} nodes, expected ${NODES}`);
  return ms;
}

/** The baseline: the y-websocket sync protocol and nothing else (no auth, no storage). */
async function startBaseline(doc) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once("listening", r));
  wss.on("connection", (sock) => {
    sock.binaryType = "arraybuffer";
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, 0);
    syncProtocol.writeSyncStep1(step1, doc);
    sock.send(encoding.toUint8Array(step1));
    sock.on("message", (data) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(decoder) !== 0) return;
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, 0);
      syncProtocol.readSyncMessage(decoder, reply, doc, sock);
      if (encoding.length(reply) > 1) sock.send(encoding.toUint8Array(reply));
    });
  });
  return { url: `ws://127.0.0.1:${wss.address().port}`, close: () => new Promise((r) => wss.close(r)) };
}

/**
 * When (page clock, ms) the first canvas node and then the first edge were in the DOM:
 * checked in the page on every animation frame, so no round trip to the benchmark counts.
 */
async function waitForPaint(page) {
  const inDom = (selector) => page.waitForFunction((s) => document.querySelector(s) !== null && performance.now(), selector, { timeout: 60_000, polling: "raf" }).then((h) => h.jsonValue());
  const painted = await inDom(".react-flow__node");
  return { painted, edgesPainted: await inDom(".react-flow__edge") };
}

/** What the profiled load's main thread ran between the marks that bound the canvas's first paint. */
async function printProfile({ marks, profile }) {
  const windows = [
    ["app:boot", "canvas:synced", "app started → canvas synced"],
    ["canvas:synced", "canvas:fitted", "canvas synced → fitted"],
    ["canvas:fitted", "painted", "fitted → first node in the DOM"],
    ["painted", "edgesPainted", "first node → first edge in the DOM"],
  ];
  console.log(`\nCPU profile of one more load (first node at ${marks.painted.toFixed(0)} ms; self time, ms; build with CLIENT_MINIFY=0 for readable names)`);
  for (const [from, to, title] of windows) {
    if (marks[from] === undefined || marks[to] === undefined) continue;
    const s = await summarise(profile, marks[from], marks[to], 14);
    console.log(`\n${title}: ${(marks[to] - marks[from]).toFixed(0)} ms wall, ${s.totalMs} ms sampled`);
    console.log(`  by package: ${s.packages.map((p) => `${p.name} ${p.ms}`).join(", ")}`);
    for (const f of s.functions) console.log(`  ${String(f.ms).padStart(5)}  ${f.share.padStart(4)}  ${f.name}`);
    console.log("  with callees:");
    for (const f of s.inclusive) console.log(`  ${String(f.ms).padStart(5)}  ${f.share.padStart(4)}  ${f.name}`);
  }
}

const RUNS_LABEL = (xs) => `${xs.length} loads`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const source = new Y.Doc();
buildGraph(source);
const encoded = Y.encodeStateAsUpdate(source).byteLength;

const dir = mkdtempSync(join(tmpdir(), "autopilot-bench-graph-"));
console.log(`Starting the room (wrangler dev on :${PORT})…`);
// The benchmark uploads the whole graph as one update: above the Hatchery's default frame,
// document and count limits (docs/operations.md, "Limits"), so it raises them.
const vars = {
  HATCHERY_MAX_FRAME_BYTES: String(16 * 1024 * 1024),
  HATCHERY_MAX_DOC_BYTES: String(16 * 1024 * 1024),
  HATCHERY_MAX_PERSON_NODES: String(Math.max(NODES, RENDER_NODES) + 10),
  HATCHERY_MAX_EDGES: String(Math.max(EDGES, RENDER_NODES * 2) + 10),
};
const server = await startServer({ port: PORT, persistDir: dir, vars, localObservability: false });
let room;
let base;
try {
  const { cookie, workspace } = await signUpPerson(server.url, "graph");
  const url = `ws://127.0.0.1:${PORT}/parties/hatchery/${workspace}`;

  // Upload the graph as a person would (one big update), and wait until a fresh client
  // sees all of it.
  const uploader = new YSyncClient(openWs(url, { cookie }));
  await uploader.whenSynced();
  const t0 = performance.now();
  Y.applyUpdate(uploader.doc, Y.encodeStateAsUpdate(source));
  let first;
  for (;;) {
    first = await timeFullSync(url, { cookie }).catch(() => null);
    if (first !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const uploadMs = performance.now() - t0;
  uploader.close();

  room = [];
  for (let i = 0; i < RUNS; i++) room.push(await timeFullSync(url, { cookie }));

  const baseline = await startBaseline(source);
  base = [];
  await timeFullSync(baseline.url); // warm-up
  for (let i = 0; i < RUNS; i++) base.push(await timeFullSync(baseline.url));
  await baseline.close();

  // Time to first canvas render in Chromium: a second workspace with RENDER_NODES nodes,
  // opened in the real app (signed in), from navigation start to the first node painted.
  const render = await signUpPerson(server.url, "render");
  const { cookie: cookie2, workspace: ws2 } = render;
  const renderDoc = new Y.Doc();
  buildGraph(renderDoc, RENDER_NODES, Math.round(RENDER_NODES * 1.5));
  const seeder = new YSyncClient(openWs(`ws://127.0.0.1:${PORT}/parties/hatchery/${ws2}`, { cookie: cookie2 }));
  await seeder.whenSynced();
  Y.applyUpdate(seeder.doc, Y.encodeStateAsUpdate(renderDoc));
  await new Promise((r) => setTimeout(r, 1500));
  seeder.close();
  const browser = await launchChromium();
  const renders = [];
  // What the time to first paint is made of: the app's own marks (client/app/main.tsx).
  const phases = [];
  let profiled = null;
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.addCookies(render.cookies.map(({ name, value }) => ({ name, value, domain: "127.0.0.1", path: "/" })));
    const page = await ctx.newPage();
    for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
      await page.goto(`${server.url}/?w=${ws2}`);
      const { painted, edgesPainted } = await waitForPaint(page);
      const timing = await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const marks = Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]));
        return {
          nodesInDom: document.querySelectorAll(".react-flow__node").length,
          edgesInDom: document.querySelectorAll(".react-flow__edge").length,
          html: nav?.responseEnd ?? 0,
          domInteractive: nav?.domInteractive ?? 0,
          ...marks,
        };
      });
      Object.assign(timing, { painted, edgesPainted });
      renders.push(timing.painted);
      phases.push(timing);
    }
    if (PROFILE) {
      await page.goto("about:blank");
      const profiler = await startPageProfile(page);
      await page.goto(`${server.url}/?w=${ws2}`);
      const painted = await waitForPaint(page);
      const marks = { ...(await page.evaluate(() => Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime])))), ...painted };
      profiled = { marks, profile: await profiler.stop() };
    }
  } finally {
    await browser.close();
  }

  console.log(`\nHatchery graph: ${NODES} nodes, ${EDGES} edges; encoded state ${(encoded / 1024).toFixed(0)} KiB (${new Date().toISOString().slice(0, 10)})`);
  console.log(`upload (one update) until a new client sees it all: ${uploadMs.toFixed(0)} ms`);
  console.log("new client, connect → full document, ms (median of runs; min–max)");
  const row = (name, xs) => `${name.padEnd(22)} ${median(xs).toFixed(1).padStart(8)}   (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  console.log(row("Hatchery room", room));
  console.log(row("plain y-websocket", base));
  console.log(`ratio (median)         ${(median(room) / median(base)).toFixed(1)}x`);
  console.log(`\nfirst canvas render in Chromium, ${RUNS_LABEL(renders)} (${RENDER_NODES} nodes, navigation start → first node painted)`);
  console.log(row("app, median", renders));
  const steps = [
    ["html received", "html"],
    ["scripts parsed (DOM interactive)", "domInteractive"],
    ["app started (bundle evaluated)", "app:boot"],
    ["session known (/api/me)", "app:session"],
    ["canvas socket open", "canvas:open"],
    ["canvas synced (Yjs state applied)", "canvas:synced"],
    ["nodes built (store set)", "canvas:nodes"],
    ["first canvas commit", "canvas:committed"],
    ["fitted (view set)", "canvas:fitted"],
    ["first node painted", "painted"],
    ["edges painted", "edgesPainted"],
  ];
  console.log(
    `where it goes (${median(phases.map((p) => p.nodesInDom))} nodes and ${median(phases.map((p) => p.edgesInDom))} edges in the DOM once the edges are in): ms since navigation start (median) and the step's own share`,
  );
  let before = 0;
  for (const [label, key] of steps) {
    const at = median(phases.map((p) => p[key] ?? Number.NaN).filter((x) => !Number.isNaN(x)));
    console.log(`  ${label.padEnd(36)} ${at.toFixed(0).padStart(6)}   (+${(at - before).toFixed(0)})`);
    before = at;
  }
  if (profiled) await printProfile(profiled);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
// Done and printed: don't wait minutes for a client socket's close handshake to time out.
process.exit(0);
