// Folders that import each other, from dependency-cruiser's modules: a module cycle is
// dependency-cruiser's own rule; this finds the cycles between folders, which it does not
// (a feature reaching another through its index.ts while that one reaches back is a cycle of
// folders with no cycle of modules). Type-only imports and tests are left out, as for modules.

/**
 * The folder a source file counts in: the Autopilot room's kernel, one of its features or a
 * feature's own subfolder, another room, the sandbox's container (a program of its own,
 * copied into the image), or a top folder of a part (party/api, client/src, shared/protocol…).
 * A feature's subfolder is a node of its own: folded into its feature, a subfolder and the
 * feature's other files could import each other unseen. Tests and what is not a project
 * source count in none.
 */
export function folderOf(path) {
  if (/(^|\/)test\/|\.test\.tsx?$/.test(path) || !/^(party|client|shared|runtime)\//.test(path)) return null;
  const parts = path.split("/");
  if (path.startsWith("party/rooms/autopilot/")) {
    if (parts[3] === "features" && parts.length > 5) return parts.slice(0, -1).join("/");
    if (parts.length > 4) return parts.slice(0, 4).join("/");
    return path;
  }
  if ((path.startsWith("party/rooms/") || path.startsWith("runtime/sandbox/container/")) && parts.length > 3)
    return parts.slice(0, 3).join("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : path;
}

/** Each cycle of folders (strongly connected, more than one folder), with the imports that make it. */
export function folderCycles(modules) {
  const edges = new Map();
  for (const module of modules) {
    const from = folderOf(module.source);
    if (!from) continue;
    for (const dependency of module.dependencies ?? []) {
      if (dependency.dependencyTypes?.includes("type-only")) continue;
      const to = folderOf(dependency.resolved);
      if (!to || to === from) continue;
      const key = `${from}\n${to}`;
      if (!edges.has(key)) edges.set(key, []);
      edges.get(key).push(`${module.source} → ${dependency.resolved}`);
    }
  }
  const next = new Map();
  for (const key of edges.keys()) {
    const [from, to] = key.split("\n");
    if (!next.has(from)) next.set(from, []);
    next.get(from).push(to);
  }
  // Tarjan's strongly connected components.
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let counter = 0;
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    for (let w = stack.pop(); ; w = stack.pop()) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length < 2) return;
    const inside = new Set(component);
    const imports = [...edges]
      .filter(([key]) => key.split("\n").every((folder) => inside.has(folder)))
      .map(
        ([key, via]) =>
          `${key.replace("\n", " → ")}: ${via[0]}${via.length > 1 ? ` (and ${via.length - 1} more)` : ""}`,
      );
    cycles.push({ folders: component.sort(), imports });
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
