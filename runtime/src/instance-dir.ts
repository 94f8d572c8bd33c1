// The process host's instance directory (<dataDir>/instances/<workspace>/<instance>/, mode 0700):
//   openclaw.json   the gateway config (OPENCLAW_CONFIG_PATH), rewritten at every start
//   gateway-token   the gateway's auth token (0600), kept across restarts and backups
//   home/           HOME and OPENCLAW_HOME
//   state/          OPENCLAW_STATE_DIR (SQLite state, sessions, approvals)
//   workspace/      the agent's workspace
//   logs/           the gateway's own log file
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
  };
}

export type InstancePaths = ReturnType<typeof instancePaths>;

export function prepareInstanceDir(dir: string): InstancePaths {
  const paths = instancePaths(dir);
  for (const path of [dir, paths.home, paths.state, paths.workspace, paths.logs]) mkdirSync(path, { recursive: true, mode: 0o700 });
  return paths;
}

/** The stored gateway token, or undefined when there is none (or it is too short to be ours). */
export function readGatewayToken(dir: string): string | undefined {
  const file = instancePaths(dir).tokenFile;
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, "utf8").trim();
  return token.length >= MIN_GATEWAY_TOKEN_LENGTH ? token : undefined;
}

/** The stored token, or a new random one written 0600: the same token across restarts. */
export function readOrCreateGatewayToken(dir: string): string {
  const existing = readGatewayToken(dir);
  if (existing !== undefined) return existing;
  const file = instancePaths(dir).tokenFile;
  const token = randomBytes(32).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}
