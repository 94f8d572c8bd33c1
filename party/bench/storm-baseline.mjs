// bench:storm's floor: the same storm against the minimal partyserver room
// (party/bench/baseline/, hibernating like ours) in its own local workerd, reached the
// same way. N sockets open, all dropped at once and reopened at once while a writer sends
// (like the room's writer, clocked by its own messages: the next goes 5 ms after the last
// one reached a bystander socket, else the backlog would grow without end); timed until every socket is open again and has received a message sent after
// its reopen, i.e. is live. No auth, no resume, no presence: what the platform alone costs
// per upgrade here.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { treeCpuMs } from "./process-cpu.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function openSocket(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws)).once("error", reject);
  });
}

/** `pid`: the baseline's wrangler, for its processes' CPU during the storm. `writes`: the writer's round trips that ended in the storm, sorted. @returns {Promise<{openMs: number, liveMs: number, cpuMs: number | null, writes: number[]}>} */
export async function baselineStorm(wsBase, n, pid) {
  const url = `${wsBase}/parties/baseline-room/storm-${Date.now()}`;
  const writer = await openSocket(url);
  const bystander = await openSocket(url);
  let sent = 0;
  let writing = true;
  let arrived = () => {};
  /** Each write's round trip (sent → at the bystander: the floor sends no ack, so the broadcast stands in for the room's ack) that ended during the storm. */
  let trips = null;
  bystander.on("message", () => arrived());
  const writes = (async () => {
    while (writing) {
      const through = new Promise((resolve) => {
        arrived = resolve;
      });
      const at = performance.now();
      writer.send(JSON.stringify({ type: "req", id: "x", method: "chat.send", params: { text: String(++sent) } }));
      await through;
      trips?.push(performance.now() - at);
      await sleep(5);
    }
  })();
  const live = new Set();
  const openReader = async (i) => {
    const ws = await openSocket(url);
    const after = sent;
    ws.on("message", (data) => {
      if (Number(JSON.parse(data.toString()).payload.message.text) > after) live.add(i);
    });
    return ws;
  };
  let readers = [];
  for (let i = 0; i < n; i += 25) readers.push(...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, k) => openReader(i + k)))));
  while (live.size < n) await sleep(20);

  live.clear();
  const cpu0 = treeCpuMs(pid);
  const t0 = performance.now();
  trips = [];
  for (const ws of readers) ws.terminate();
  readers = await Promise.all(readers.map((_, i) => openReader(i)));
  const openMs = performance.now() - t0;
  const deadline = Date.now() + 120_000;
  while (live.size < n) {
    if (Date.now() > deadline) throw new Error(`baseline storm: ${n - live.size} sockets never got a message after reopening`);
    await sleep(10);
  }
  const liveMs = performance.now() - t0;
  const cpu1 = treeCpuMs(pid);
  const stormTrips = trips.sort((a, b) => a - b);
  trips = null;
  writing = false;
  await writes;
  for (const ws of [writer, bystander, ...readers]) ws.terminate();
  return { openMs, liveMs, cpuMs: cpu0 && cpu1 ? cpu1.total - cpu0.total : null, writes: stormTrips };
}
