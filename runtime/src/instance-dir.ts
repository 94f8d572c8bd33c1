// The process host's instance directory (<dataDir>/instances/<workspace>/<instance>/, mode 0700):
//   openclaw.json   the gateway config (OPENCLAW_CONFIG_PATH), rewritten at every start
//   gateway-token   the gateway's auth token (0600), kept across restarts and backups
//   home/           HOME and OPENCLAW_HOME
//   state/          OPENCLAW_STATE_DIR (SQLite state, sessions, approvals)
//   workspace/      the agent's workspace
//   logs/           the gateway's own log file
//   tmp/            TMPDIR (not the machine's shared /tmp)
// With separate users (tenant-users.ts) the gateway owns this directory, so the runtime (root)
// treats what it finds here as hostile: it never follows a symlink or hard link planted here
// when it reads the token or rewrites the config.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { MIN_GATEWAY_TOKEN_LENGTH } from "./gateway-config";

export function instancePaths(dir: string) {
  return {
    dir,
    config: join(dir, "openclaw.json"),
    tokenFile: join(dir, "gateway-token"),
    home: join(dir, "home"),
    state: join(dir, "state"),
    workspace: join(dir, "workspace"),
    logs: join(dir, "logs"),
    tmp: join(dir, "tmp"),
  };
}

export type InstancePaths = ReturnType<typeof instancePaths>;

export function prepareInstanceDir(dir: string): InstancePaths {
  const paths = instancePaths(dir);
  for (const path of [dir, paths.home, paths.state, paths.workspace, paths.logs, paths.tmp])
    mkdirSync(path, { recursive: true, mode: 0o700 });
  return paths;
}

/** The stored gateway token, or undefined when there is none (or it is too short to be ours). */
export function readGatewayToken(dir: string): string | undefined {
  const token = readPlainFile(instancePaths(dir).tokenFile)?.trim();
  return token !== undefined && token.length >= MIN_GATEWAY_TOKEN_LENGTH ? token : undefined;
}

/** A regular file's text, or undefined when it is missing, a symlink, a hard link, not a file or over `maxBytes`. */
export function readPlainFile(file: string, maxBytes = 4096): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.nlink !== 1 || stat.size > maxBytes) return undefined;
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/** Replaces a file with fresh content (0600): whatever was there, a symlink included, is removed first, and the new file is created exclusively. */
export function writeFreshFile(file: string, text: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
}

/** The stored token, or a new random one written 0600: the same token across restarts. */
export function readOrCreateGatewayToken(dir: string): string {
  const existing = readGatewayToken(dir);
  if (existing !== undefined) return existing;
  const token = randomBytes(32).toString("base64url");
  writeFreshFile(instancePaths(dir).tokenFile, `${token}\n`);
  return token;
}
