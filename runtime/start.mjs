// Starts the runtime service: `node runtime/start.mjs` (Node >= 24.16, which the gateways
// need too; `npm start` and npm scripts run the project's pinned Node 24).
// The TypeScript sources are bundled with esbuild into runtime/dist/main.mjs on every start
// (quick, so the bundle is never stale); `ws` stays an external dependency. Written aside and
// renamed into place: another runtime from this checkout may be starting at the same moment.
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const runtimeDir = fileURLToPath(new URL(".", import.meta.url));
const outfile = `${runtimeDir}dist/main.mjs`;
const result = await build({
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
  write: false,
});
const aside = `${outfile}.${process.pid}.tmp`;
mkdirSync(`${runtimeDir}dist`, { recursive: true });
writeFileSync(aside, result.outputFiles[0].contents);
renameSync(aside, outfile);
await import(pathToFileURL(outfile).href);
