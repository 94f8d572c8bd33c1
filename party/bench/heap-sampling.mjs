// V8's sampling heap profiler in workerd's isolates while a bench runs, through wrangler
// dev's DevTools endpoint (inspector.mjs): where the bytes an isolate allocates come from.
import { writeFileSync } from "node:fs";
import { inspectorSession, inspectorTargets } from "./inspector.mjs";

/**
 * What the sampling heap profiler counts: everything allocated (collected objects included),
 * where the garbage comes from; with BENCH_HEAP_SURVIVORS=1 only what lived through a
 * young-generation collection (scavenge): what gets promoted and grows the old generation.
 */
const SURVIVORS = process.env.BENCH_HEAP_SURVIVORS === "1";
const heapSamplingCounts = SURVIVORS ? "outlived a scavenge" : "allocated";

/**
 * V8's sampling heap profiler in every isolate workerd lists (`heapSamplingCounts` says
 * what it counts). `stop()` returns per isolate the allocation sites (innermost frames)
 * with the most bytes; BENCH_HEAP_RAW=<prefix> also writes each raw profile (`<prefix>.<i>.json`).
 */
export async function startHeapSampling(inspectorPort) {
  const sessions = [];
  for (const target of await inspectorTargets(inspectorPort)) {
    const session = await inspectorSession(target);
    await session.call("HeapProfiler.enable");
    await session.call("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !SURVIVORS });
    sessions.push(session);
  }
  return {
    async stop(top = 10) {
      const out = [];
      for (const { ws, call, title } of sessions) {
        const { result } = await call("HeapProfiler.stopSampling");
        ws.close();
        if (process.env.BENCH_HEAP_RAW) writeFileSync(`${process.env.BENCH_HEAP_RAW}.${out.length}.json`, JSON.stringify(result.profile));
        const bytes = new Map();
        const walk = (node, stack) => {
          const here = [...stack, `${node.callFrame.functionName || "(anonymous)"}:${node.callFrame.lineNumber + 1}`];
          if (node.selfSize) {
            const key = here.slice(-3).join(" < ");
            bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
          }
          for (const child of node.children ?? []) walk(child, here);
        };
        walk(result.profile.head, []);
        const total = [...bytes.values()].reduce((a, v) => a + v, 0);
        const sites = [...bytes.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, top)
          .map(([site, b]) => ({ site, MB: (b / 1e6).toFixed(2), share: `${((100 * b) / total).toFixed(1)}%` }));
        out.push({ title, totalMB: total / 1e6, sites });
      }
      return out;
    },
  };
}

/** Prints what `startHeapSampling(…).stop()` returned: per isolate, the allocation sites with the most bytes. */
export function printHeapSampling(results, during) {
  for (const { title, totalMB, sites } of results) {
    console.log(`\nworkerd isolate "${title}" during ${during}: ${totalMB.toFixed(1)} MB ${heapSamplingCounts} (sampled), by site:`);
    console.table(sites);
  }
}
