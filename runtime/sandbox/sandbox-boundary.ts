// The sandbox host's boundary: the subset of the @cloudflare/sandbox SDK and of R2 it uses
// (worker.ts type-checks the real ones against these; tests pass fakes with the same shape),
// the container layout, and how an instance's sandbox is named. The SDK itself is never
// imported here (it needs `cloudflare:workers`).
//
// Inside a container (same layout as the process host's instance dir):
//   /data/instance/openclaw.json   the gateway config, rewritten at every start
//   /data/instance/gateway-token   the gateway's token (see sandbox-host.ts, "Where the token lives")
//   /data/instance/{home,state,workspace,logs}
import type { InstanceRef } from "../../shared/runtime/requests";

export interface SandboxProcessLike {
  readonly id: string;
  readonly pid?: number;
  readonly status: string;
  readonly exitCode?: number;
  waitForPort(port: number, options?: { mode?: "http" | "tcp"; timeout?: number }): Promise<void>;
}

export interface SandboxLike {
  exec(
    command: string,
    options?: { timeout?: number; cwd?: string; env?: Record<string, string | undefined> },
  ): Promise<{ success: boolean; exitCode: number; stdout: string; stderr: string }>;
  writeFile(path: string, content: string, options?: { encoding?: string }): Promise<unknown>;
  readFile(path: string, options?: { encoding?: "utf-8" | "base64" }): Promise<{ content: string }>;
  startProcess(
    command: string,
    options?: { processId?: string; env?: Record<string, string | undefined>; cwd?: string },
  ): Promise<SandboxProcessLike>;
  getProcess(id: string): Promise<SandboxProcessLike | null>;
  listProcesses(): Promise<SandboxProcessLike[]>;
  killProcess(id: string, signal?: string): Promise<void>;
  wsConnect(request: Request, port: number): Promise<Response>;
  destroy(): Promise<void>;
}

/** The options every sandbox is opened with. */
export interface SandboxOpenOptions {
  /** Lower-case Durable Object keys: ids are derived lower-case already; this keeps it so. */
  normalizeId: true;
  /**
   * A gateway must not be put to sleep under an attached Autopilot (and a sleeping
   * container loses its disk): containers run until delete destroys them. That is the cost
   * of a hosted gateway; `max_instances` in wrangler.toml caps it.
   */
  keepAlive: true;
}

export const SANDBOX_OPTIONS: SandboxOpenOptions = { normalizeId: true, keepAlive: true };

export type SandboxFactory = (sandboxId: string, options: SandboxOpenOptions) => SandboxLike;

export interface BucketObjectLike {
  key: string;
  size: number;
  uploaded: Date;
  customMetadata?: Record<string, string>;
}

export interface BucketLike {
  put(
    key: string,
    value: string | ArrayBuffer | Uint8Array,
    options?: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string> },
  ): Promise<unknown>;
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; text(): Promise<string> } | null>;
  list(options?: {
    prefix?: string;
    cursor?: string;
    include?: ("httpMetadata" | "customMetadata")[];
  }): Promise<{ objects: BucketObjectLike[]; truncated: boolean; cursor?: string }>;
  delete(keys: string | string[]): Promise<void>;
}

export const GATEWAY_PORT = 18789;
export const GATEWAY_PROCESS_ID = "openclaw-gateway";
export const GATEWAY_COMMAND = `openclaw gateway run --port ${GATEWAY_PORT} --bind loopback`;
export const INSTANCE_DIR = "/data/instance";
export const CONTAINER_PATHS = {
  dir: INSTANCE_DIR,
  config: `${INSTANCE_DIR}/openclaw.json`,
  tokenFile: `${INSTANCE_DIR}/gateway-token`,
  home: `${INSTANCE_DIR}/home`,
  state: `${INSTANCE_DIR}/state`,
  workspace: `${INSTANCE_DIR}/workspace`,
  logs: `${INSTANCE_DIR}/logs`,
} as const;

/**
 * The sandbox (Durable Object + container) of one instance. Lower-case (SDK ids must be, for
 * preview hostnames), at most 63 characters, deterministic, and collision-free: workspace ids
 * are mixed case ("Ab" and "ab" are two workspaces), so the id carries a SHA-256 of the exact
 * (workspace, instance) pair; the instance prefix is only there for people reading logs.
 */
export async function sandboxId(ref: InstanceRef): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${ref.workspaceId}\n${ref.instanceId}`),
  );
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `oc-${ref.instanceId.slice(0, 16)}-${hex.slice(0, 40)}`;
}

export function isRunning(proc: SandboxProcessLike): boolean {
  return proc.status === "running" || proc.status === "starting";
}
