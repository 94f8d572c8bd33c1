// Bundles the AI SDK for the Worker (entry.ts) with the JavaScript stream classes of
// js-streams.ts injected in place of the global ones — esbuild's `inject` rewrites only the
// modules of this bundle, so the rest of the Worker keeps the runtime's own streams.
// wrangler.toml aliases `ai` and `@ai-sdk/openai-compatible` to the output. zod stays
// external: the SDK and the room's tool schemas must share one zod.
//
// One change to the SDK's code, tool-callback-stage.mjs says which and why.
//
// `node party/ai-sdk/build.mjs` builds; `--if-stale` only when the output is missing or older
// than any file it was made of (esbuild's metafile, kept beside it). Run by `npm install`
// (postinstall), `npm run build`, wrangler itself before `dev` and `deploy` (wrangler.toml
// [build]), and the workerd tests' vitest config (the pool does not run [build]).
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { skipIdleToolCallbackStage } from "./tool-callback-stage.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
export const AI_SDK_BUNDLE = join(HERE, "dist", "ai-sdk.mjs");
export const AI_SDK_METAFILE = join(HERE, "dist", "ai-sdk.meta.json");

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Number.NaN;
  }
};

/** Writes `file` aside, then renames: several test processes may build at once. */
function writeAtomically(file, contents) {
  const temp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, file);
}

export async function buildAiSdkBundle() {
  const result = await build({
    entryPoints: [join(HERE, "entry.ts")],
    absWorkingDir: ROOT,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // The conditions wrangler resolves with.
    conditions: ["workerd", "worker", "browser", "import"],
    mainFields: ["module", "main"],
    inject: [join(HERE, "js-streams.ts")],
    plugins: [skipIdleToolCallbackStage],
    external: ["zod", "zod/*", "node:*"],
    metafile: true,
    // Under 1 MiB: the workerd test pool sends a runtime each module in one WebSocket
    // message, which workerd caps at 1 MiB. Names are kept, so stack traces still read.
    minify: true,
    keepNames: true,
    write: false,
    logLevel: "warning",
  });
  mkdirSync(dirname(AI_SDK_BUNDLE), { recursive: true });
  writeAtomically(AI_SDK_METAFILE, JSON.stringify(result.metafile));
  writeAtomically(AI_SDK_BUNDLE, result.outputFiles[0].contents);
}

/** The files the current output was made of (paths from the project root), or null if there is none. */
export function aiSdkBundleInputs() {
  try {
    return Object.keys(JSON.parse(readFileSync(AI_SDK_METAFILE, "utf8")).inputs);
  } catch {
    return null;
  }
}

/** Builds the bundle when it is missing or older than anything it was made of (or this script). */
export async function ensureAiSdkBundle() {
  const built = mtime(AI_SDK_BUNDLE);
  const inputs = aiSdkBundleInputs();
  const stale =
    Number.isNaN(built) ||
    inputs === null ||
    [
      fileURLToPath(import.meta.url),
      join(HERE, "tool-callback-stage.mjs"),
      ...inputs.map((input) => join(ROOT, input)),
    ].some((file) => !(mtime(file) <= built));
  if (stale) await buildAiSdkBundle();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--if-stale")) await ensureAiSdkBundle();
  else await buildAiSdkBundle();
}
