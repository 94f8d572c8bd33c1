// Keeps a release's client as a test fixture: the package agents install (client/package),
// its library (`src/index.ts` → `index.mjs`) and its CLI (`src/cli.ts` → `cli.mjs`) built
// from a given source tree as client/build.mjs builds them, minified and without source maps,
// into `client/test/kept/protocol-<N>/` (N: the PROTOCOL_VERSION the built library exports),
// gzip-compressed as `index.mjs.gz` and `cli.mjs.gz` (kept.ts unpacks them for the tests).
// client/test/e2e-kept-clients.test.ts runs every folder here against today's server.
//
//   node client/test/kept/keep.mjs                   # this checkout as it is
//   node client/test/kept/keep.mjs --from <commit>   # a commit, from a temporary worktree
//   … --replace                                      # build a version that is kept already again
//
// The runtime dependencies stay external, as in the package, and resolve from this
// repository's node_modules: a fixture is its two bundles, never its dependencies.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { englishOnlyZod } from "../../zod-english.mjs";

const kept = fileURLToPath(new URL(".", import.meta.url));
const root = join(kept, "..", "..", "..");

const args = process.argv.slice(2);
const replace = args.includes("--replace");
const fromAt = args.indexOf("--from");
if ((fromAt !== -1 && !args[fromAt + 1]) || args.length !== (fromAt === -1 ? 0 : 2) + (replace ? 1 : 0)) {
  console.error("usage: node client/test/kept/keep.mjs [--from <git commit>] [--replace]");
  process.exit(2);
}
const from = fromAt === -1 ? null : args[fromAt + 1];

const git = (cwd, ...gitArgs) => execFileSync("git", gitArgs, { cwd, encoding: "utf8" }).trim();
/** Builds the library and the CLI of the checkout at `tree` into `out`. */
async function buildPackage(tree, out) {
  const manifest = JSON.parse(readFileSync(join(tree, "client", "package", "package.json"), "utf8"));
  const common = {
    absWorkingDir: join(tree, "client"),
    bundle: true,
    format: "esm",
    minify: true,
    sourcemap: false,
    logLevel: "warning",
    legalComments: "none",
    plugins: [englishOnlyZod],
    external: Object.keys(manifest.dependencies),
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: ["src/index.ts"],
      outfile: join(out, "index.mjs"),
      platform: "neutral",
      target: "es2022",
    }),
    build({
      ...common,
      entryPoints: ["src/cli.ts"],
      outfile: join(out, "cli.mjs"),
      platform: "node",
      target: "node20",
    }),
  ]);
}

let tree = root;
let commit = git(root, "rev-parse", "HEAD");
let dirty = git(root, "status", "--porcelain", "--", "client/src", "shared") !== "";
let worktree = null;
if (from) {
  commit = git(root, "rev-parse", "--verify", `${from}^{commit}`);
  dirty = false;
  worktree = join(mkdtempSync(join(tmpdir(), "autopilot-keep-")), "tree");
  git(root, "worktree", "add", "--detach", worktree, commit);
  // The commit's sources with this checkout's dependencies (esbuild resolves them upward).
  symlinkSync(join(root, "node_modules"), join(worktree, "node_modules"), "dir");
  tree = worktree;
}

// Built beside the fixtures, so the bundles' dependencies resolve as the fixtures' will.
const staging = join(kept, `.staging-${process.pid}`);
try {
  rmSync(staging, { recursive: true, force: true });
  await buildPackage(tree, staging);
  const { PROTOCOL_VERSION } = await import(pathToFileURL(join(staging, "index.mjs")).href);
  if (!Number.isInteger(PROTOCOL_VERSION)) throw new Error("the built library exports no PROTOCOL_VERSION");
  const made = `${commit.slice(0, 10)}${dirty ? " with uncommitted changes" : ""}`;
  for (const [name, what] of [
    ["index.mjs", "library (client/src/index.ts)"],
    ["cli.mjs", "`autopilot` CLI (client/src/cli.ts)"],
  ]) {
    const file = join(staging, name);
    const header = `// The client package's ${what} as released for protocol ${PROTOCOL_VERSION}, built from commit ${made} by client/test/kept/keep.mjs. A kept client: do not edit.\n`;
    writeFileSync(file, header + readFileSync(file, "utf8"));
  }
  const target = join(kept, `protocol-${PROTOCOL_VERSION}`);
  // A kept client is the one released: building its version again from later sources would
  // quietly replace it.
  if (existsSync(target) && !replace)
    throw new Error(`protocol ${PROTOCOL_VERSION} is kept already (${target}); pass --replace to build it again`);
  // Kept as archives: what was released, stored as an artifact, not as source to edit.
  for (const name of ["index.mjs", "cli.mjs"]) {
    const file = join(staging, name);
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
    rmSync(file);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(staging, target);
  console.log(`kept protocol ${PROTOCOL_VERSION} (commit ${made}) in ${target}`);
} finally {
  rmSync(staging, { recursive: true, force: true });
  if (worktree) {
    git(root, "worktree", "remove", "--force", worktree);
    rmSync(dirname(worktree), { recursive: true, force: true });
  }
  if (worktree && existsSync(worktree)) console.error(`could not remove the worktree ${worktree}`);
}
