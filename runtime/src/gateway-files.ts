// What a gateway executes: the Node binary, the pinned `openclaw` package (with its
// node_modules) and the watchdog module. With separate users (tenant-users.ts) a gateway runs
// under a uid of its own, which must be able to read and execute these files — and must not
// be able to reach anything else of the checkout (local secrets, wrangler's state). A checkout
// may also live where other users cannot pass at all (a 0700 home or temporary directory).
// So, as root, the runtime copies these files once into a root-owned directory outside the
// checkout (`<dist root>/gateway-<key>/`, every user may read, nobody but root may write),
// keyed by what they are made of, and starts gateways from there. Without root, gateways run
// as the runtime's own user and use the files where they are.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { WATCHDOG_MODULE } from "./config";
import { assertTraversable, makeDirs } from "./instance-access";
import { TENANT_UID_BASE, TENANT_UID_RANGE } from "./tenant-users";

export interface GatewayFiles {
  /** The Node binary a gateway runs on. */
  node: string;
  /** `openclaw.mjs` of the pinned package. */
  openclawEntry: string;
  /** The watchdog module preloaded with `--import` (gateway-watchdog.mjs). */
  watchdog: string;
  /** The prepared directory, or undefined when the files are used where they are. */
  dir?: string | undefined;
}

export interface GatewaySources {
  node: string;
  openclawEntry: string;
  watchdog: string;
}

/** The files as installed: this process's own Node, the given openclaw entry, the watchdog beside this module. */
export function gatewaySources(openclawEntry: string): GatewaySources {
  return { node: process.execPath, openclawEntry, watchdog: WATCHDOG_MODULE };
}

/** No instance ever gets this uid (it is just past the tenants' range): the start-up check runs as it. */
export const PROBE_UID = TENANT_UID_BASE + TENANT_UID_RANGE;
const COMPLETE_MARKER = ".complete";

/** The `node_modules` directory that holds the openclaw package (its dependencies sit beside it). */
function nodeModulesOf(openclawEntry: string): string {
  for (let dir = dirname(openclawEntry); dir !== dirname(dir); dir = dirname(dir)) {
    if (basename(dir) === "node_modules") return dir;
  }
  throw new Error(`the openclaw entry ${openclawEntry} is not inside a node_modules directory`);
}

/**
 * What the copy is made of, without reading the whole tree: the Node version and platform, npm's
 * record of the installed tree (its lock of node_modules, rewritten by every install) and the
 * watchdog's own text. A change of any of them makes a new copy.
 */
export function gatewayFilesKey(sources: GatewaySources): string {
  const modules = nodeModulesOf(sources.openclawEntry);
  const hash = createHash("sha256");
  hash.update(
    `${process.version}\0${process.platform}\0${process.arch}\0${statSync(realpathSync(sources.node)).size}\0`,
  );
  const lock = join(modules, ".package-lock.json");
  hash.update(
    existsSync(lock) ? readFileSync(lock) : readFileSync(join(dirname(sources.openclawEntry), "package.json")),
  );
  hash.update(relative(modules, sources.openclawEntry));
  hash.update(readFileSync(sources.watchdog));
  return hash.digest("hex").slice(0, 24);
}

function filesIn(dir: string, sources: GatewaySources): GatewayFiles {
  const modules = nodeModulesOf(sources.openclawEntry);
  return {
    node: join(dir, "bin", "node"),
    openclawEntry: join(dir, "openclaw", "node_modules", relative(modules, sources.openclawEntry)),
    watchdog: join(dir, "gateway-watchdog.mjs"),
    dir,
  };
}

/** Root's own, and nobody else may write it: the only kind of directory a gateway's files may come from. */
function rootOwnedAndClosed(path: string): boolean {
  const stat = lstatSync(path);
  return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
}

function isPrepared(dir: string, key: string): boolean {
  if (!existsSync(dir) || !rootOwnedAndClosed(dir)) return false;
  const marker = join(dir, COMPLETE_MARKER);
  return existsSync(marker) && lstatSync(marker).uid === 0 && readFileSync(marker, "utf8") === key;
}

/**
 * The gateway's files in `<root>/gateway-<key>/`, copied there first when they are not yet.
 * Synchronous: it runs once at start, before the runtime listens. Two runtimes starting at
 * once each copy into a staging directory and the first rename wins.
 */
export function prepareGatewayFiles(root: string, sources: GatewaySources): GatewayFiles {
  const key = gatewayFilesKey(sources);
  const dir = join(root, `gateway-${key}`);
  makeDirs(root, 0o755);
  if (!rootOwnedAndClosed(root)) {
    throw new Error(
      `${root} must be root's and writable by nobody else (chown root ${root} && chmod go-w ${root}), or set RUNTIME_GATEWAY_FILES_DIR to another directory: gateways would run what other users can change`,
    );
  }
  assertTraversable(root);
  if (isPrepared(dir, key)) return filesIn(dir, sources);
  // A directory of that name that is not complete and ours (an interrupted copy, or planted): replaced.
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  const staging = mkdtempSync(join(root, ".staging-"));
  try {
    mkdirSync(join(staging, "bin"));
    copyFileSync(realpathSync(sources.node), join(staging, "bin", "node"));
    mkdirSync(join(staging, "openclaw"));
    // `cp -a` keeps the package tree as npm made it (symlinked bins included) without following links out of it.
    execFileSync("cp", ["-a", "--", nodeModulesOf(sources.openclawEntry), join(staging, "openclaw", "node_modules")]);
    copyFileSync(sources.watchdog, join(staging, "gateway-watchdog.mjs"));
    execFileSync("chown", ["-R", "-h", "0:0", "--", staging]);
    // Readable (and directories passable) by every user, writable by root alone.
    execFileSync("chmod", ["-R", "go-w,a+rX", "--", staging]);
    chmodSync(join(staging, "bin", "node"), 0o755);
    writeFileSync(join(staging, COMPLETE_MARKER), key, { mode: 0o644 });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!isPrepared(dir, key)) throw error;
      rmSync(staging, { recursive: true, force: true }); // another runtime finished first
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return filesIn(dir, sources);
}

/** The files where they are: gateways run as the runtime's own user. */
export function inPlaceGatewayFiles(sources: GatewaySources): GatewayFiles {
  return { ...sources };
}

/**
 * The start-up check: a process under a uid no instance has, exactly as gateways are spawned
 * (no supplementary groups), must run Node, read the openclaw entry and the watchdog, and pass
 * into the instances' directory. When it cannot, no gateway could start: the runtime refuses
 * to start and says why, instead of every provisioning failing later with EACCES.
 */
export function checkTenantCanRun(files: GatewayFiles, instancesDir: string): void {
  const script =
    "const fs=require('node:fs');for(const [p,m] of JSON.parse(process.argv[1])){fs.accessSync(p,fs.constants[m]);}";
  const checks = [
    [files.openclawEntry, "R_OK"],
    [files.watchdog, "R_OK"],
    [instancesDir, "X_OK"],
  ];
  const result = spawnSync(files.node, ["-e", script, JSON.stringify(checks)], {
    uid: PROBE_UID,
    gid: PROBE_UID,
    cwd: "/",
    env: {},
    encoding: "utf8",
    timeout: 30_000,
  });
  if (result.status === 0) return;
  const cause = result.error
    ? result.error.message
    : (result.stderr.split("\n").find((line) => line.includes("Error")) ?? result.stderr.trim());
  const fix = files.dir
    ? `check that every directory above ${files.dir} and ${instancesDir} lets other users pass (chmod o+x), or set RUNTIME_GATEWAY_FILES_DIR and RUNTIME_DATA_DIR to directories they can reach`
    : "run the runtime as root (gateways then run from a prepared copy) or from a checkout other users can read";
  throw new Error(`gateways run as their own users, and such a user cannot start one: ${cause.trim()}. Fix: ${fix}`);
}
