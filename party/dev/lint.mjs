// `npm run lint` (and a step of `npm test`): the checks that keep the codebase in shape.
// - dependency-cruiser (.dependency-cruiser.cjs): no import cycles, each part imports only
//   where it may; no cycles between folders (folder-cycles.mjs); the Autopilot's kernel
//   reaches no feature by any path, types included (kernel-reach.mjs);
// - Biome (biome.jsonc): lint and format;
// - size: no source file over MAX_LINES unless its opening comment says why, with a line
//   "long-file: <reason>" in its first 15 lines (one concern that does not split well); no
//   feature folder of the Autopilot room over MAX_FEATURE_LINES source lines (feature-size.mjs);
// - platforms as strategy objects: no server code outside a chat platform's own module
//   branches on its name (platform-names.mjs);
// - standing alone: no tracked file refers to one outside the repository (outside-refs.mjs).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { format } from "dependency-cruiser";
import { MAX_FEATURE_LINES, oversizedFeatures } from "./feature-size.mjs";
import { folderCycles } from "./folder-cycles.mjs";
import { kernelReachesFeatures } from "./kernel-reach.mjs";
import { outsideReferences } from "./outside-refs.mjs";
import { platformBranches } from "./platform-names.mjs";
import { ROOT } from "./server.mjs";

// At 120 columns: a module that holds one concern reads whole up to here.
const MAX_LINES = 500;
const bin = (name) => join(ROOT, "node_modules", ".bin", name);
const failures = [];

function run(name, command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) failures.push(name);
}

// One cruise: its rule violations as dependency-cruiser prints them, then the folders' cycles.
const cruised = spawnSync(
  bin("depcruise"),
  ["shared", "party", "client", "runtime", "--config", ".dependency-cruiser.cjs", "--output-type", "json"],
  { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "inherit"] },
);
const result = JSON.parse(cruised.stdout);
console.log((await format(result, { outputType: "err" })).output);
if (result.summary.error > 0) failures.push("dependency-cruiser");
const cycles = folderCycles(result.modules);
if (cycles.length) {
  for (const { folders, imports } of cycles)
    console.error(`Folders that import each other: ${folders.join(", ")}\n  ${imports.join("\n  ")}`);
  failures.push("folder cycles");
} else {
  console.log("folder cycles: none");
}
const reaches = kernelReachesFeatures(result.modules);
if (reaches.length) {
  console.error(`The Autopilot's kernel reaches a feature (types included):\n  ${reaches.join("\n  ")}`);
  failures.push("kernel reaches a feature");
} else {
  console.log("kernel reaches no feature");
}
run("biome", bin("biome"), ["check", "--max-diagnostics=50", "."]);

const tracked = spawnSync(
  "git",
  ["ls-files", "--cached", "--others", "--exclude-standard", "--", "shared", "party", "client", "runtime"],
  { cwd: ROOT, encoding: "utf8" },
);
const sources = tracked.stdout
  .split("\n")
  .filter((path) => /\.(ts|tsx|mts|mjs|js)$/.test(path) && !path.startsWith("runtime/openclaw/"));
const tooLong = [];
const read = [];
for (const path of sources) {
  let text;
  try {
    text = readFileSync(join(ROOT, path), "utf8");
  } catch {
    continue; // deleted in the work tree, still in the index
  }
  read.push({ path, text });
  const lines = text.split("\n").length;
  if (lines > MAX_LINES && !/long-file: \S/.test(text.split("\n").slice(0, 15).join("\n")))
    tooLong.push(`${path} (${lines} lines)`);
}
if (tooLong.length) {
  console.error(
    `Files over ${MAX_LINES} lines with no "long-file: <reason>" in their opening comment — split them along their concerns:\n  ${tooLong.join("\n  ")}`,
  );
  failures.push("file size");
} else {
  console.log(`file size: ${sources.length} source files, none over ${MAX_LINES} lines without a reason`);
}
// Features over the bound while they are being split into sibling features; the check reports
// one listed here that is no longer over, so the list empties as the splits land.
const SPLITTING = [];
const oversized = oversizedFeatures(read, MAX_FEATURE_LINES, SPLITTING);
if (oversized.length) {
  console.error(
    `Feature folders over ${MAX_FEATURE_LINES} source lines (tests left out) — split each into sibling features along its concerns, each a folder with its index.ts and needs (docs/architecture.md):\n  ${oversized.join("\n  ")}`,
  );
  failures.push("feature size");
} else {
  console.log(
    `feature size: no feature folder over ${MAX_FEATURE_LINES} source lines${SPLITTING.length ? ` but ${SPLITTING.join(", ")}, being split` : ""}`,
  );
}
// The platforms' names as the protocol lists them: one entry each (shared/protocol/chat-platforms.ts).
const platformEntries = /CHAT_PLATFORMS = \{([^}]*(?:\}[^}]*)*?)\} as const/.exec(
  readFileSync(join(ROOT, "shared/protocol/chat-platforms.ts"), "utf8"),
);
const platformNames = [...(platformEntries?.[1] ?? "").matchAll(/^\s+([a-z]+): \{/gm)].map((m) => m[1]);
const platformEnum = platformNames.length > 0;
const branches = platformBranches(read, platformNames);
if (!platformEnum || branches.length) {
  console.error(
    `Code outside a chat platform's module branches on its name: go through its object (features/chats/platforms.ts):\n  ${branches.join("\n  ") || "(CHAT_PLATFORMS not found in shared/protocol/chat-platforms.ts)"}`,
  );
  failures.push("platform names");
} else {
  console.log(`platform names: ${platformNames.join(", ")} branched on only in their own modules`);
}

const everything = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  cwd: ROOT,
  encoding: "utf8",
}).stdout.split("\n");
const texts = [];
for (const path of everything) {
  if (!path || /(^|\/)package-lock\.json$|\.(png|jpe?g|gif|ico|woff2?)$/.test(path)) continue;
  // Its test shows forbidden references on purpose.
  if (path.endsWith("outside-refs.test.ts")) continue;
  try {
    texts.push({ path, text: readFileSync(join(ROOT, path), "utf8") });
  } catch {
    // deleted in the work tree, still in the index
  }
}
const outside = outsideReferences(ROOT, texts);
if (outside.length) {
  console.error(
    `References to files outside the repository — say the fact here, or point at the project's own docs:\n  ${outside.join("\n  ")}`,
  );
  failures.push("outside references");
} else {
  console.log(`outside references: ${texts.length} files, none`);
}

if (failures.length) {
  console.error(`lint failed: ${failures.join(", ")}`);
  process.exit(1);
}
