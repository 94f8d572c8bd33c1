// What an isolate of workerd holds: a heap snapshot through wrangler dev's DevTools endpoint
// (`startServer({ inspectorPort })`, as cpu-profile.mjs), read back with the Worker
// bundle's source map so each function is named by the package that defined it.
// A snapshot is taken after a full collection: it shows what lives, not what was made.
import { readFileSync } from "node:fs";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import WebSocket from "ws";

/** The snapshot (parsed JSON) of the isolate whose title is `title` ("Cloudflare Worker" locally: the Worker and its rooms). */
export async function takeHeapSnapshot(inspectorPort, title = "Cloudflare Worker") {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.title === title) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const chunks = [];
  const done = new Promise((resolve) => {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (m.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(m.params.chunk);
      if (m.id === 2) resolve();
    });
  });
  ws.send(JSON.stringify({ id: 1, method: "HeapProfiler.enable" }));
  ws.send(JSON.stringify({ id: 2, method: "HeapProfiler.takeHeapSnapshot", params: { reportProgress: false } }));
  await done;
  ws.close();
  return JSON.parse(chunks.join(""));
}

const packageOf = (source) => {
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(source ?? "");
  if (m) return m[1];
  return /\/(party|shared|client)\//.test(source ?? "") ? "(ours)" : "(other)";
};

/**
 * Per package: functions alive (closures, each with its own context) and their bytes; zod
 * schema objects; the largest string (the bundle's source, two bytes per character when it
 * holds any character outside Latin-1); and totals by node type.
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
  // Closures carry their script position: the bundle's script is the one most of them point into.
  const L = meta.location_fields.length;
  const [SCRIPT, LINE, COLUMN] = ["script_id", "line", "column"].map((f) => meta.location_fields.indexOf(f));
  const perScript = new Map();
  for (let i = 0; i < snapshot.locations.length; i += L) perScript.set(snapshot.locations[i + SCRIPT], (perScript.get(snapshot.locations[i + SCRIPT]) ?? 0) + 1);
  const bundleScript = [...perScript].sort((a, b) => b[1] - a[1])[0]?.[0];
  const map = new TraceMap(JSON.parse(readFileSync(sourceMapFile, "utf8")));
  const closures = new Map();
  for (let i = 0; i < snapshot.locations.length; i += L) {
    if (snapshot.locations[i + SCRIPT] !== bundleScript) continue;
    const { source } = originalPositionFor(map, { line: snapshot.locations[i + LINE] + 1, column: snapshot.locations[i + COLUMN] });
    const pkg = packageOf(source);
    const entry = closures.get(pkg) ?? { closures: 0, bytes: 0 };
    entry.closures++;
    entry.bytes += snapshot.nodes[snapshot.locations[i] + SELF];
    closures.set(pkg, entry);
  }
  return { total, byType, zod, largestString, closures };
}

export function printHeapSummary({ total, byType, zod, largestString, closures }, top = 15) {
  const mb = (b) => (b / 1e6).toFixed(2);
  console.log(`\nheap after a full collection: ${mb(total)} MB; its largest string (the bundle's source): ${mb(largestString)} MB; zod schema objects: ${zod}`);
  console.table([...byType].sort((a, b) => b[1] - a[1]).map(([type, bytes]) => ({ type, MB: mb(bytes) })));
  const all = [...closures.values()].reduce((a, c) => a + c.closures, 0);
  console.log(`functions alive, by the package that defined them (${all} in all):`);
  console.table(
    [...closures]
      .sort((a, b) => b[1].closures - a[1].closures)
      .slice(0, top)
      .map(([pkg, c]) => ({ package: pkg, functions: c.closures, share: `${((100 * c.closures) / all).toFixed(1)}%` })),
  );
}
