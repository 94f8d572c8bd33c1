// vitest.unit.config.ts's global setup (runs in the main process, before any test file): the
// CLI bundle that the CLI tests spawn (cli-harness.ts), built once for the whole run.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { TestProject } from "vitest/node";

/** Next to node_modules, so the bundle's externals (`ws`, `commander`) resolve as they do for client/dist. */
const CACHE = fileURLToPath(new URL("../../node_modules/.cache/autopilot-cli-test/", import.meta.url));

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

export default async function setup(project: TestProject): Promise<() => void> {
  // A folder per run: runs at once in one checkout never load each other's half-written bundle.
  const dir = join(CACHE, String(process.pid));
  mkdirSync(dir, { recursive: true });
  // A run that was killed leaves its folder behind; the next run removes it.
  for (const entry of readdirSync(CACHE, { withFileTypes: true })) {
    if (entry.isDirectory() && /^\d+$/.test(entry.name) && !isRunning(Number(entry.name)))
      rmSync(join(CACHE, entry.name), { recursive: true, force: true });
  }
  const file = join(dir, "cli.mjs");
  await build({
    entryPoints: [fileURLToPath(new URL("../src/cli.ts", import.meta.url))],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["ws", "commander"],
    logLevel: "warning",
  });
  project.provide("cliBundle", { file, compileCache: join(dir, "compile-cache") });
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The CLI bundle, and where the Node that runs it keeps its compile cache. */
    cliBundle: { file: string; compileCache: string };
  }
}
