// What an isolate of workerd holds: a heap snapshot through wrangler dev's DevTools endpoint
// (inspector.mjs), read back with the Worker bundle's source map so that each live function
// is named by the package that defined it, and each object by its constructor's package.
// A snapshot is taken after a full collection: it shows what lives, not what was made.
import { readFileSync } from "node:fs";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { inspectorSession, inspectorTargets } from "./inspector.mjs";

/** The snapshot (parsed JSON) of the isolate titled `title` ("Cloudflare Worker" locally: the Worker and its rooms). */
export async function takeHeapSnapshot(inspectorPort, title = "Cloudflare Worker") {
  const targets = await inspectorTargets(inspectorPort);
  const target = targets.find((t) => t.title === title);
  if (!target)
    throw new Error(`no isolate titled "${title}" (workerd lists: ${targets.map((t) => t.title).join(", ")})`);
  const session = await inspectorSession(target);
  const chunks = [];
  session.on("HeapProfiler.addHeapSnapshotChunk", ({ chunk }) => chunks.push(chunk));
  try {
    await session.call("HeapProfiler.enable");
    await session.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  } finally {
    session.ws.close();
  }
  return JSON.parse(chunks.join(""));
}

const packageOf = (source) => {
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(source ?? "");
  if (m) return m[1];
  return /\/(party|shared|client)\//.test(source ?? "") ? "(ours)" : "(other)";
};

const add = (map, key, bytes) => {
  const entry = map.get(key) ?? { count: 0, bytes: 0 };
  entry.count++;
  entry.bytes += bytes;
  map.set(key, entry);
};

/**
 * Totals (bytes, nodes, bytes by node type), the largest string (the bundle's source: two
 * bytes per character when it holds any character outside Latin-1), zod schema objects,
 * and per package the live functions it defined and the objects its constructors made.
 * V8 gives a snapshot node a script position for a function (where it is defined) and for
 * an object (where its constructor is); positions in the bundle's script are mapped back.
 */
export function summarizeHeapSnapshot(snapshot, sourceMapFile) {
  const meta = snapshot.snapshot.meta;
  const N = meta.node_fields.length;
  const types = meta.node_types[0];
  const [TYPE, NAME, SELF] = ["type", "name", "self_size"].map((f) => meta.node_fields.indexOf(f));
  const byType = new Map();
  let total = 0;
  let zod = 0;
  let largestString = 0;
  for (let i = 0; i < snapshot.nodes.length; i += N) {
    const type = types[snapshot.nodes[i + TYPE]];
    const self = snapshot.nodes[i + SELF];
    total += self;
    byType.set(type, (byType.get(type) ?? 0) + self);
    if (type === "string") largestString = Math.max(largestString, self);
    if (type === "object" && /^(Zod|\$Zod)/.test(snapshot.strings[snapshot.nodes[i + NAME]])) zod++;
  }
  const L = meta.location_fields.length;
  const [OBJECT, SCRIPT, LINE, COLUMN] = ["object_index", "script_id", "line", "column"].map((f) =>
    meta.location_fields.indexOf(f),
  );
  // The bundle is the script most positions point into.
  const perScript = new Map();
  for (let i = 0; i < snapshot.locations.length; i += L)
    perScript.set(snapshot.locations[i + SCRIPT], (perScript.get(snapshot.locations[i + SCRIPT]) ?? 0) + 1);
  const bundleScript = [...perScript].sort((a, b) => b[1] - a[1])[0]?.[0];
  const map = new TraceMap(JSON.parse(readFileSync(sourceMapFile, "utf8")));
  const functions = new Map();
  const objects = new Map();
  for (let i = 0; i < snapshot.locations.length; i += L) {
    if (snapshot.locations[i + SCRIPT] !== bundleScript) continue;
    const node = snapshot.locations[i + OBJECT];
    const { source } = originalPositionFor(map, {
      line: snapshot.locations[i + LINE] + 1,
      column: snapshot.locations[i + COLUMN],
    });
    add(
      types[snapshot.nodes[node + TYPE]] === "closure" ? functions : objects,
      packageOf(source),
      snapshot.nodes[node + SELF],
    );
  }
  return { total, nodes: snapshot.nodes.length / N, byType, zod, largestString, functions, objects };
}

export function printHeapSummary({ total, nodes, byType, zod, largestString, functions, objects }, top = 12) {
  const mb = (b) => (b / 1e6).toFixed(2);
  console.log(
    `\nheap after a full collection: ${mb(total)} MB in ${nodes} objects; its largest string (the bundle's source): ${mb(largestString)} MB; zod schema objects: ${zod}`,
  );
  console.table([...byType].sort((a, b) => b[1] - a[1]).map(([type, bytes]) => ({ type, MB: mb(bytes) })));
  for (const [what, byPackage] of [
    ["functions alive, by the package that defined them", functions],
    ["objects alive, by their constructor's package", objects],
  ]) {
    const all = [...byPackage.values()].reduce((a, c) => a + c.count, 0);
    console.log(`${what} (${all} in all; MB: their own size, without what they hold):`);
    console.table(
      [...byPackage]
        .sort((a, b) => b[1].count - a[1].count)
        .slice(0, top)
        .map(([pkg, c]) => ({
          package: pkg,
          count: c.count,
          share: `${((100 * c.count) / all).toFixed(1)}%`,
          MB: mb(c.bytes),
        })),
    );
  }
}
