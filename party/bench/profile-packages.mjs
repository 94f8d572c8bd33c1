// What a CPU profile of the room's isolate (or a floor's) is made of, by package and by function: each
// sample's top frame mapped back through wrangler dev's bundle source map to the file that
// defined it (a package under node_modules, or our own directory under party/ or shared/).
// V8's own entries stay as they are: "(garbage collector)", "(program)" (native work with
// no JavaScript on the stack), "(idle)".
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { ROOT } from "../dev/server.mjs";

/**
 * A bundle's source map while its wrangler dev runs (wrangler keeps it in `.wrangler/tmp/dev-*`
 * beside the config it was given, and removes it on exit): the first under `dir` whose
 * sources (resolved against the map's own place) pass `test`. Null if none.
 * @param {string} dir @param {(sources: string[]) => boolean} test
 */
function bundleMap(dir, test) {
  const tmp = join(dir, ".wrangler", "tmp");
  let dirs = [];
  try {
    dirs = readdirSync(tmp).filter((d) => d.startsWith("dev-"));
  } catch {
    return null;
  }
  // The bundle is named after the entry: the room's `index.js` (wrangler's API), a floor's `worker.js` (its CLI, main = worker.ts).
  for (const file of dirs.flatMap((d) => ["index.js.map", "worker.js.map"].map((name) => join(tmp, d, name)))) {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
    const map = new TraceMap(readFileSync(file, "utf8"), file);
    // Where it came from: the bench keeps a copy beside the profile (wrangler removes it on exit).
    if (test(map.resolvedSources)) return Object.assign(map, { path: file });
  }
  return null;
}

/** The room's bundle: the one holding the Autopilot room. */
export const roomBundleMap = () =>
  bundleMap(ROOT, (sources) => sources.some((s) => s.endsWith("party/rooms/autopilot/room.ts")));

/**
 * A floors' Worker's bundle (the one holding the plain streamText client): on the room's
 * build of the SDK (`roomBuild`: its sources name party/ai-sdk's bundle) or on the npm one.
 */
export const floorBundleMap = (roomBuild) =>
  bundleMap(
    join(ROOT, "party", "bench", "baseline"),
    (sources) =>
      sources.some((s) => s.endsWith("party/bench/baseline/plain-stream.ts")) &&
      sources.some((s) => s.includes("party/ai-sdk/dist/")) === roomBuild,
  );

const owner = (source) => {
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(source);
  if (m) return m[1];
  const ours = /(?:^|\/)((?:party|shared|client)\/[^/]+)/.exec(source);
  return ours ? ours[1] : source;
};

/**
 * Self time by package and by function (ms, share of the samples), most first; the project's
 * own functions with what they call (what a room's request or reconnect is made of); and the
 * garbage collector's share of the samples outside idle.
 * @param {{nodes: any[], samples: number[]}} profile @param {TraceMap | null} map from roomBundleMap @param {number} sampleMs
 */
export function profileShares(profile, map, sampleMs) {
  const where = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    // No url: a function of workerd's own API (a socket's send, SQLite's exec), run in C++.
    let pkg = functionName.startsWith("(") ? functionName : url ? url : "(workerd API, native)";
    let fn = functionName || "(anonymous)";
    // Only the bundle's own frames go through its map: workerd's and Node's built-in modules
    // (`cloudflare-internal:d1-api`, `node:diagnostics_channel`) have urls of their own, and
    // mapped as if they were the bundle's lines they read as some package's (D1's toJson as zod's).
    if (map && url && !url.includes(":") && lineNumber >= 0) {
      const pos = originalPositionFor(map, { line: lineNumber + 1, column: columnNumber });
      if (pos.source) {
        pkg = owner(pos.source);
        fn = `${fn} ${pos.source
          .replace(/^.*node_modules\//, "")
          .replace(`${ROOT}/`, "")
          .replace(/^(\.\.\/)+/, "")}:${pos.line}`;
      }
    }
    where.set(node.id, { pkg, fn });
  }
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byPackage = new Map();
  const byFunction = new Map();
  // Our own functions with what they call: each sample counts once for each of ours on its stack.
  const oursWithCallees = new Map();
  for (const id of profile.samples) {
    const { pkg, fn } = where.get(id);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + sampleMs);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + sampleMs);
    const onStack = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = where.get(at);
      if (/^(party|shared)\//.test(frame.pkg)) onStack.add(frame.fn);
    }
    for (const fn of onStack) oursWithCallees.set(fn, (oursWithCallees.get(fn) ?? 0) + sampleMs);
  }
  const total = profile.samples.length * sampleMs;
  const outsideIdle = total - (byPackage.get("(idle)") ?? 0);
  const gc = byPackage.get("(garbage collector)") ?? 0;
  const ranked = (m, top) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: `${((100 * ms) / total).toFixed(1)}%` }));
  // The collector's share of the samples outside idle: what the floors' GC comparison reads.
  const gcShare = outsideIdle > 0 ? `${((100 * gc) / outsideIdle).toFixed(1)}%` : "—";
  return {
    totalMs: Math.round(total),
    gcShare,
    packages: ranked(byPackage, 15),
    functions: ranked(byFunction, 20),
    ours: ranked(oursWithCallees, 20),
  };
}
