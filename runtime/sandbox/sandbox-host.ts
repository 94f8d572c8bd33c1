// The sandbox host: one @cloudflare/sandbox container per instance, running the same pinned
// `openclaw gateway` as the process host, with the same gateway config, isolation env,
// phases and status. A thin adapter: everything that is not an SDK or R2 call comes from
// runtime/src (ids, errors, gateway config, handshake, frame rewriting, status types).
//
// The SDK itself is never imported here (it needs `cloudflare:workers`): the Worker passes
// `getSandbox` in, and tests pass a fake with the same shape (SandboxLike below is the
// subset of the SDK's ISandbox this host uses; worker.ts type-checks the real one against it).
//
// Inside a container (same layout as the process host's instance dir):
//   /data/instance/openclaw.json   the gateway config, rewritten at every start
//   /data/instance/gateway-token   the gateway's token (see "Where the token lives")
//   /data/instance/{home,state,workspace,logs}
//
// In the R2 bucket (binding BACKUPS):
//   <workspaceId>/<instanceId>/<timestamp>.tar.gz    backups (restore takes the latest)
//   _instances/<workspaceId>/<instanceId>.json       the instance record: status, phases,
//                                                    never the token
//   _archive/<workspaceId>/<instanceId>/…            delete in "archive" mode
// `_` cannot start a workspace id, so the internal prefixes never collide with a workspace.
//
// Where the token lives: only in the container, in /data/instance/gateway-token (like the
// process host's instance dir), generated once on the first start and kept across restarts;
// it travels in backups (which are credentials, as on the process host) and comes back with
// a restore. It is not kept in the Worker, in R2 records, or in a Durable Object of ours:
// the proxy reads it from the container per connection, and `GET …/:id/credentials` reads it
// from there for the service-token holder (the Autopilot, whose device identity signs over
// it). If a container loses its disk without a backup, its gateway is gone too, paired
// devices included; the next start generates a new token, the Autopilot's stored device token
// stops working, and it fetches the credentials again and pairs anew. Status, list and
// records never contain it.
//
// Provisioning runs inside the PUT request (a Worker has no background work that may outlive
// the response by more than ~30 s, and a cold container plus the gateway takes longer): the
// PUT answers when the instance is ready (202) or failed (error envelope). Status and the long
// poll read the record that the running PUT updates phase by phase.
import { classifySandboxError } from "../../shared/upstream-errors";
import type { RuntimeError } from "../../shared/runtime/errors";
import { ACTIVE_STATES, type InstanceState, type Phase, type PhaseEntry } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import type { GatewayCredentials } from "../../shared/runtime/responses";
import type { InstanceStatus } from "../../shared/runtime/status";
import { errResult, okResult, runtimeError, type Result } from "../src/errors";
import { buildGatewayConfig, gatewayIsolationEnv, MIN_GATEWAY_TOKEN_LENGTH, MODEL_API_KEY_ENV } from "../src/gateway-config";
import type { ProbeOutcome } from "../src/gateway-handshake";
import { enterPhase, progressOf, type BackupInfo, type HostDeleteOutcome, type ProvisionOutcome, type RuntimeHost } from "../src/host";
import { refKey } from "../src/ids";
import { probeOverSocket, type SocketLike } from "./gateway-socket";
import type { SandboxHostConfig } from "./sandbox-config";

// --- the SDK and R2 at their boundary --------------------------------------------------------

export interface SandboxProcessLike {
  readonly id: string;
  readonly pid?: number;
  readonly status: string;
  readonly exitCode?: number;
  waitForPort(port: number, options?: { mode?: "http" | "tcp"; timeout?: number }): Promise<void>;
}

export interface SandboxLike {
  exec(command: string, options?: { timeout?: number; cwd?: string; env?: Record<string, string | undefined> }): Promise<{ success: boolean; exitCode: number; stdout: string; stderr: string }>;
  writeFile(path: string, content: string, options?: { encoding?: string }): Promise<unknown>;
  readFile(path: string, options?: { encoding?: "utf-8" | "base64" }): Promise<{ content: string }>;
  startProcess(command: string, options?: { processId?: string; env?: Record<string, string | undefined>; cwd?: string }): Promise<SandboxProcessLike>;
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
  put(key: string, value: string | ArrayBuffer | Uint8Array, options?: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string> }): Promise<unknown>;
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; text(): Promise<string> } | null>;
  list(options?: { prefix?: string; cursor?: string; include?: ("httpMetadata" | "customMetadata")[] }): Promise<{ objects: BucketObjectLike[]; truncated: boolean; cursor?: string }>;
  delete(keys: string | string[]): Promise<void>;
}

// --- constants -------------------------------------------------------------------------------

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
/** Baked into the image (Dockerfile): consistent SQLite snapshots + tar, like backup.ts. */
export const SNAPSHOT_SCRIPT = "/opt/autopilot/snapshot.mjs";
const STAGED_ARCHIVE = "/tmp/autopilot-backup.tar.gz";
const RESTORE_ARCHIVE = "/tmp/autopilot-restore.tar.gz";
/** A start older than the start timeout plus this is taken as interrupted. */
const STALE_START_MARGIN_MS = 60_000;

export const RECORD_PREFIX = "_instances/";
export const ARCHIVE_PREFIX = "_archive/";
export const backupPrefix = (ref: InstanceRef): string => `${ref.workspaceId}/${ref.instanceId}/`;
export const recordKey = (ref: InstanceRef): string => `${RECORD_PREFIX}${ref.workspaceId}/${ref.instanceId}.json`;

/**
 * The sandbox (Durable Object + container) of one instance. Lower-case (SDK ids must be, for
 * preview hostnames), at most 63 characters, deterministic, and collision-free: workspace ids
 * are mixed case ("Ab" and "ab" are two workspaces), so the id carries a SHA-256 of the exact
 * (workspace, instance) pair; the instance prefix is only there for people reading logs.
 */
export async function sandboxId(ref: InstanceRef): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${ref.workspaceId}\n${ref.instanceId}`));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `oc-${ref.instanceId.slice(0, 16)}-${hex.slice(0, 40)}`;
}

/** Timestamps that sort as text and are safe in keys (same as the process host's backups). */
function timestampName(date = new Date()): string {
  return `${date.toISOString().replace(/[:.]/g, "-")}.tar.gz`;
}

function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// --- SDK errors → the runtime's closed set ----------------------------------------------------

/** An SDK or platform failure as a runtime error (classified in shared/upstream-errors.ts). */
export function mapSandboxError(error: unknown, fallback: RuntimeError["code"], what: string): RuntimeError {
  const err = error as { message?: string; reason?: string; exitCode?: number; retryAfterMs?: number } | undefined;
  const message = err?.message ?? String(error);
  switch (classifySandboxError(error)) {
    case "containers_not_enabled":
      return runtimeError("gateway_unavailable", `${what}: containers are not available to this Worker (${message.split(".")[0]}). The sandbox host needs Cloudflare Containers; use the process host locally.`, {
        retryable: false,
        details: { cause: "containers_not_enabled" },
      });
    case "max_instances":
      return runtimeError("capacity_exceeded", `${what}: the container instance limit is reached; delete an instance first`, { retryable: false, details: { cause: "max_container_instances" } });
    case "container_unavailable":
      return runtimeError("gateway_unavailable", `${what}: the container is not available right now (${err?.reason ?? message})`, { retryable: true, details: { cause: err?.reason ?? "container_unavailable", ...(err?.retryAfterMs ? { retryAfterMs: err.retryAfterMs } : {}) } });
    case "process_exited":
      return runtimeError("gateway_failed", `${what}: the gateway exited before its port opened (exit code ${err?.exitCode ?? "unknown"})`, { retryable: true, details: { exitCode: err?.exitCode ?? null } });
    case "ready_timeout":
      return runtimeError("gateway_failed", `${what}: the gateway port did not open in time`, { retryable: true });
    default:
      return runtimeError(fallback, `${what}: ${message}`);
  }
}

class StartFailure extends Error {
  constructor(readonly error: RuntimeError) {
    super(error.message);
  }
}

// --- records ---------------------------------------------------------------------------------

/** What R2 keeps per instance: the status minus live fields. Never the token. */
interface InstanceRecord {
  workspaceId: string;
  instanceId: string;
  sandboxId: string;
  state: InstanceState;
  phase: Phase;
  phaseSince: number;
  phases: PhaseEntry[];
  progress: number;
  createdAt: string;
  startedAtMs: number | null;
  readyAtMs: number | null;
  startupMs: number | null;
  restarts: number;
  restoredFrom: string | null;
  gatewayVersion: string | null;
  error: RuntimeError | null;
  version: number;
}

type Logger = (message: string, fields?: Record<string, unknown>) => void;

export interface SandboxHostOptions {
  log?: Logger;
  /** The readiness handshake (default: a real `connect` over `sandbox.wsConnect`). */
  probe?: (socket: SocketLike, token: string, timeoutMs: number) => Promise<ProbeOutcome>;
  /** Poll interval of the status long poll. */
  pollMs?: number;
}

export class SandboxHost implements RuntimeHost {
  private readonly log: Logger;
  private readonly probe: NonNullable<SandboxHostOptions["probe"]>;
  private readonly pollMs: number;

  constructor(
    private readonly config: Omit<SandboxHostConfig, "serviceToken">,
    private readonly getSandbox: SandboxFactory,
    private readonly bucket: BucketLike,
    options: SandboxHostOptions = {},
  ) {
    this.log = options.log ?? (() => {});
    this.probe = options.probe ?? probeOverSocket;
    this.pollMs = options.pollMs ?? 1_000;
  }

  get maxGateways(): number {
    return this.config.maxGateways;
  }

  async activeCount(): Promise<number> {
    let count = 0;
    for (const object of await this.listAll(RECORD_PREFIX, true)) {
      if (ACTIVE_STATES.has(object.customMetadata?.state as InstanceState)) count++;
    }
    return count;
  }

  async list(workspaceId: string): Promise<InstanceStatus[]> {
    const objects = await this.listAll(`${RECORD_PREFIX}${workspaceId}/`, false);
    const records = await Promise.all(objects.map((object) => this.readRecordKey(object.key)));
    return Promise.all(records.filter((r): r is InstanceRecord => r !== undefined).map((r) => this.liveStatus(r)));
  }

  async status(ref: InstanceRef): Promise<Result<InstanceStatus>> {
    const record = await this.readRecord(ref);
    return record ? okResult(await this.liveStatus(record)) : errResult(this.notFound(ref));
  }

  async waitForChange(ref: InstanceRef, sinceVersion: number, timeoutMs: number): Promise<Result<InstanceStatus>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.readRecord(ref);
      if (!record) return errResult(this.notFound(ref));
      if (record.version > sinceVersion || Date.now() >= deadline) return okResult(await this.liveStatus(record));
      await sleep(Math.min(this.pollMs, Math.max(0, deadline - Date.now())));
    }
  }

  /** Idempotent: a running or starting gateway is returned as is, without a second start. */
  async provision(ref: InstanceRef): Promise<Result<ProvisionOutcome>> {
    const existing = await this.readRecord(ref);
    if (existing && ACTIVE_STATES.has(existing.state)) {
      const live = await this.liveStatus(existing);
      if (ACTIVE_STATES.has(live.state)) return okResult({ status: live, started: false });
    }
    const active = await this.activeCount();
    if (active >= this.config.maxGateways) {
      return errResult(
        runtimeError("capacity_exceeded", `this runtime already runs ${active} of at most ${this.config.maxGateways} gateways; delete or stop an instance first`, {
          retryable: false,
          details: { maxGateways: this.config.maxGateways, activeGateways: active },
        }),
      );
    }
    const record = existing ?? this.newRecord(ref, await sandboxId(ref));
    const started = await this.start(ref, record);
    return started.ok ? okResult({ status: started.value, started: true }) : started;
  }

  async restart(ref: InstanceRef): Promise<Result<InstanceStatus>> {
    const record = await this.readRecord(ref);
    if (!record) return errResult(this.notFound(ref));
    record.restarts++;
    this.setState(record, "provisioning", "stopping");
    await this.saveRecord(record);
    try {
      await this.stopGateway(this.sandboxFor(record));
    } catch (error) {
      return this.failed(record, mapSandboxError(error, "gateway_failed", "restart"));
    }
    return this.start(ref, record);
  }

  async backup(ref: InstanceRef): Promise<Result<BackupInfo>> {
    const record = await this.readRecord(ref);
    if (!record) return errResult(this.notFound(ref));
    return this.snapshotTo(this.sandboxFor(record), `${backupPrefix(ref)}${timestampName()}`);
  }

  async listBackups(ref: InstanceRef): Promise<BackupInfo[]> {
    return (await this.listAll(backupPrefix(ref), false))
      .filter((object) => object.key.endsWith(".tar.gz") && !object.key.slice(backupPrefix(ref).length).includes("/"))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((object) => ({ name: object.key.slice(backupPrefix(ref).length), path: object.key, sizeBytes: object.size, createdAt: object.uploaded.toISOString() }));
  }

  /** Teardown: (archive,) stop the gateway, destroy the sandbox, then remove or archive backups. */
  async delete(ref: InstanceRef): Promise<Result<HostDeleteOutcome>> {
    const record = await this.readRecord(ref);
    const backups = await this.listBackups(ref);
    if (!record && backups.length === 0) return errResult(this.notFound(ref));
    const stamp = timestampName().replace(/\.tar\.gz$/, "");
    const archivePrefix = `${ARCHIVE_PREFIX}${ref.workspaceId}/${ref.instanceId}/`;
    let archive: BackupInfo | null = null;
    if (record) {
      const sandbox = this.sandboxFor(record);
      try {
        if (this.config.deleteMode === "archive" && (await this.hasState(sandbox))) {
          const final = await this.snapshotTo(sandbox, `${archivePrefix}${stamp}.tar.gz`);
          if (!final.ok) return final;
          archive = final.value;
        }
        await this.stopGateway(sandbox).catch(() => undefined);
        await sandbox.destroy();
      } catch (error) {
        return errResult(mapSandboxError(error, "internal", "delete"));
      }
    }
    if (this.config.deleteMode === "archive") {
      for (const backup of backups) {
        const object = await this.bucket.get(backup.path);
        if (object) await this.bucket.put(`${archivePrefix}backups-${stamp}/${backup.name}`, await object.arrayBuffer(), { httpMetadata: { contentType: "application/gzip" } });
      }
    }
    if (backups.length > 0) await this.bucket.delete(backups.map((b) => b.path));
    await this.bucket.delete(recordKey(ref));
    this.log("instance deleted", { instance: refKey(ref), mode: this.config.deleteMode });
    return okResult({ deleted: true, mode: this.config.deleteMode, archive });
  }

  /**
   * The gateway token, read from the container, for `GET …/:id/credentials` (server to
   * server). `not_ready` before the first start has written it, or while the container cannot
   * be read.
   */
  async credentials(ref: InstanceRef): Promise<Result<GatewayCredentials>> {
    const record = await this.readRecord(ref);
    if (!record) return errResult(this.notFound(ref));
    let token: string | undefined;
    try {
      token = await this.readToken(this.sandboxFor(record), true);
    } catch (error) {
      return errResult(mapSandboxError(error, "gateway_unavailable", "could not read the gateway token"));
    }
    if (!token) {
      return errResult(runtimeError("not_ready", `instance ${refKey(ref)} has no gateway token yet (${record.phase})`, { retryable: record.state !== "error" && record.state !== "stopped", details: { state: record.state, phase: record.phase } }));
    }
    return okResult({ token });
  }

  /**
   * For the WebSocket proxy: an accepted-ready socket to the instance's gateway and its
   * token. `not_ready` until the instance is ready.
   */
  async openGateway(ref: InstanceRef): Promise<Result<{ upstream: SocketLike; token: string }>> {
    const record = await this.readRecord(ref);
    if (!record) return errResult(this.notFound(ref));
    const status = await this.liveStatus(record);
    if (status.state !== "ready") {
      return errResult(runtimeError("not_ready", `instance ${refKey(ref)} is ${status.state} (${status.phase})`, { retryable: status.state !== "error" && status.state !== "stopped", details: { state: status.state, phase: status.phase } }));
    }
    const sandbox = this.sandboxFor(record);
    try {
      const token = await this.readToken(sandbox);
      if (!token) return errResult(runtimeError("gateway_unavailable", "the gateway token is missing in the container; restart the instance", { retryable: true }));
      return okResult({ upstream: await this.connectSocket(sandbox), token });
    } catch (error) {
      return errResult(mapSandboxError(error, "gateway_unavailable", "could not reach the gateway"));
    }
  }

  // --- internals -------------------------------------------------------------------------------

  private sandboxFor(record: InstanceRecord): SandboxLike {
    return this.getSandbox(record.sandboxId, SANDBOX_OPTIONS);
  }

  private notFound(ref: InstanceRef): RuntimeError {
    return runtimeError("not_found", `no instance ${refKey(ref)}`);
  }

  private newRecord(ref: InstanceRef, id: string): InstanceRecord {
    return {
      workspaceId: ref.workspaceId,
      instanceId: ref.instanceId,
      sandboxId: id,
      state: "provisioning",
      phase: "queued",
      phaseSince: Date.now(),
      phases: [],
      progress: 0,
      createdAt: new Date().toISOString(),
      startedAtMs: null,
      readyAtMs: null,
      startupMs: null,
      restarts: 0,
      restoredFrom: null,
      gatewayVersion: null,
      error: null,
      version: 0,
    };
  }

  private async start(ref: InstanceRef, record: InstanceRecord): Promise<Result<InstanceStatus>> {
    record.error = null;
    record.phases = [];
    record.startedAtMs = Date.now();
    record.readyAtMs = null;
    record.startupMs = null;
    record.progress = 0;
    this.setState(record, "provisioning", "queued");
    await this.saveRecord(record);
    try {
      await this.runStart(ref, record, this.sandboxFor(record));
      return okResult(this.toStatus(record, null));
    } catch (error) {
      const mapped = error instanceof StartFailure ? error.error : mapSandboxError(error, "gateway_failed", "start failed");
      try {
        await this.stopGateway(this.sandboxFor(record));
      } catch {
        // the container may be what failed
      }
      return this.failed(record, mapped);
    }
  }

  private async runStart(ref: InstanceRef, record: InstanceRecord, sandbox: SandboxLike): Promise<void> {
    const deadline = Date.now() + this.config.startTimeoutMs;

    // Restore-on-start: no state directory but a backup → start from the latest backup.
    if (!(await this.hasState(sandbox))) {
      const latest = (await this.listBackups(ref)).at(-1);
      if (latest) {
        await this.phase(record, "restoring backup");
        const object = await this.bucket.get(latest.path);
        if (!object) throw new StartFailure(runtimeError("backup_failed", `restore failed: backup ${latest.name} disappeared`));
        await sandbox.writeFile(RESTORE_ARCHIVE, toBase64(new Uint8Array(await object.arrayBuffer())), { encoding: "base64" });
        const restored = await sandbox.exec(`mkdir -p ${INSTANCE_DIR} && tar -xzf ${RESTORE_ARCHIVE} -C ${INSTANCE_DIR} && rm -f ${RESTORE_ARCHIVE}`);
        if (restored.exitCode !== 0) throw new StartFailure(runtimeError("backup_failed", `restore failed: ${restored.stderr.trim() || `tar exited ${restored.exitCode}`}`));
        record.restoredFrom = latest.name;
        this.log("instance restored from backup", { instance: refKey(ref), backup: latest.name });
      }
    }

    await this.phase(record, "writing config");
    const p = CONTAINER_PATHS;
    const prepared = await sandbox.exec(`mkdir -p ${p.home} ${p.state} ${p.workspace} ${p.logs} && chmod 700 ${INSTANCE_DIR}`);
    if (prepared.exitCode !== 0) throw new StartFailure(runtimeError("gateway_failed", `could not prepare ${INSTANCE_DIR}: ${prepared.stderr.trim()}`));
    let token = await this.readToken(sandbox);
    if (!token) {
      token = generateToken();
      await sandbox.writeFile(p.tokenFile, `${token}\n`);
    }
    const gatewayConfig = buildGatewayConfig({ port: GATEWAY_PORT, token, workspaceDir: p.workspace, logFile: `${p.logs}/gateway.log`, model: this.config.model });
    await sandbox.writeFile(p.config, `${JSON.stringify(gatewayConfig, null, 2)}\n`);
    await sandbox.exec(`chmod 600 ${p.config} ${p.tokenFile}`);

    this.setState(record, "starting", "starting process");
    await this.saveRecord(record);
    // A gateway already running in this container (a PUT that raced us, or a record lost):
    // adopt it rather than start a second one under the same process id.
    let proc = await sandbox.getProcess(GATEWAY_PROCESS_ID);
    if (!proc || !isRunning(proc)) {
      const env: Record<string, string> = { ...gatewayIsolationEnv(p) };
      // Referenced as ${OPENCLAW_MODEL_API_KEY} by the config: never on disk, never in a backup.
      if (this.config.model) env[MODEL_API_KEY_ENV] = this.config.model.apiKey ?? "none";
      proc = await sandbox.startProcess(GATEWAY_COMMAND, { processId: GATEWAY_PROCESS_ID, env, cwd: INSTANCE_DIR });
      this.log("gateway started", { instance: refKey(ref), sandbox: record.sandboxId });
    }

    await this.phase(record, "waiting for port");
    await proc.waitForPort(GATEWAY_PORT, { mode: "tcp", timeout: Math.max(1, deadline - Date.now()) });

    await this.phase(record, "waiting for gateway handshake");
    for (;;) {
      if (Date.now() > deadline) throw new StartFailure(runtimeError("gateway_failed", `the gateway did not complete a connect handshake within ${this.config.startTimeoutMs} ms`, { retryable: true }));
      const outcome = await this.probe(await this.connectSocket(sandbox), token, 10_000);
      if (outcome.kind === "ready") {
        record.gatewayVersion = outcome.serverVersion ?? null;
        record.readyAtMs = Date.now();
        record.startupMs = record.readyAtMs - (record.startedAtMs ?? record.readyAtMs);
        this.setState(record, "ready", "ready");
        await this.saveRecord(record);
        this.log("gateway ready", { instance: refKey(ref), startupMs: record.startupMs });
        return;
      }
      if (outcome.kind === "fatal") throw new StartFailure(runtimeError("gateway_failed", `the gateway refused the runtime's connect: ${outcome.code}: ${outcome.message}`));
      await sleep(Math.min(Math.max(outcome.afterMs, 200), 2_000));
    }
  }

  private async failed(record: InstanceRecord, error: RuntimeError): Promise<Result<never>> {
    record.error = error;
    this.setState(record, "error", "failed");
    await this.saveRecord(record);
    this.log("gateway failed", { instance: `${record.workspaceId}/${record.instanceId}`, code: error.code, message: error.message });
    return errResult(error);
  }

  /** A fresh upstream request: no header of the caller reaches the gateway (no Origin, no X-Forwarded-For). */
  private async connectSocket(sandbox: SandboxLike): Promise<SocketLike> {
    const response = await sandbox.wsConnect(new Request("http://gateway.internal/", { headers: { Upgrade: "websocket" } }), GATEWAY_PORT);
    const socket = (response as Response & { webSocket?: SocketLike | null }).webSocket;
    if (!socket) throw new StartFailure(runtimeError("gateway_unavailable", `the gateway did not accept a WebSocket (HTTP ${response.status})`, { retryable: true }));
    return socket;
  }

  /**
   * The token file's content, or undefined when it is missing or too short. Other SDK
   * failures (the container is unavailable) are swallowed too, unless `rethrow` asks for them.
   */
  private async readToken(sandbox: SandboxLike, rethrow = false): Promise<string | undefined> {
    try {
      const token = (await sandbox.readFile(CONTAINER_PATHS.tokenFile)).content.trim();
      return token.length >= MIN_GATEWAY_TOKEN_LENGTH ? token : undefined;
    } catch (error) {
      if (rethrow && classifySandboxError(error) !== "file_not_found") throw error;
      return undefined;
    }
  }

  private async hasState(sandbox: SandboxLike): Promise<boolean> {
    return (await sandbox.exec(`test -d ${CONTAINER_PATHS.state}`)).exitCode === 0;
  }

  private async stopGateway(sandbox: SandboxLike): Promise<void> {
    const proc = await sandbox.getProcess(GATEWAY_PROCESS_ID);
    if (!proc || !isRunning(proc)) return;
    await sandbox.killProcess(GATEWAY_PROCESS_ID, "SIGTERM");
    const deadline = Date.now() + this.config.stopTimeoutMs;
    for (;;) {
      const current = await sandbox.getProcess(GATEWAY_PROCESS_ID);
      if (!current || !isRunning(current)) return;
      if (Date.now() > deadline) {
        await sandbox.killProcess(GATEWAY_PROCESS_ID, "SIGKILL");
        return;
      }
      await sleep(250);
    }
  }

  /** Archives the container's instance dir (consistent SQLite snapshots) into R2 at `key`. */
  private async snapshotTo(sandbox: SandboxLike, key: string): Promise<Result<BackupInfo>> {
    try {
      if (!(await this.hasState(sandbox))) return errResult(runtimeError("not_found", "the instance has no state to back up"));
      const made = await sandbox.exec(`node ${SNAPSHOT_SCRIPT} ${shellQuote(INSTANCE_DIR)} ${shellQuote(STAGED_ARCHIVE)}`, { timeout: 300_000 });
      if (made.exitCode !== 0) return errResult(runtimeError("backup_failed", `backup failed: ${made.stderr.trim() || `exit code ${made.exitCode}`}`));
      // base64 over the SDK's file API: fine for state of tens of MB (caches and logs are left out).
      const file = await sandbox.readFile(STAGED_ARCHIVE, { encoding: "base64" });
      const bytes = fromBase64(file.content);
      await this.bucket.put(key, bytes, { httpMetadata: { contentType: "application/gzip" } });
      await sandbox.exec(`rm -f ${STAGED_ARCHIVE}`);
      const name = key.slice(key.lastIndexOf("/") + 1);
      return okResult({ name, path: key, sizeBytes: bytes.byteLength, createdAt: new Date().toISOString() });
    } catch (error) {
      return errResult(mapSandboxError(error, "backup_failed", "backup failed"));
    }
  }

  /**
   * The record plus what only the container knows: whether the gateway still runs. Only
   * instances that should be running are asked (asking a container starts it).
   */
  private async liveStatus(record: InstanceRecord): Promise<InstanceStatus> {
    if ((record.state === "provisioning" || record.state === "starting") && Date.now() - (record.startedAtMs ?? 0) > this.config.startTimeoutMs + STALE_START_MARGIN_MS) {
      // The request that ran this start is gone (the Worker was evicted or redeployed mid-start):
      // report it, so the next PUT or restart starts again instead of waiting forever.
      record.error = runtimeError("gateway_failed", "the start was interrupted; provision or restart again", { retryable: true });
      this.setState(record, "error", "failed");
      await this.saveRecord(record);
    }
    if (record.state !== "ready") return this.toStatus(record, null);
    try {
      const proc = await this.sandboxFor(record).getProcess(GATEWAY_PROCESS_ID);
      if (proc && isRunning(proc)) return this.toStatus(record, proc.pid ?? null);
      const lost = runtimeError("gateway_failed", proc ? `the gateway exited unexpectedly (exit code ${proc.exitCode ?? "unknown"})` : "the gateway is not running (it exited, or its container restarted)", {
        retryable: true,
        details: { exitCode: proc?.exitCode ?? null },
      });
      record.error = lost;
      this.setState(record, "error", "failed");
      await this.saveRecord(record);
      return this.toStatus(record, null);
    } catch (error) {
      // Not persisted: the container may only be unreachable for a moment.
      return { ...this.toStatus(record, null), state: "error", phase: "failed", error: mapSandboxError(error, "gateway_unavailable", "status") };
    }
  }

  private toStatus(record: InstanceRecord, pid: number | null): InstanceStatus {
    return {
      workspaceId: record.workspaceId,
      instanceId: record.instanceId,
      state: record.state,
      phase: record.phase,
      progress: progressOf(record),
      phases: record.phases.map((p) => ({ ...p })),
      port: record.startedAtMs === null ? null : GATEWAY_PORT,
      pid,
      gatewayVersion: record.gatewayVersion,
      createdAt: record.createdAt,
      startedAt: record.startedAtMs === null ? null : new Date(record.startedAtMs).toISOString(),
      readyAt: record.readyAtMs === null ? null : new Date(record.readyAtMs).toISOString(),
      startupMs: record.startupMs,
      restarts: record.restarts,
      restoredFrom: record.restoredFrom,
      error: record.error,
      version: record.version,
    };
  }

  private setState(record: InstanceRecord, state: InstanceState, phase: Phase): void {
    enterPhase(record, state, phase);
    record.version++;
  }

  private async phase(record: InstanceRecord, phase: Phase): Promise<void> {
    this.setState(record, record.state, phase);
    await this.saveRecord(record);
  }

  private async saveRecord(record: InstanceRecord): Promise<void> {
    await this.bucket.put(recordKey(record), JSON.stringify(record), { httpMetadata: { contentType: "application/json" }, customMetadata: { state: record.state } });
  }

  private async readRecord(ref: InstanceRef): Promise<InstanceRecord | undefined> {
    return this.readRecordKey(recordKey(ref));
  }

  private async readRecordKey(key: string): Promise<InstanceRecord | undefined> {
    const object = await this.bucket.get(key);
    return object ? (JSON.parse(await object.text()) as InstanceRecord) : undefined;
  }

  private async listAll(prefix: string, withMetadata: boolean): Promise<BucketObjectLike[]> {
    const found: BucketObjectLike[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, ...(cursor ? { cursor } : {}), ...(withMetadata ? { include: ["customMetadata" as const] } : {}) });
      found.push(...page.objects);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return found;
  }
}

function isRunning(proc: SandboxProcessLike): boolean {
  return proc.status === "running" || proc.status === "starting";
}
