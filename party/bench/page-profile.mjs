// `BENCH_PROFILE=1 npm run bench:graph`: a Chromium CPU profile of one load of the app,
// summarised between two of the app's timing marks (self time per function and per module).
// Readable only with an unminified app build (`CLIENT_MINIFY=0 node client/build.mjs`),
// whose bundle marks each module with a `// <path>` line: that is how samples are put
// against modules without a source map library.

const INTERVAL_US = 250;

/** Starts profiling `page`; `stop()` returns the profile with the navigation's start on its clock. */
export async function startPageProfile(page) {
  const cdp = await page.context().newCDPSession(page);
  let navigationStartUs = null;
  // The document request's `timestamp` is on the profiler's clock (seconds) and is where the
  // page's performance.now() starts, within a few ms: the marks are placed by it.
  cdp.on("Network.requestWillBeSent", (e) => {
    if (e.type === "Document" && navigationStartUs === null) navigationStartUs = e.timestamp * 1e6;
  });
  await cdp.send("Network.enable");
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: INTERVAL_US });
  await cdp.send("Profiler.start");
  return {
    async stop() {
      const { profile } = await cdp.send("Profiler.stop");
      await cdp.detach();
      return { profile, navigationStartUs };
    },
  };
}

/** Line → module path, from the bundle's `// <path>` module markers. */
async function moduleIndex(scriptUrl) {
  const text = await (await fetch(scriptUrl)).text();
  const starts = [];
  text.split("\n").forEach((line, i) => {
    const m = /^\/\/ (\S+\.(?:m?js|cjs|tsx?|jsx))$/.exec(line);
    if (m) starts.push([i, m[1].replace(/^node_modules\//, "").replace(/^\.\.\/\.\.\//, "")]);
  });
  return (line) => {
    let found = "(bundle)";
    for (const [at, path] of starts) {
      if (at > line) break;
      found = path;
    }
    return found;
  };
}

const PACKAGE = /^(@[^/]+\/[^/]+|[^/]+)\//;
/** A module path's package (`@xyflow/react`, `react-dom`) or, for our code, its folder. */
const owner = (path) =>
  path.startsWith("(") ? path : path.startsWith("app/") || path.startsWith("../") || path.startsWith("shared/") ? path.split("/").slice(0, -1).join("/") : (PACKAGE.exec(path)?.[1] ?? path);

/**
 * Self time (ms) of the samples between `fromMs` and `toMs` (the page's performance.now()),
 * by function and by package, most first; and per function with its callees (`inclusive`).
 */
export async function summarise({ profile, navigationStartUs }, fromMs, toMs, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const scripts = new Map();
  for (const n of profile.nodes) {
    const url = n.callFrame.url;
    if (/\/assets\/index-[^/]+\.js$/.test(url) && !scripts.has(url)) scripts.set(url, await moduleIndex(url));
  }
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const label = (callFrame) => {
    const module = scripts.get(callFrame.url)?.(callFrame.lineNumber) ?? (callFrame.url ? callFrame.url.split("/").pop() : "");
    return { module, name: `${callFrame.functionName || "(anonymous)"}${module ? ` ${module}:${callFrame.lineNumber + 1}` : ""}` };
  };
  const fn = new Map();
  const inclusive = new Map();
  const pkg = new Map();
  let total = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const at = (t - navigationStartUs) / 1000;
    // A sample stands for the time until the next one.
    const ms = (profile.timeDeltas[i + 1] ?? INTERVAL_US) / 1000;
    if (at < fromMs || at >= toMs) continue;
    const { callFrame } = byId.get(profile.samples[i]);
    const { module, name } = label(callFrame);
    fn.set(name, (fn.get(name) ?? 0) + ms);
    const key = module ? owner(module) : callFrame.functionName;
    pkg.set(key, (pkg.get(key) ?? 0) + ms);
    // With its callees: each function once per sample, however deep it recursed.
    const onStack = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) onStack.add(label(byId.get(id).callFrame).name);
    for (const key of onStack) inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
    total += ms;
  }
  const ranked = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: `${((100 * ms) / total).toFixed(0)}%` }));
  return { totalMs: Math.round(total), functions: ranked(fn), packages: ranked(pkg), inclusive: ranked(inclusive) };
}
