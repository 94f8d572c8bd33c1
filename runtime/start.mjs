// Starts the runtime service: `node runtime/start.mjs` (Node >= 24.16, which the gateways
// need too; `npm start` and npm scripts run the project's pinned Node 24).
// The TypeScript sources are bundled with esbuild into runtime/dist/main.mjs on every start
// (quick, so the bundle is never stale); `ws` stays an external dependency.
import { build } from "esbuild";
import { fileURLToPath, pathToFileURL } from "node:url";

const runtimeDir = fileURLToPath(new URL(".", import.meta.url));
const outfile = `${runtimeDir}dist/main.mjs`;
await build({
  absWorkingDir: runtimeDir,
  entryPoints: ["src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  sourcemap: "inline",
  packages: "external",
  logLevel: "warning",
});
await import(pathToFileURL(outfile).href);
