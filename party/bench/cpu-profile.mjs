// A CPU profile of workerd while a bench runs, through wrangler dev's DevTools endpoint
// (`startServer({ inspectorPort })`): one per isolate workerd lists (locally the Worker and
// both rooms share one; miniflare's own services, D1's among them, have theirs). Writes each
// `.cpuprofile` (open it in Chrome DevTools) and returns the functions with the most time.
//
// Time is counted as samples x the sampling interval, not from the profile's time deltas:
// while the thread runs outside JavaScript (workerd's own socket and storage work) the
// sampler records nothing, and the next sample's delta carries the whole gap, so deltas
// pinned seconds on whatever ran next (a timer, a getter). `sampledMs` against the wall
// time shows how much of it was JavaScript at all.
import { writeFileSync } from "node:fs";
import { inspectorSession, inspectorTargets } from "./inspector.mjs";

const INTERVAL_US = 200;

/** Starts the profiler in every isolate workerd lists; `stop()` writes `<file>.<i>.cpuprofile` and summarizes (the raw profile alongside). */
export async function startCpuProfile(inspectorPort, file) {
  const sessions = [];
  for (const target of await inspectorTargets(inspectorPort)) {
    const session = await inspectorSession(target);
    await session.call("Profiler.enable");
    await session.call("Profiler.setSamplingInterval", { interval: INTERVAL_US });
    await session.call("Profiler.start");
    sessions.push(session);
  }
  const started = Date.now();
  return {
    async stop(top = 20) {
      const wallMs = Date.now() - started;
      const out = [];
      for (const [i, { ws, call, title }] of sessions.entries()) {
        const { result } = await call("Profiler.stop");
        ws.close();
        writeFileSync(file.replace(/(\.cpuprofile)?$/, `.${i}.cpuprofile`), JSON.stringify(result.profile));
        const sampledMs = (result.profile.samples.length * INTERVAL_US) / 1000;
        out.push({
          title,
          profile: result.profile,
          sampleMs: INTERVAL_US / 1000,
          wallMs,
          sampledMs,
          self: selfTimes(result.profile).slice(0, top),
          total: totalTimes(result.profile).slice(0, top),
          gc: gcStretches(result.profile),
        });
      }
      return out;
    },
  };
}

/**
 * The longest stretches of the garbage collector (ms, longest first): runs of samples in
 * "(garbage collector)" with under 2 ms between them, from first to last sample. A pause
 * this long holds everything the isolate would send meanwhile.
 */
export function gcStretches(profile, top = 8) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const stretches = [];
  let at = 0;
  let current = null;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (byId.get(id).callFrame.functionName !== "(garbage collector)") return;
    if (current && at - current.end < 2000) {
      current.end = at;
      return;
    }
    current = { start: at, end: at };
    stretches.push(current);
  });
  return stretches
    .map((s) => (s.end - s.start) / 1000)
    .sort((a, b) => b - a)
    .slice(0, top);
}

const frameName = ({ callFrame }) =>
  `${callFrame.functionName || "(anonymous)"} ${callFrame.url.split("/").slice(-1)[0]}:${callFrame.lineNumber + 1}`;
const SAMPLE_MS = INTERVAL_US / 1000;

/** Sampled time per function (ms), most first. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ms = new Map();
  for (const id of profile.samples) {
    const key = frameName(byId.get(id));
    ms.set(key, (ms.get(key) ?? 0) + SAMPLE_MS);
  }
  return ranked(ms);
}

/** Sampled time per function with what it called (ms), most first: each sample counts once per function on its stack. */
function totalTimes(profile) {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ms = new Map();
  for (const sample of profile.samples) {
    const seen = new Set();
    for (let id = sample; id !== undefined; id = parent.get(id)) seen.add(frameName(byId.get(id)));
    for (const key of seen) ms.set(key, (ms.get(key) ?? 0) + SAMPLE_MS);
  }
  return ranked(ms);
}

function ranked(ms) {
  const total = [...ms.values()].reduce((a, v) => a + v, 0);
  return [...ms.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([fn, t]) => ({ fn, ms: Math.round(t), share: `${((100 * t) / total).toFixed(1)}%` }));
}

/** Prints what `startCpuProfile(…).stop()` returned: per isolate, self time, time with callees, GC stretches. */
export function printCpuProfile(results, during, file) {
  for (const { title, wallMs, sampledMs, self, total, gc } of results) {
    console.log(
      `\nworkerd isolate "${title}" during ${during} (${file}): ${sampledMs.toFixed(0)} ms of JavaScript sampled in ${wallMs} ms; self time:`,
    );
    console.table(self);
    console.log("with callees:");
    console.table(total);
    console.log(`the garbage collector's longest stretches (ms): ${gc.map((g) => g.toFixed(1)).join(", ") || "none"}`);
  }
}
