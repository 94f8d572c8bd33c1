// Builds the client: the browser app (React, Vite) as the Worker's static assets, the
// `autopilot` CLI for Node 20+, and the library bundle for browsers. Run with
// `node client/build.mjs` (postinstall, `npm start` and `npm test` do).
import react from "@vitejs/plugin-react";
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build as viteBuild } from "vite";
import { newBuildDir, publishBuild } from "./builds.mjs";
import { englishOnlyZod, englishOnlyZodVite } from "./zod-english.mjs";
import { buildPackageTypes, PACKAGE_DEPENDENCIES, packPackage, stagePackage } from "./package/build-package.mjs";

const root = fileURLToPath(new URL(".", import.meta.url));
const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  legalComments: "none",
  plugins: [englishOnlyZod],
};

// Into a folder of this build's own, published at the end (builds.mjs): a server from this
// checkout that is running meanwhile never sees a file go or a half-written one, and builds
// running at once never touch each other's files.
const buildDir = newBuildDir();
const assetsDir = join(buildDir, "dist");
const packageDir = stagePackage(buildDir);

// The app first (index.html + hashed assets); the bundles below add their own files.
// Always React's production build: Vite takes NODE_ENV from the environment when it is set
// (a test runner sets "test"), and a build published from such a shell served everyone
// React's development build.
process.env.NODE_ENV = "production";
await viteBuild({
  configFile: false,
  root: join(root, "app"),
  base: "/",
  logLevel: "warn",
  plugins: [englishOnlyZodVite, react()],
  build: {
    outDir: assetsDir,
    emptyOutDir: false,
    sourcemap: true,
    target: "es2022",
    // CLIENT_MINIFY=0: readable function names (and `//#region <module>` markers) for a CPU
    // profile of the app.
    minify: process.env.CLIENT_MINIFY !== "0",
    // React, React Flow, Yjs and the protocol schemas: one app, one chunk over Vite's default warning size.
    chunkSizeWarningLimit: 1500,
  },
});

/**
 * The app shell the service worker keeps (client/app/sw/): the page, its scripts, styles, fonts
 * and icons as the app's origin serves them, and a version that changes with any of their bytes,
 * so that each build's worker keeps its own files and drops an earlier build's.
 */
function appShell(dir) {
  const names = readdirSync(dir, { recursive: true })
    .map((name) => name.split(sep).join("/"))
    .filter((name) => name === "index.html" || /\.(js|css|woff2?|ttf|otf|png|svg|ico|webmanifest)$/.test(name))
    .sort();
  const hash = createHash("sha256");
  for (const name of names)
    hash
      .update(name)
      .update("\0")
      .update(readFileSync(join(dir, name)))
      .update("\0");
  return {
    version: hash.digest("hex").slice(0, 16),
    // The page as it is asked for: wrangler's assets answer /index.html with a redirect to /.
    files: names.map((name) => (name === "index.html" ? "/" : `/${name}`)),
  };
}

await Promise.all([
  // The service worker, with the shell the app build above just wrote (before the bundles
  // below add their files: they are not the app's).
  build({
    ...common,
    entryPoints: ["app/sw/sw.js"],
    outfile: join(assetsDir, "sw.js"),
    platform: "browser",
    format: "iife",
    target: "es2022",
    define: { __APP_SHELL__: JSON.stringify(appShell(assetsDir)) },
  }),
  // The package agents install (client/package): the CLI and the library for Node 20+ and
  // bundlers. Its runtime dependencies stay external: `ws` and `commander` are CommonJS
  // (ws with optional native addons) and require Node built-ins, which an ESM bundle would
  // have to shim, and zod is what the package's types are written in, so one copy serves both.
  build({
    ...common,
    entryPoints: ["src/cli.ts"],
    outfile: join(packageDir, "dist", "cli.mjs"),
    platform: "node",
    target: "node20",
    external: PACKAGE_DEPENDENCIES,
  }),
  build({
    ...common,
    entryPoints: ["src/index.ts"],
    outfile: join(packageDir, "dist", "index.mjs"),
    platform: "neutral",
    target: "es2022",
    external: PACKAGE_DEPENDENCIES,
  }),
  // The same library as one file for browsers, served by the Worker as /autopilot-client.mjs.
  build({
    ...common,
    entryPoints: ["src/index.ts"],
    outfile: join(assetsDir, "autopilot-client.mjs"),
    platform: "browser",
    target: "es2022",
    minify: true,
    // Only reached in Node (dynamic import); browsers use their own WebSocket.
    external: ["ws"],
  }),
  buildPackageTypes(packageDir),
]);
packPackage(packageDir, assetsDir);
publishBuild(buildDir);
