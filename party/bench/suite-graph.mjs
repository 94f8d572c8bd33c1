// `npm run bench`'s graph: a large Hatchery canvas (people's notes and edges) synced by a
// new client, connect → sync step 2 applied. The room (the Hatchery in local workerd,
// reached directly, a person's session) against a plain y-websocket-protocol server in a
// Node process of its own (baseline/y-floor.mjs) serving the same graph, blocks rotating.
// Per sync: the serving process's CPU and the bytes the client received. The floor is not
// the same platform (Node, no storage, no auth), so these rows are information. Then the
// app in Chromium on a smaller canvas: navigation → first canvas node, → first edge in the
// DOM, observed from the page (checked on every animation frame, on the page's clock,
// whose zero is the navigation's start).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import * as Y from "yjs";
import { launchChromium } from "../dev/chromium.mjs";
import { ROOT } from "../dev/server.mjs";
import { YSyncClient } from "../dev/ysync.mjs";
import { signUpPerson } from "./bench-person.mjs";
import { rotate, sleep } from "./blocks.mjs";
import { buildGraph } from "./graph-doc.mjs";
import { processCpuMs } from "./process-cpu.mjs";

/** One new client's full sync: ms, and the bytes it received. */
async function fullSync(url, headers, nodes) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  let bytes = 0;
  ws.on("message", (data) => (bytes += data.byteLength ?? data.length));
  const t0 = performance.now();
  const client = new YSyncClient(ws);
  await client.whenSynced();
  const ms = performance.now() - t0;
  const count = client.doc.getMap("nodes").size;
  client.close();
  if (count !== nodes) throw new Error(`a client received ${count} nodes, expected ${nodes}`);
  return { ms, bytes };
}

/** Uploads `doc` as one update, as a person would, and waits until a fresh client sees all of it. */
async function upload(url, cookie, doc, nodes) {
  const uploader = new YSyncClient(new WebSocket(url, { headers: { cookie }, perMessageDeflate: false }));
  await uploader.whenSynced();
  Y.applyUpdate(uploader.doc, Y.encodeStateAsUpdate(doc));
  for (let tries = 0; ; tries++) {
    const ok = await fullSync(url, { cookie }, nodes).catch(() => null);
    if (ok) break;
    if (tries > 300) throw new Error("the uploaded graph never reached a new client");
    await sleep(100);
  }
  uploader.close();
}

async function startYFloor(nodes, edges) {
  const child = spawn(
    process.execPath,
    [join(ROOT, "party", "bench", "baseline", "y-floor.mjs"), String(nodes), String(edges)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`the y-websocket floor exited (${code}) before listening`)));
  });
  return { url: `ws://127.0.0.1:${port}`, cpu: () => processCpuMs(child.pid), stop: () => child.stdin.end() };
}

export async function graphSync({ room, nodes, edges, syncs, warmup, blocks, profile }) {
  const person = await signUpPerson(room.server.url, "graph");
  const url = `${room.target.url.replace(/^http/, "ws")}/parties/hatchery/${person.workspace}`;
  const doc = new Y.Doc();
  buildGraph(doc, nodes, edges);
  await upload(url, person.cookie, doc, nodes);
  const floor = await startYFloor(nodes, edges);
  const block = (target, headers) => async () => {
    let bytes = 0;
    const latencies = [];
    for (let i = 0; i < syncs; i++) {
      const sync = await fullSync(target, headers, nodes);
      bytes += sync.bytes;
      latencies.push(sync.ms);
    }
    return { ops: syncs, bytes: { frames: bytes }, latencies };
  };
  try {
    const result = await rotate(
      {
        room: { cpu: room.cpu, block: block(url, { cookie: person.cookie }) },
        floor: { cpu: floor.cpu, block: block(floor.url, {}) },
      },
      { warmup, blocks, profile },
    );
    return { ...result, encodedBytes: Y.encodeStateAsUpdate(doc).byteLength };
  } finally {
    floor.stop();
  }
}

/** ms since navigation start until `selector` is in the DOM, checked in the page on every frame. */
const inDom = (page, selector) =>
  page
    .waitForFunction((s) => document.querySelector(s) !== null && performance.now(), selector, {
      timeout: 60_000,
      polling: "raf",
    })
    .then((h) => h.jsonValue());

/** The app in Chromium, signed in, on a canvas of `nodes` nodes: per load, navigation → first node and → first edge. */
export async function appPaint({ room, nodes, loads }) {
  const person = await signUpPerson(room.server.url, "render");
  const doc = new Y.Doc();
  buildGraph(doc, nodes, Math.round(nodes * 1.5));
  await upload(
    `${room.target.url.replace(/^http/, "ws")}/parties/hatchery/${person.workspace}`,
    person.cookie,
    doc,
    nodes,
  );
  const browser = await launchChromium();
  const firstNode = [];
  const firstEdge = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies(
      person.cookies.map(({ name, value }) => ({ name, value, domain: "127.0.0.1", path: "/" })),
    );
    const page = await context.newPage();
    // One load first, not counted: the browser's caches and the room's isolate warm.
    for (let i = 0; i <= loads; i++) {
      await page.goto(`${room.server.url}/?w=${person.workspace}`);
      const node = await inDom(page, ".react-flow__node");
      const edge = await inDom(page, ".react-flow__edge");
      if (i === 0) continue;
      firstNode.push(node);
      firstEdge.push(edge);
    }
  } finally {
    await browser.close();
  }
  return { firstNode, firstEdge };
}
