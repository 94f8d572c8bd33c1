// The checkout's own secrets and local state, closed to everyone but their owner before any
// gateway runs. A gateway executes commands people approve; under a uid of its own it can
// still read whatever the checkout leaves world-readable: `.dev.vars` (the auth secret and the
// runtime's service token), `.env` files, wrangler's local state (D1 and Durable Object data)
// and `.data/`. `npm start` creates them closed (party/dev/server.mjs); this tightens ones
// made before, or by hand, at every start of the runtime.
import { chmodSync, existsSync, lstatSync, readdirSync } from "node:fs";
import { join, sep } from "node:path";

/** Files of local secrets at the checkout's top level (`.env.local`, `.env.production`… too). */
const SECRET_FILE = /^(\.dev\.vars(\..+)?|\.env(\..+)?)$/;
/** Directories of local state: wrangler's (D1, Durable Objects, bundles) and the project's own. */
const STATE_DIRS = [".wrangler", ".data"];

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}${sep}`);
}

/**
 * Secret files become 0600 and state directories 0700 — except a state directory that holds
 * the runtime's data dir, which gateways must pass through (0711: traverse, no listing).
 * Links are left alone (chmod would follow one out of the checkout). Returns what it changed.
 */
export function closeLocalSecrets(repoRoot: string, dataDir: string): string[] {
  const changed: string[] = [];
  const close = (path: string, mode: number) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink() || (stat.mode & 0o777 & ~mode) === 0) return;
    chmodSync(path, stat.mode & 0o777 & mode);
    changed.push(path);
  };
  for (const name of readdirSync(repoRoot)) {
    const path = join(repoRoot, name);
    if (SECRET_FILE.test(name) && lstatSync(path).isFile()) close(path, 0o600);
  }
  for (const name of STATE_DIRS) {
    const path = join(repoRoot, name);
    if (!existsSync(path) || !lstatSync(path).isDirectory()) continue;
    close(path, isInside(dataDir, path) ? 0o711 : 0o700);
  }
  return changed;
}
