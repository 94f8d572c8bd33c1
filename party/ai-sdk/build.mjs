// Bundles the AI SDK for the Worker (entry.ts) with the JavaScript stream classes of
// js-streams.ts injected in place of the global ones — esbuild's `inject` rewrites only the
// modules of this bundle, so the rest of the Worker keeps the runtime's own streams.
// wrangler.toml aliases `ai` and `@ai-sdk/openai-compatible` to the output. zod stays
// external: the SDK and the room's tool schemas must share one zod.
//
// Run by `npm install` (postinstall) and before every wrangler start (ensureAiSdkBundle),
// so the output never lags the installed SDK; `node party/ai-sdk/build.mjs` forces it.
import { mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
export const AI_SDK_BUNDLE = join(HERE, "dist", "ai-sdk.mjs");

/** What the output is made of: a newer one of these means it is stale. */
const INPUTS = [
  join(HERE, "entry.ts"),
  join(HERE, "body-fetch.ts"),
  join(HERE, "js-streams.ts"),
  join(HERE, "build.mjs"),
  ...["ai", "@ai-sdk/openai-compatible", "@ai-sdk/provider-utils", "eventsource-parser", "web-streams-polyfill"].map((pkg) => join(ROOT, "node_modules", pkg, "package.json")),
];

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Number.NaN;
  }
};

export async function buildAiSdkBundle() {
  const result = await build({
    entryPoints: [join(HERE, "entry.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // The conditions wrangler resolves with.
    conditions: ["workerd", "worker", "browser", "import"],
    mainFields: ["module", "main"],
    inject: [join(HERE, "js-streams.ts")],
    external: ["zod", "zod/*", "node:*"],
    write: false,
    logLevel: "warning",
  });
  // Several test workers may start wrangler at once: write aside, then rename (atomic).
  mkdirSync(dirname(AI_SDK_BUNDLE), { recursive: true });
  const temp = `${AI_SDK_BUNDLE}.${process.pid}.tmp`;
  writeFileSync(temp, result.outputFiles[0].contents);
  renameSync(temp, AI_SDK_BUNDLE);
}

/** Builds the bundle when it is missing or older than what it is made of. */
export async function ensureAiSdkBundle() {
  const built = mtime(AI_SDK_BUNDLE);
  if (Number.isNaN(built) || INPUTS.some((file) => !(mtime(file) <= built))) await buildAiSdkBundle();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildAiSdkBundle();
