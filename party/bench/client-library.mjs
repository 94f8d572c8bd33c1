// The client library as a bench loads it: from its source. `client/src` imports without
// file extensions, which Node's type stripping cannot follow, so it is bundled like
// `client/build.mjs` bundles it (always current, unlike a possibly stale `client/dist`).
// `ws` stays out: the bench hands the client its WebSocket constructor, as any caller may.
import { join } from "node:path";
import { build } from "esbuild";
import { ROOT } from "../dev/server.mjs";

/** Bundles the library into `dir` and imports it. */
export async function loadClientLibrary(dir) {
  const outfile = join(dir, "autopilot-client.mjs");
  await build({
    absWorkingDir: ROOT,
    entryPoints: ["client/src/index.ts"],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    external: ["ws"],
    logLevel: "warning",
  });
  return import(outfile);
}
