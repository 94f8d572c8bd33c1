// A CPU profile of workerd while a bench runs, through wrangler dev's DevTools endpoint
// (`startServer({ inspectorPort })`). Locally the Worker and every room share one isolate,
// so the profile shows the gate's and the rooms' work side by side. Writes the
// `.cpuprofile` (open it in Chrome DevTools) and returns the functions with the most self time.
import { writeFileSync } from "node:fs";
import WebSocket from "ws";

/** Connects to the first target workerd lists and starts its profiler; `stop()` writes the profile. */
export async function startCpuProfile(inspectorPort, file) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let n = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    if (m.id !== undefined) waiting.get(m.id)?.(m);
  });
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++n;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 200 });
  await call("Profiler.start");
  return {
    async stop(top = 25) {
      const { result } = await call("Profiler.stop");
      ws.close();
      writeFileSync(file, JSON.stringify(result.profile));
      return { self: selfTimes(result.profile).slice(0, top), total: totalTimes(result.profile).slice(0, top) };
    },
  };
}

const frameName = ({ callFrame }) => `${callFrame.functionName || "(anonymous)"} ${callFrame.url.split("/").slice(-1)[0]}:${callFrame.lineNumber + 1}`;

/** Self time per function (ms), most first. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ms = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const key = frameName(byId.get(profile.samples[i]));
    ms.set(key, (ms.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return ranked(ms);
}

/** Time per function with what it called (ms), most first: each sample counts once per function on its stack. */
function totalTimes(profile) {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ms = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) seen.add(frameName(byId.get(id)));
    for (const key of seen) ms.set(key, (ms.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return ranked(ms);
}

function ranked(ms) {
  const total = [...ms.values()].reduce((a, v) => a + v, 0);
  return [...ms.entries()].sort((a, b) => b[1] - a[1]).map(([fn, t]) => ({ fn, ms: Math.round(t), share: `${((100 * t) / total).toFixed(1)}%` }));
}
