// What a CPU profile of the room's isolate is made of, by package and by function: each
// sample's top frame mapped back through wrangler dev's bundle source map to the file that
// defined it (a package under node_modules, or our own directory under party/ or shared/).
// V8's own entries stay as they are: "(garbage collector)", "(program)" (native work with
// no JavaScript on the stack), "(idle)".
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { ROOT } from "../dev/server.mjs";

/**
 * The room's bundle source map while its wrangler dev runs (wrangler removes its
 * `.wrangler/tmp/dev-*` on exit): the one whose sources hold the Autopilot room. Null if none.
 */
export function roomBundleMap() {
  const tmp = join(ROOT, ".wrangler", "tmp");
  let dirs = [];
  try {
    dirs = readdirSync(tmp).filter((d) => d.startsWith("dev-"));
  } catch {
    return null;
  }
  for (const d of dirs) {
    const file = join(tmp, d, "index.js.map");
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
    const map = JSON.parse(readFileSync(file, "utf8"));
    if (map.sources?.some((source) => source.endsWith("party/rooms/autopilot/room.ts"))) return new TraceMap(map);
  }
  return null;
}

const owner = (source) => {
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(source);
  if (m) return m[1];
  const ours = /(?:^|\/)((?:party|shared|client)\/[^/]+)/.exec(source);
  return ours ? ours[1] : source;
};

/**
 * Self time by package and by function (ms, share of the samples), most first.
 * @param {{nodes: any[], samples: number[]}} profile @param {TraceMap | null} map from roomBundleMap @param {number} sampleMs
 */
export function profileShares(profile, map, sampleMs) {
  const where = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    // No url: a function of workerd's own API (a socket's send, SQLite's exec), run in C++.
    let pkg = functionName.startsWith("(") ? functionName : url ? url : "(workerd API, native)";
    let fn = functionName || "(anonymous)";
    if (map && url && lineNumber >= 0) {
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
  const byPackage = new Map();
  const byFunction = new Map();
  for (const id of profile.samples) {
    const { pkg, fn } = where.get(id);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + sampleMs);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + sampleMs);
  }
  const total = profile.samples.length * sampleMs;
  const ranked = (m, top) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: `${((100 * ms) / total).toFixed(1)}%` }));
  return { totalMs: Math.round(total), packages: ranked(byPackage, 15), functions: ranked(byFunction, 20) };
}
