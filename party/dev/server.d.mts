import type { ChildProcess } from "node:child_process";

export const ROOT: string;
export function ensureDevVars(): Record<string, string>;
export function freePort(): Promise<number>;
export function autopilotModelVars(env: Record<string, string | undefined>): Record<string, string>;
export function signupVars(env: Record<string, string | undefined>): Record<string, string>;
export function splitSecretVars(vars: Record<string, string>): {
  plain: Record<string, string>;
  secretsFile: string | undefined;
};
export function applyMigrations(persistDir: string): void;
export interface RunningServer {
  url: string;
  port: number;
  persistDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}
export function startServer(options?: {
  port?: number;
  persistDir?: string;
  vars?: Record<string, string>;
  log?: (line: string) => void;
  /** A DevTools endpoint on this port (a bench's CPU profile); without it no inspector listens. */
  inspectorPort?: number;
  localObservability?: boolean;
  /** Static assets to serve instead of the published client build. */
  assetsDir?: string;
  /** A Worker built by `wrangler deploy --dry-run --outdir` (default: AUTOPILOT_WORKER_BUNDLE), run without bundling. */
  bundleDir?: string;
}): Promise<RunningServer>;
