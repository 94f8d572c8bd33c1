// Who may open what under the data directory (process host). With separate users
// (tenant-users.ts):
//   <dataDir>/                      root 0711  (traverse only: no listing)
//     service-token, tenant-users.json   root 0600
//     backups/ archive/ usage/ tmp/ root 0700
//     instances/ instances/<ws>/    root 0711
//       <instance>/                 the instance's uid, 0700, everything inside chowned to it
// A gateway can reach its own directory and nothing else: other instances' directories are
// 0700 under other uids, the runtime's files are root's 0600/0700.
// With a shared user (not root) the modes are the same, but every gateway runs as the
// runtime's user and so can read all of it: README.md says so.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { TenantUser } from "./tenant-users";

const run = promisify(execFile);

/**
 * `mkdir -p` where every directory it creates gets exactly `mode`: mkdirSync's own `mode` is
 * cut by the umask. Directories that already exist keep theirs (the operator chose them).
 */
export function makeDirs(dir: string, mode: number): void {
  const firstCreated = mkdirSync(dir, { recursive: true, mode });
  if (firstCreated === undefined) return;
  for (let current = dir; ; current = dirname(current)) {
    chmodSync(current, mode);
    if (current === firstCreated || dirname(current) === current) return;
  }
}

/**
 * `openableBelow`: directories strictly below it on the way to the data dir are the runtime's
 * own (the default `.data/` in the repo, made 0700 by earlier versions) and are opened to
 * traversal (o+x, no listing); anything else that blocks the way is refused.
 */
export function secureDataDir(dataDir: string, separateUsers: boolean, openableBelow?: string): void {
  // The parents it creates (the default /var/lib/autopilot-runtime on a fresh machine) are on
  // every gateway's way to its own directory: traverse only, no listing.
  makeDirs(dirname(dataDir), 0o711);
  makeDirs(dataDir, 0o700);
  if (separateUsers) assertTraversable(dirname(dataDir), openableBelow);
  const traverse = separateUsers ? 0o711 : 0o700;
  chmodSync(dataDir, traverse);
  mkdirSync(join(dataDir, "instances"), { recursive: true, mode: traverse });
  chmodSync(join(dataDir, "instances"), traverse);
  // Created here, 0700, so that nothing made inside later (archives use the umask) is reachable.
  for (const name of RUNTIME_ONLY_DIRS) {
    mkdirSync(join(dataDir, name), { recursive: true, mode: 0o700 });
    chmodSync(join(dataDir, name), 0o700);
  }
}

/** Every directory above the data dir must let other users pass (o+x), or no gateway can reach its own directory. */
export function assertTraversable(dir: string, openableBelow?: string): void {
  for (let current = dir; ; current = dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0 && openableBelow !== undefined && current.startsWith(`${openableBelow}/`))
      chmodSync(current, (mode & 0o777) | 0o011);
    else if ((mode & 0o001) === 0) {
      throw new Error(
        `gateways run as their own users and cannot pass through ${current} (mode ${(statSync(current).mode & 0o777).toString(8)}): chmod o+x it, or set RUNTIME_DATA_DIR elsewhere`,
      );
    }
    if (dirname(current) === current) return;
  }
}

export const RUNTIME_ONLY_DIRS = ["backups", "archive", "usage", "tmp"];

/** The instance directory's parent (`instances/<ws>`), traversable by the gateway's user. */
export function openWorkspaceDir(instanceDir: string, separateUsers: boolean): void {
  const parent = dirname(instanceDir);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  chmodSync(parent, separateUsers ? 0o711 : 0o700);
}

/**
 * Gives the whole instance directory to the instance's user (restored backups and files the
 * runtime just wrote included). `-h` changes symlinks themselves, and -R never follows
 * them (GNU chown's default -P), so a link planted by the gateway gives it nothing.
 */
export async function handOver(instanceDir: string, user: TenantUser): Promise<void> {
  await run("chown", ["-R", "-h", `${user.uid}:${user.gid}`, "--", instanceDir]);
  chmodSync(instanceDir, 0o700);
}
