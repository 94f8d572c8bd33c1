// The process host: one real `openclaw` gateway per instance, as a child process with its
// own directory, loopback port and generated token.
//
// Instance directory (<dataDir>/instances/<workspace>/<instance>/, mode 0700):
//   openclaw.json   the gateway config (OPENCLAW_CONFIG_PATH), rewritten at every start
//   gateway-token   the gateway's auth token (0600), kept across restarts and backups
//   home/           HOME and OPENCLAW_HOME
//   state/          OPENCLAW_STATE_DIR (SQLite state, sessions, approvals)
//   workspace/      the agent's workspace
//   logs/           the gateway's own log file
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { EventEmitter, once } from "node:events";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { BackupStore } from "./backup";
import { WATCHDOG_MODULE, type RuntimeConfig } from "./config";
import type { RuntimeError } from "../../shared/runtime/errors";
import { ACTIVE_STATES, type InstanceState, type Phase, type PhaseEntry } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import type { GatewayCredentials } from "../../shared/runtime/responses";
import type { InstanceStatus } from "../../shared/runtime/status";
import { errResult, okResult, runtimeError, type Result } from "./errors";
import { buildGatewayConfig, gatewayIsolationEnv, MIN_GATEWAY_TOKEN_LENGTH, MODEL_API_KEY_ENV } from "./gateway-config";
import { probeGateway } from "./gateway-probe";
import { enterPhase, progressOf, type BackupInfo, type GatewayTarget, type HostDeleteOutcome, type ProvisionOutcome, type RuntimeHost } from "./host";
import { refKey } from "./ids";
import { freeLoopbackPort, isPortFree, isPortOpen } from "./ports";

interface InstanceRecord {
  ref: InstanceRef;
  dir: string;
  state: InstanceState;
  phase: Phase;
  phaseSince: number;
  phases: PhaseEntry[];
  progress: number;
  port: number | undefined;
  token: string | undefined;
  child: ChildProcess | undefined;
  /** Bumped by every start, stop and delete: a start loop of an older generation gives up. */
  generation: number;
  stopping: boolean;
  deleted: boolean;
  createdAt: string;
  startedAtMs: number | undefined;
  readyAtMs: number | undefined;
  startupMs: number | undefined;
  restarts: number;
  restoredFrom: string | undefined;
  gatewayVersion: string | undefined;
  error: RuntimeError | undefined;
  version: number;
  recentOutput: string[];
  /** Operations on one instance run one after another. */
  queue: Promise<unknown>;
}

type Logger = (message: string, fields?: Record<string, unknown>) => void;

const RECENT_OUTPUT_LINES = 40;
/** Host environment passed through to gateways. Everything else (the service token!) stays out. */
const PASSED_ENV = ["PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the child's whole process group (it is spawned detached, as the leader).
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function isAlive(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

export class ProcessHost implements RuntimeHost {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly changes = new EventEmitter();
  private readonly killAllOnExit = () => this.killAllNow();
  private closed = false;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly backups: BackupStore,
    private readonly log: Logger = () => {},
  ) {
    this.changes.setMaxListeners(0);
    // Last resort when the host exits without running shutdown(): synchronous, so it works
    // from process.on("exit"). SIGKILL of the host is covered by the gateway-side watchdog.
    process.on("exit", this.killAllOnExit);
  }

  get maxGateways(): number {
    return this.config.maxGateways;
  }

  activeCount(): number {
    let count = 0;
    for (const record of this.records.values()) if (ACTIVE_STATES.has(record.state)) count++;
    return count;
  }

  instanceDir(ref: InstanceRef): string {
    return join(this.config.dataDir, "instances", ref.workspaceId, ref.instanceId);
  }

  status(ref: InstanceRef): Result<InstanceStatus> {
    const record = this.records.get(refKey(ref));
    return record ? okResult(this.toStatus(record)) : errResult(this.notFound(ref));
  }

  list(workspaceId: string): InstanceStatus[] {
    return [...this.records.values()].filter((r) => r.ref.workspaceId === workspaceId).map((r) => this.toStatus(r));
  }

  /**
   * Resolves when the instance's status version passes `sinceVersion`, or after timeoutMs,
   * with the current status either way (long polling for the caller's progress display).
   */
  async waitForChange(ref: InstanceRef, sinceVersion: number, timeoutMs: number): Promise<Result<InstanceStatus>> {
    const key = refKey(ref);
    const record = this.records.get(key);
    if (!record) return errResult(this.notFound(ref));
    if (record.version <= sinceVersion) {
      const signal = AbortSignal.timeout(timeoutMs);
      await once(this.changes, key, { signal }).catch(() => undefined);
    }
    return this.status(ref);
  }

  /** Token and port of a ready gateway, for the WebSocket proxy only. */
  gatewayTarget(ref: InstanceRef): Result<GatewayTarget> {
    const record = this.records.get(refKey(ref));
    if (!record) return errResult(this.notFound(ref));
    if (record.state !== "ready" || record.port === undefined || record.token === undefined) {
      return errResult(runtimeError("not_ready", `instance ${refKey(ref)} is ${record.state} (${record.phase})`, { retryable: record.state !== "error" && record.state !== "stopped", details: { state: record.state, phase: record.phase } }));
    }
    return okResult({ port: record.port, token: record.token });
  }

  /**
   * The gateway token of an instance this runtime knows, ready or not (it is the same across
   * restarts), for `GET …/:id/credentials`. `not_ready` only before the first start has
   * written it.
   */
  credentials(ref: InstanceRef): Result<GatewayCredentials> {
    const record = this.records.get(refKey(ref));
    if (!record) return errResult(this.notFound(ref));
    const token = record.token ?? this.readToken(join(record.dir, "gateway-token"));
    if (token === undefined) {
      return errResult(runtimeError("not_ready", `instance ${refKey(ref)} has no gateway token yet (${record.phase})`, { retryable: record.state !== "error" && record.state !== "stopped", details: { state: record.state, phase: record.phase } }));
    }
    return okResult({ token });
  }

  /** Idempotent: a running or starting instance is returned as is (same port, same process). */
  provision(ref: InstanceRef): Promise<Result<ProvisionOutcome>> {
    if (this.closed) return Promise.resolve(errResult(runtimeError("conflict", "the runtime is shutting down", { retryable: true })));
    const key = refKey(ref);
    let record = this.records.get(key);
    if (record?.deleted) return Promise.resolve(errResult(this.beingDeleted(ref)));
    if (record && ACTIVE_STATES.has(record.state)) return Promise.resolve(okResult({ status: this.toStatus(record), started: false }));
    // The cap check and the record's creation happen synchronously, so two concurrent
    // provisions cannot both pass the check.
    const capacity = this.checkCapacity();
    if (!capacity.ok) return Promise.resolve(capacity);
    if (!record) {
      record = this.newRecord(ref);
      this.records.set(key, record);
    }
    const target = record;
    this.beginStart(target, "provisioning");
    return Promise.resolve(okResult({ status: this.toStatus(target), started: true }));
  }

  restart(ref: InstanceRef): Promise<Result<InstanceStatus>> {
    const record = this.records.get(refKey(ref));
    if (!record) return Promise.resolve(errResult(this.notFound(ref)));
    if (record.deleted) return Promise.resolve(errResult(this.beingDeleted(ref)));
    if (!ACTIVE_STATES.has(record.state)) {
      const capacity = this.checkCapacity();
      if (!capacity.ok) return Promise.resolve(capacity);
    }
    record.restarts++;
    // Claim the slot now (state "provisioning"), stop the old process, then start again.
    record.generation++;
    this.setState(record, "provisioning", "stopping");
    return this.enqueue(record, async () => {
      await this.stopProcess(record);
      if (record.deleted) return errResult(this.notFound(ref));
      this.beginStart(record, "provisioning");
      return okResult(this.toStatus(record));
    });
  }

  backup(ref: InstanceRef): Promise<Result<BackupInfo>> {
    const record = this.records.get(refKey(ref));
    const dir = this.instanceDir(ref);
    if (!record && !existsSync(dir)) return Promise.resolve(errResult(this.notFound(ref)));
    const run = () => this.backups.create(ref, dir);
    return record ? this.enqueue(record, run) : run();
  }

  listBackups(ref: InstanceRef): BackupInfo[] {
    return this.backups.list(ref);
  }

  /** Teardown: stop the gateway, then remove or archive its directory and backups. */
  async delete(ref: InstanceRef): Promise<Result<HostDeleteOutcome>> {
    const key = refKey(ref);
    const record = this.records.get(key);
    const dir = this.instanceDir(ref);
    if (!record && !existsSync(dir) && this.backups.list(ref).length === 0) return errResult(this.notFound(ref));
    if (record) {
      // At once, not in the queue: a start in progress must give up rather than finish first.
      record.deleted = true;
      record.generation++;
    }
    const teardown = async (): Promise<Result<HostDeleteOutcome>> => {
      if (record) {
        await this.stopProcess(record);
        this.setState(record, "stopped", "stopped");
        this.records.delete(key);
      }
      let archive: BackupInfo | null = null;
      if (this.config.deleteMode === "archive") {
        const archived = await this.backups.archive(ref, dir);
        if (!archived.ok) return archived;
        archive = archived.value ?? null;
      } else {
        this.backups.removeAll(ref);
      }
      rmSync(dir, { recursive: true, force: true });
      this.log("instance deleted", { instance: key, mode: this.config.deleteMode });
      return okResult({ deleted: true, mode: this.config.deleteMode, archive });
    };
    return record ? this.enqueue(record, teardown) : teardown();
  }

  /** Stops every gateway (SIGTERM, then SIGKILL after the stop timeout). */
  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.records.values()].map(async (record) => {
        record.generation++;
        await this.stopProcess(record);
        if (record.state !== "error") this.setState(record, "stopped", "stopped");
      }),
    );
    process.off("exit", this.killAllOnExit);
  }

  /** Synchronous SIGKILL of every gateway group: for exit paths that cannot wait. */
  killAllNow(): void {
    for (const record of this.records.values()) {
      if (isAlive(record.child) && record.child.pid !== undefined) signalGroup(record.child.pid, "SIGKILL");
    }
  }

  // --- internals -------------------------------------------------------------------------

  private notFound(ref: InstanceRef): RuntimeError {
    return runtimeError("not_found", `no instance ${refKey(ref)}`);
  }

  private beingDeleted(ref: InstanceRef): RuntimeError {
    return runtimeError("conflict", `instance ${refKey(ref)} is being deleted`, { retryable: true });
  }

  private checkCapacity(): Result<never> | { ok: true } {
    const active = this.activeCount();
    if (active >= this.config.maxGateways) {
      return errResult(
        runtimeError("capacity_exceeded", `this runtime already runs ${active} of at most ${this.config.maxGateways} gateways (each needs about 1 GB of memory); delete or stop an instance first`, {
          retryable: false,
          details: { maxGateways: this.config.maxGateways, activeGateways: active },
        }),
      );
    }
    return { ok: true };
  }

  private newRecord(ref: InstanceRef): InstanceRecord {
    return {
      ref,
      dir: this.instanceDir(ref),
      state: "provisioning",
      phase: "writing config",
      phaseSince: Date.now(),
      phases: [],
      progress: 0,
      port: undefined,
      token: undefined,
      child: undefined,
      generation: 0,
      stopping: false,
      deleted: false,
      createdAt: new Date().toISOString(),
      startedAtMs: undefined,
      readyAtMs: undefined,
      startupMs: undefined,
      restarts: 0,
      restoredFrom: undefined,
      gatewayVersion: undefined,
      error: undefined,
      version: 0,
      recentOutput: [],
      queue: Promise.resolve(),
    };
  }

  private enqueue<T>(record: InstanceRecord, operation: () => Promise<T>): Promise<T> {
    const next = record.queue.then(operation, operation);
    record.queue = next.catch(() => undefined);
    return next;
  }

  private toStatus(record: InstanceRecord): InstanceStatus {
    return {
      workspaceId: record.ref.workspaceId,
      instanceId: record.ref.instanceId,
      state: record.state,
      phase: record.phase,
      progress: progressOf(record),
      phases: record.phases.map((p) => ({ ...p })),
      port: record.port ?? null,
      pid: isAlive(record.child) ? (record.child.pid ?? null) : null,
      gatewayVersion: record.gatewayVersion ?? null,
      createdAt: record.createdAt,
      startedAt: record.startedAtMs === undefined ? null : new Date(record.startedAtMs).toISOString(),
      readyAt: record.readyAtMs === undefined ? null : new Date(record.readyAtMs).toISOString(),
      startupMs: record.startupMs ?? null,
      restarts: record.restarts,
      restoredFrom: record.restoredFrom ?? null,
      error: record.error ?? null,
      version: record.version,
    };
  }

  private changed(record: InstanceRecord): void {
    record.version++;
    this.changes.emit(refKey(record.ref));
  }

  private setState(record: InstanceRecord, state: InstanceState, phase: Phase): void {
    enterPhase(record, state, phase);
    this.changed(record);
  }

  private setPhase(record: InstanceRecord, phase: Phase): void {
    this.setState(record, record.state, phase);
  }

  private fail(record: InstanceRecord, error: RuntimeError): void {
    record.error = error;
    this.setState(record, "error", "failed");
    this.log("gateway failed", { instance: refKey(record.ref), code: error.code, message: error.message });
  }

  private beginStart(record: InstanceRecord, state: InstanceState): void {
    const generation = ++record.generation;
    record.error = undefined;
    record.phases = [];
    record.startedAtMs = Date.now();
    record.readyAtMs = undefined;
    record.startupMs = undefined;
    record.recentOutput = [];
    record.progress = 0;
    this.setState(record, state, "queued");
    void this.enqueue(record, () =>
      this.runStart(record, generation).catch((error: unknown) => {
        if (record.generation !== generation) return;
        this.fail(record, runtimeError("internal", `start failed: ${(error as Error).message}`));
        void this.stopProcess(record);
      }),
    );
  }

  private async runStart(record: InstanceRecord, generation: number): Promise<void> {
    const current = () => record.generation === generation && !record.deleted;
    const deadline = Date.now() + this.config.startTimeoutMs;

    // Restore-on-start: no state directory but a backup → start from the latest backup.
    if (!existsSync(record.dir)) {
      const latest = this.backups.latest(record.ref);
      if (latest) {
        this.setPhase(record, "restoring backup");
        const restored = await this.backups.restore(latest.path, record.dir);
        if (!current()) return;
        if (!restored.ok) return this.fail(record, restored.error);
        record.restoredFrom = latest.name;
        this.log("instance restored from backup", { instance: refKey(record.ref), backup: latest.name });
      }
    }

    this.setPhase(record, "writing config");
    const paths = this.prepareDirectory(record);
    record.token = this.readOrCreateToken(paths.tokenFile);
    record.port = await this.choosePort(record);
    if (!current()) return;
    const gatewayConfig = buildGatewayConfig({ port: record.port, token: record.token, workspaceDir: paths.workspace, logFile: join(paths.logs, "gateway.log"), model: this.config.model });
    writeFileSync(paths.config, `${JSON.stringify(gatewayConfig, null, 2)}\n`, { mode: 0o600 });

    this.setState(record, "starting", "starting process");
    const child = this.spawnGateway(record, paths);
    this.log("gateway started", { instance: refKey(record.ref), pid: child.pid, port: record.port });

    this.setPhase(record, "waiting for port");
    while (!(await isPortOpen(record.port, 500))) {
      if (!current() || !isAlive(child)) return;
      if (Date.now() > deadline) return this.startTimedOut(record, "the gateway port did not open");
      await delay(250);
    }

    this.setPhase(record, "waiting for gateway handshake");
    for (;;) {
      if (!current() || !isAlive(child)) return;
      if (Date.now() > deadline) return this.startTimedOut(record, "the gateway did not complete a connect handshake");
      const outcome = await probeGateway(record.port, record.token, 10_000);
      if (!current() || !isAlive(child)) return;
      if (outcome.kind === "ready") {
        record.gatewayVersion = outcome.serverVersion;
        record.readyAtMs = Date.now();
        record.startupMs = record.readyAtMs - (record.startedAtMs ?? record.readyAtMs);
        this.setState(record, "ready", "ready");
        this.log("gateway ready", { instance: refKey(record.ref), port: record.port, startupMs: record.startupMs });
        return;
      }
      if (outcome.kind === "fatal") {
        this.fail(record, runtimeError("gateway_failed", `the gateway refused the runtime's connect: ${outcome.code}: ${outcome.message}`));
        await this.stopProcess(record);
        return;
      }
      await delay(Math.min(Math.max(outcome.afterMs, 200), 2_000));
    }
  }

  private async startTimedOut(record: InstanceRecord, what: string): Promise<void> {
    this.fail(record, runtimeError("gateway_failed", `${what} within ${this.config.startTimeoutMs} ms`, { retryable: true, details: { recentOutput: record.recentOutput.slice(-10) } }));
    await this.stopProcess(record);
  }

  private prepareDirectory(record: InstanceRecord) {
    const dir = record.dir;
    const paths = {
      config: join(dir, "openclaw.json"),
      tokenFile: join(dir, "gateway-token"),
      home: join(dir, "home"),
      state: join(dir, "state"),
      workspace: join(dir, "workspace"),
      logs: join(dir, "logs"),
    };
    for (const path of [dir, paths.home, paths.state, paths.workspace, paths.logs]) mkdirSync(path, { recursive: true, mode: 0o700 });
    return paths;
  }

  private readToken(file: string): string | undefined {
    if (!existsSync(file)) return undefined;
    const token = readFileSync(file, "utf8").trim();
    return token.length >= MIN_GATEWAY_TOKEN_LENGTH ? token : undefined;
  }

  private readOrCreateToken(file: string): string {
    const existing = this.readToken(file);
    if (existing !== undefined) return existing;
    const token = randomBytes(32).toString("base64url");
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return token;
  }

  /** Keeps the previous port when it is still free, so a restart changes as little as possible. */
  private async choosePort(record: InstanceRecord): Promise<number> {
    const taken = new Set([...this.records.values()].filter((r) => r !== record && r.port !== undefined).map((r) => r.port));
    if (record.port !== undefined && !taken.has(record.port) && (await isPortFree(record.port))) return record.port;
    for (;;) {
      const port = await freeLoopbackPort();
      if (!taken.has(port)) return port;
    }
  }

  private spawnGateway(record: InstanceRecord, paths: ReturnType<ProcessHost["prepareDirectory"]>): ChildProcess {
    const env: NodeJS.ProcessEnv = {};
    for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
    Object.assign(env, gatewayIsolationEnv(paths), { AUTOPILOT_RUNTIME_WATCHDOG_FD: "3" });
    // Referenced as ${OPENCLAW_MODEL_API_KEY} by the config; keyless local servers get a
    // placeholder so the reference always resolves.
    if (this.config.model) env[MODEL_API_KEY_ENV] = this.config.model.apiKey ?? "none";

    const child = spawn(process.execPath, ["--import", pathToFileURL(WATCHDOG_MODULE).href, this.config.openclawEntry, "gateway", "run", "--port", String(record.port), "--bind", "loopback"], {
      cwd: record.dir,
      env,
      // Own process group: signals reach the gateway and its helpers together, and a Ctrl-C
      // in the host's terminal reaches only the host, which then stops gateways cleanly.
      detached: true,
      // fd 3: the watchdog pipe (see gateway-watchdog.mjs). Never written, never closed by us.
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    record.child = child;
    const token = record.token ?? "";
    const capture = (chunk: Buffer) => {
      for (const raw of chunk.toString("utf8").split("\n")) {
        // eslint-disable-next-line no-control-regex
        let line = raw.replace(/\x1b\[[0-9;]*m/g, "").trimEnd();
        if (!line) continue;
        if (token) line = line.split(token).join("[redacted]");
        record.recentOutput.push(line);
        if (record.recentOutput.length > RECENT_OUTPUT_LINES) record.recentOutput.shift();
      }
    };
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);
    child.on("error", (error) => {
      if (record.child !== child) return;
      this.fail(record, runtimeError("gateway_failed", `could not start the gateway: ${error.message}`));
    });
    child.on("exit", (code, signal) => {
      if (record.child !== child) return;
      record.child = undefined;
      this.log("gateway exited", { instance: refKey(record.ref), code, signal });
      if (record.stopping || record.deleted) return;
      // Not asked to stop: a crash. The caller sees the reason; restart brings it back.
      this.fail(
        record,
        runtimeError("gateway_failed", `the gateway exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`, {
          retryable: true,
          details: { exitCode: code, signal, recentOutput: record.recentOutput.slice(-10) },
        }),
      );
    });
    return child;
  }

  private async stopProcess(record: InstanceRecord): Promise<void> {
    const child = record.child;
    if (!isAlive(child) || child.pid === undefined) return;
    record.stopping = true;
    try {
      const exited = once(child, "exit");
      signalGroup(child.pid, "SIGTERM");
      const stopped = await Promise.race([exited.then(() => true), delay(this.config.stopTimeoutMs).then(() => false)]);
      if (!stopped) {
        this.log("gateway did not stop in time; killing its process group", { instance: refKey(record.ref), pid: child.pid });
        signalGroup(child.pid, "SIGKILL");
        await exited;
      }
    } finally {
      record.stopping = false;
    }
  }
}
