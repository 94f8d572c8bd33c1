// `npm run bench:relay`: the Nostr relay under load (party/rooms/relay/), against a plain
// relay floor (baseline/bare-relay.ts: parse, one row, OK, match and send; no checks). One
// community: BENCH_RELAY_SUBSCRIBERS idle subscribers (each subscribed to the events that
// mention it, `#p`: what a client waiting for its notifications holds open), of which
// BENCH_RELAY_FEED also read the whole feed (`kinds: [1]`), then one writer sends
// BENCH_RELAY_RATE signed events a second for BENCH_RELAY_SECONDS, each mentioning one
// idle subscriber in turn. Both sides get the same sockets, events and pace, one after the
// other, talked to directly in their workerd (workerd-direct.mjs).
// Reported per side: events lost (a feed reader or a mentioned subscriber that never got
// one), the workerd process's CPU per delivered event and while the subscribers sat idle,
// its resident memory after connecting and at the load's peak, and feed latency.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import WebSocket from "ws";
import { freePort, startServer } from "../dev/server.mjs";
import { BASELINE_PROBE, startBaseline } from "./baseline/start.mjs";
import { percentiles, sleep } from "./blocks.mjs";
import { serverCpu } from "./process-cpu.mjs";
import { benchTarget, targetLabel } from "./workerd-direct.mjs";

const num = (name, fallback) => Number(process.env[name] ?? fallback);
const SUBSCRIBERS = num("BENCH_RELAY_SUBSCRIBERS", 2000);
const FEED = num("BENCH_RELAY_FEED", 20);
const RATE = num("BENCH_RELAY_RATE", 100);
const SECONDS = num("BENCH_RELAY_SECONDS", 60);
const IDLE_SECONDS = num("BENCH_RELAY_IDLE_SECONDS", 10);

/** The relay's limits out of the load's way: one address opens every socket, one writer sends every event. */
const RELAY_LIMITS_OFF = {
  RELAY_MAX_CONNECTIONS_PER_ADDRESS: "100000",
  RELAY_MAX_CONNECTIONS: "100000",
  RELAY_MESSAGES_PER_SECOND: "100000",
  RELAY_MESSAGE_BURST: "100000",
  RELAY_EVENTS_PER_MINUTE: "10000000",
  RELAY_COMMUNITY_EVENTS_PER_SECOND: "100000",
  RELAY_COMMUNITY_EVENT_BURST: "100000",
};

/** Resident memory of a process in MiB (Linux), or null. */
function rssMiB(pid) {
  if (!pid) return null;
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

const ID = /"id":"([0-9a-f]{64})"/;

/** One side's run: connect, sit idle, then the load; what it delivered and what it cost. */
async function runSide(name, url, target) {
  const cpu = serverCpu(target, target.pid);
  const idle = Array.from({ length: SUBSCRIBERS }, () => {
    const secret = generateSecretKey();
    return { pubkey: getPublicKey(secret), received: 0 };
  });
  console.log(`${name}: ${SUBSCRIBERS} subscribers…`);
  const sockets = [];
  const feedSeen = Array.from({ length: FEED }, () => new Set());
  const sentAt = new Map();
  const latencies = [];
  let eose = 0;
  for (let i = 0; i < SUBSCRIBERS; i += 50) {
    const batch = await Promise.all(idle.slice(i, i + 50).map(() => open(url)));
    batch.forEach((ws, k) => {
      const index = i + k;
      const subscriber = idle[index];
      const reader = index < FEED ? feedSeen[index] : null;
      ws.on("message", (data) => {
        const text = data.toString();
        if (text.startsWith('["EOSE"')) eose += 1;
        else if (text.startsWith('["EVENT","mine"')) subscriber.received += 1;
        else if (reader && text.startsWith('["EVENT","feed"')) {
          const id = ID.exec(text)[1];
          if (index === 0 && sentAt.has(id)) latencies.push(performance.now() - sentAt.get(id));
          reader.add(id);
        }
      });
      ws.send(JSON.stringify(["REQ", "mine", { "#p": [subscriber.pubkey], limit: 0 }]));
      if (reader) ws.send(JSON.stringify(["REQ", "feed", { kinds: [1], limit: 0 }]));
      sockets.push(ws);
    });
  }
  const subscriptions = SUBSCRIBERS + FEED;
  for (const deadline = Date.now() + 120_000; eose < subscriptions; await sleep(20))
    if (Date.now() > deadline) throw new Error(`${name}: ${eose} of ${subscriptions} subscriptions answered EOSE`);

  const idleCpu0 = cpu();
  await sleep(IDLE_SECONDS * 1000);
  const idleCpuMs = cpu() - idleCpu0;
  const rssConnected = rssMiB(target.pid);

  const writerSecret = generateSecretKey();
  const total = RATE * SECONDS;
  console.log(`${name}: signing ${total} events…`);
  const base = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: total }, (_, i) =>
    finalizeEvent(
      { kind: 1, created_at: base, content: `bench ${i}`, tags: [["p", idle[i % SUBSCRIBERS].pubkey]] },
      writerSecret,
    ),
  );
  const writer = await open(url);
  let oks = 0;
  const refused = [];
  writer.on("message", (data) => {
    const frame = JSON.parse(data.toString());
    if (frame[0] !== "OK") return;
    if (frame[2]) oks += 1;
    else refused.push(frame[3]);
  });
  console.log(`${name}: ${RATE} events/s for ${SECONDS} s…`);
  let rssPeak = rssConnected ?? 0;
  const cpu0 = cpu();
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sentAt.set(events[i].id, performance.now());
    writer.send(JSON.stringify(["EVENT", events[i]]));
    if (i % RATE === 0) rssPeak = Math.max(rssPeak, rssMiB(target.pid) ?? 0);
  }
  const expectedMentions = (k) => Math.floor(total / SUBSCRIBERS) + (k < total % SUBSCRIBERS ? 1 : 0);
  const expected = FEED * total + total;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
    rssPeak = Math.max(rssPeak, rssMiB(target.pid) ?? 0);
    if (
      oks + refused.length >= total &&
      feedSeen.every((s) => s.size >= total) &&
      idle.every((s, k) => s.received >= expectedMentions(k))
    )
      break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = cpu() - cpu0;
  const rssEnd = rssMiB(target.pid);
  const lostFeed = feedSeen.reduce((n, s) => n + (total - s.size), 0);
  const lostMentions = idle.reduce((n, s, k) => n + Math.max(0, expectedMentions(k) - s.received), 0);
  for (const ws of [writer, ...sockets]) ws.terminate();
  return {
    name,
    events: total,
    accepted: oks,
    refused: refused.length,
    firstRefusal: refused[0] ?? null,
    deliveries: expected - lostFeed - lostMentions,
    expected,
    lostFeed,
    lostMentions,
    seconds,
    cpuMs,
    cpuUsPerDelivery: (cpuMs * 1000) / Math.max(1, expected - lostFeed - lostMentions),
    idleCpuMs,
    rssConnected,
    rssPeak,
    rssEnd,
    latency: percentiles(latencies),
  };
}

const dir = mkdtempSync(join(tmpdir(), "autopilot-bench-relay-"));
console.log("Starting the relay and the floor (wrangler dev)…");
const roomServer = await startServer({
  port: await freePort(),
  persistDir: join(dir, "room"),
  localObservability: false,
  vars: RELAY_LIMITS_OFF,
});
const floorServer = await startBaseline({ port: await freePort(), persistDir: join(dir, "floor") });
try {
  const roomTarget = await benchTarget(roomServer);
  const floorTarget = await benchTarget(floorServer, BASELINE_PROBE);
  console.log(`The sockets: ${targetLabel(roomTarget)}`);
  const ws = (t) => t.url.replace(/^http/, "ws");
  const relay = await runSide("relay", `${ws(roomTarget)}/relay`, roomTarget);
  const floor = await runSide("floor", `${ws(floorTarget)}/bare-relay/bench`, floorTarget);
  const f1 = (x) => (x === null ? "—" : x.toFixed(1));
  const row = (r) =>
    `| ${r.name} | ${r.events} | ${r.accepted} | ${r.lostFeed + r.lostMentions} | ${r.cpuUsPerDelivery.toFixed(1)} µs | ${f1(r.idleCpuMs)} ms | ${f1(r.rssConnected)} MiB | ${f1(r.rssPeak)} MiB | ${f1(r.latency.p50)} / ${f1(r.latency.p99)} ms |`;
  const table = [
    `${SUBSCRIBERS} idle subscribers (${FEED} of them also on the whole feed), ${RATE} events/s for ${SECONDS} s, one community; ${relay.expected} deliveries per side.`,
    "",
    "| side | events sent | accepted | lost | CPU per delivered event | CPU while idle (" +
      `${IDLE_SECONDS} s) | memory connected | memory at peak | feed latency p50 / p99 |`,
    "|---|---|---|---|---|---|---|---|---|",
    row(relay),
    row(floor),
    "",
    `Relay CPU per delivered event: ${(relay.cpuUsPerDelivery / floor.cpuUsPerDelivery).toFixed(2)}x the floor's.`,
  ].join("\n");
  console.log(`\n${table}\n`);
  if (relay.refused) console.log(`relay refused ${relay.refused} events, e.g. ${relay.firstRefusal}`);
  console.log(JSON.stringify({ relay, floor }, null, 1));
} finally {
  await Promise.all([roomServer.stop(), floorServer.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
