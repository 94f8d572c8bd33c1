// Whether the Autopilot's kernel reaches a feature, from dependency-cruiser's modules: by any
// path of imports, type-only ones included (a type of a feature's that the kernel needs is a
// kernel-owned interface the feature fills). The one module the walk does not go through is
// the Worker's bindings (party/env.ts): they name every room class and their features' vars
// by design, and the kernel reads its bindings from them.

const KERNEL = /^party\/rooms\/autopilot\/kernel\//;
const FEATURES = /^party\/rooms\/autopilot\/features\//;
const NOT_THROUGH = new Set(["party/env.ts"]);
const isTest = (path) => /(^|\/)test\/|\.test\.tsx?$/.test(path);

/** Each path from a kernel module to a feature's module (one per kernel module that reaches one), as "a → b → c". */
export function kernelReachesFeatures(modules) {
  const deps = new Map(modules.map((m) => [m.source, (m.dependencies ?? []).map((d) => d.resolved)]));
  const paths = [];
  for (const start of [...deps.keys()].filter((source) => KERNEL.test(source) && !isTest(source)).sort()) {
    const cameFrom = new Map([[start, null]]);
    const queue = [start];
    let found = null;
    while (queue.length > 0 && !found) {
      const at = queue.shift();
      for (const next of deps.get(at) ?? []) {
        if (cameFrom.has(next) || NOT_THROUGH.has(next)) continue;
        cameFrom.set(next, at);
        if (FEATURES.test(next)) {
          found = next;
          break;
        }
        queue.push(next);
      }
    }
    if (!found) continue;
    const path = [];
    for (let at = found; at !== null; at = cameFrom.get(at)) path.unshift(at);
    paths.push(path.join(" → "));
  }
  return paths;
}
