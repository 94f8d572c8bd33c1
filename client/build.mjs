// Bundles the client: the `autopilot` CLI for Node 20+ and the library for browsers
// (the Worker serves client/dist as static assets). Run with `node client/build.mjs`.
import { build } from "esbuild";
import { cpSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * `import { z } from "zod"` keeps the whole namespace alive, including `z.locales`: every
 * translation of every error message, over half the bundle. Nothing here switches locale,
 * so the namespace is reduced to English (which zod registers by default anyway).
 */
const englishOnlyZod = {
  name: "english-only-zod",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), args.path), namespace: "zod-locales" } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from "./en.js";`,
      resolveDir: dirname(args.path),
    }));
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  legalComments: "none",
  plugins: [englishOnlyZod],
};

// Start clean so no stale file is ever served, then add the static pages.
rmSync(join(root, "dist"), { recursive: true, force: true });
cpSync(join(root, "pages"), join(root, "dist"), { recursive: true });

await Promise.all([
  build({
    ...common,
    entryPoints: ["src/cli.ts"],
    outfile: "dist/cli.mjs",
    platform: "node",
    target: "node20",
    // `ws` stays a runtime dependency: it is CommonJS with optional native addons, which
    // an ESM bundle would have to shim, and the package installs it anyway.
    external: ["ws"],
  }),
  build({
    ...common,
    entryPoints: ["src/index.ts"],
    outfile: "dist/autopilot-client.mjs",
    platform: "browser",
    target: "es2022",
    minify: true,
    // Only reached in Node (dynamic import); browsers use their own WebSocket.
    external: ["ws"],
  }),
]);
