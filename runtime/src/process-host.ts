// The process host: one real `openclaw` gateway per instance, as a child process with its
// own directory (instance-dir.ts), loopback port and generated token. The start sequence is
// the shared one (gateway-start.ts); the child process itself is gateway-process.ts.
import type { ChildProcess } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RuntimeError } from "../../shared/runtime/errors";
import { ACTIVE_STATES, type InstanceState, type Phase } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import type { GatewayCredentials, SkillRemoved } from "../../shared/runtime/responses";
import type { InstanceStatus } from "../../shared/runtime/status";
import type { BackupStore } from "./backup";
import type { RuntimeConfig } from "./config";
import { errResult, okResult, runtimeError, type Result } from "./errors";
import { gatewaySources, inPlaceGatewayFiles, type GatewayFiles } from "./gateway-files";
import { isAlive, signalGroup, spawnGateway, stopGatewayProcess } from "./gateway-process";
import { neverStarted, runGatewayStart, StartFailure, type GatewayStartAdapter } from "./gateway-start";
import {
  enterPhase,
  notReady,
  type BackupInfo,
  type GatewayTarget,
  type HostDeleteOutcome,
  type ProvisionOutcome,
  type RuntimeHost,
} from "./host";
import { refKey } from "./ids";
import { readGatewayToken } from "./instance-dir";
import { removeSkillFolder } from "./skill-folder";
import type { GatewayModelSource } from "./model-passthrough";
import { chooseGatewayPort } from "./ports";
import { checkGatewayCaps } from "./gateway-caps";
import { processStartAdapter } from "./process-start";
import { type InstanceRecord, statusOf } from "./process-record";
import type { TenantUsers } from "./tenant-users";

type Logger = (message: string, fields?: Record<string, unknown>) => void;

/** How tenants are kept apart (server.ts decides): own OS users (root only), and the model through the pass-through. */
export interface HostTenancy {
  users?: TenantUsers;
  models?: GatewayModelSource;
  /** What gateways run (a copy their users can read, as root); by default the files where they are. */
  files?: GatewayFiles;
}

export class ProcessHost implements RuntimeHost {
  private readonly records = new Map<string, InstanceRecord>();
  /** Device and node sockets open through the runtime's proxy, per instance: they keep it awake. */
  private readonly deviceSockets = new Map<string, number>();
  private readonly changes = new EventEmitter();
  private readonly killAllOnExit = () => this.killAllNow();
  private closed = false;
  private readonly files: GatewayFiles;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly backups: BackupStore,
    private readonly log: Logger = () => {},
    private readonly tenancy: HostTenancy = {},
  ) {
    this.files = tenancy.files ?? inPlaceGatewayFiles(gatewaySources(config.openclawEntry));
    this.changes.setMaxListeners(0);
    // Last resort when the host exits without running shutdown(): synchronous, so it works
    // from process.on("exit"). SIGKILL of the host is covered by the gateway-side watchdog.
    process.on("exit", this.killAllOnExit);
  }

  get maxGateways(): number {
    return this.config.maxGateways;
  }

  /** How long a start may take to reach ready (a wake is a start). */
  get startTimeoutMs(): number {
    return this.config.startTimeoutMs;
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
    return record ? okResult(statusOf(record)) : errResult(this.notFound(ref));
  }

  list(workspaceId: string): InstanceStatus[] {
    return [...this.records.values()].filter((r) => r.ref.workspaceId === workspaceId).map((r) => statusOf(r));
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
      return errResult(notReady(ref, record.state, record.phase, `is ${record.state} (${record.phase})`));
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
    const token = record.token ?? readGatewayToken(record.dir);
    if (token === undefined)
      return errResult(notReady(ref, record.state, record.phase, `has no gateway token yet (${record.phase})`));
    return okResult({ token });
  }

  /** Idempotent: a running or starting instance is returned as is (same port, same process). */
  provision(ref: InstanceRef): Promise<Result<ProvisionOutcome>> {
    if (this.closed)
      return Promise.resolve(errResult(runtimeError("conflict", "the runtime is shutting down", { retryable: true })));
    const key = refKey(ref);
    let record = this.records.get(key);
    if (record?.deleted) return Promise.resolve(errResult(this.beingDeleted(ref)));
    if (record && ACTIVE_STATES.has(record.state))
      return Promise.resolve(okResult({ status: statusOf(record), started: false }));
    // The cap check and the record's creation happen synchronously, so two concurrent
    // provisions cannot both pass the check.
    const capacity = this.checkCapacity(ref.workspaceId);
    if (!capacity.ok) return Promise.resolve(capacity);
    if (!record) {
      record = this.newRecord(ref);
      this.records.set(key, record);
    }
    const target = record;
    this.beginStart(target, "provisioning");
    return Promise.resolve(okResult({ status: statusOf(target), started: true }));
  }

  restart(ref: InstanceRef): Promise<Result<InstanceStatus>> {
    const record = this.records.get(refKey(ref));
    if (!record) return Promise.resolve(errResult(this.notFound(ref)));
    if (record.deleted) return Promise.resolve(errResult(this.beingDeleted(ref)));
    if (!ACTIVE_STATES.has(record.state)) {
      const capacity = this.checkCapacity(ref.workspaceId);
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
      return okResult(statusOf(record));
    });
  }

  /**
   * Stops a ready gateway's process and keeps its directory (decision 78): asleep counts
   * against no cap, and a provision starts it again from the same state, port and token.
   */
  sleep(ref: InstanceRef): Promise<Result<InstanceStatus>> {
    const key = refKey(ref);
    const record = this.records.get(key);
    if (!record || record.deleted) return Promise.resolve(errResult(this.notFound(ref)));
    if (record.state === "asleep") return Promise.resolve(okResult(statusOf(record)));
    if (record.state !== "ready")
      return Promise.resolve(
        errResult(
          runtimeError("conflict", `instance ${key} is ${record.state} (${record.phase}): only a ready gateway sleeps`),
        ),
      );
    if ((this.deviceSockets.get(key) ?? 0) > 0)
      return Promise.resolve(
        errResult(
          runtimeError("conflict", `instance ${key} stays awake: a device or node is connected`, { retryable: true }),
        ),
      );
    // Claimed now: a start that came first wins, and one that comes later waits behind the stop.
    record.generation++;
    this.setState(record, "asleep", "stopping");
    return this.enqueue(record, async () => {
      await this.stopProcess(record);
      if (record.deleted) return errResult(this.notFound(ref));
      if (record.state === "asleep") this.setState(record, "asleep", "asleep");
      this.log("gateway asleep", { instance: key });
      return okResult(statusOf(record));
    });
  }

  /** A device or node socket through the proxy opened (+1) or closed (-1): an instance with one does not sleep. */
  deviceSocket(ref: InstanceRef, delta: 1 | -1): void {
    const key = refKey(ref);
    const count = (this.deviceSockets.get(key) ?? 0) + delta;
    if (count > 0) this.deviceSockets.set(key, count);
    else this.deviceSockets.delete(key);
  }

  /**
   * The target of a ready gateway, waking an asleep one first (a device connecting is
   * traffic): waits for its start, up to `timeoutMs`.
   */
  async wakeTarget(ref: InstanceRef, timeoutMs: number): Promise<Result<GatewayTarget>> {
    const record = this.records.get(refKey(ref));
    if (record?.state !== "asleep") return this.gatewayTarget(ref);
    const woken = await this.provision(ref);
    if (!woken.ok) return woken;
    const deadline = Date.now() + timeoutMs;
    let version = woken.value.status.version;
    for (;;) {
      const current = this.records.get(refKey(ref));
      if (!current || current.state === "ready" || current.state === "error" || Date.now() >= deadline) break;
      const next = await this.waitForChange(ref, version, Math.max(1, deadline - Date.now()));
      if (!next.ok) return next;
      version = next.value.version;
    }
    return this.gatewayTarget(ref);
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

  pruneBackups(ref: InstanceRef, keep: number): Promise<string[]> {
    const record = this.records.get(refKey(ref));
    // In the instance's queue, so it never removes an archive a restore is reading.
    const run = async () => this.backups.prune(ref, keep);
    return record ? this.enqueue(record, run) : run();
  }

  /** A restart whose start first replaces the state directory with the chosen backup. */
  restore(ref: InstanceRef, backupName: string): Promise<Result<InstanceStatus>> {
    const backup = this.backups.list(ref).find((b) => b.name === backupName);
    if (!backup)
      return Promise.resolve(
        errResult(runtimeError("not_found", `instance ${refKey(ref)} has no backup ${backupName}`)),
      );
    const record = this.records.get(refKey(ref));
    if (!record) return Promise.resolve(errResult(this.notFound(ref)));
    record.restoreChoice = backup;
    return this.restart(ref).then((restarted) => {
      // Refused (capacity, being deleted): no start will consume the choice.
      if (!restarted.ok) record.restoreChoice = undefined;
      return restarted;
    });
  }

  /** In the instance's queue, so it never races a restore replacing the state or a delete. */
  removeSkill(ref: InstanceRef, slug: string): Promise<Result<SkillRemoved>> {
    const record = this.records.get(refKey(ref));
    if (!record || record.deleted) return Promise.resolve(errResult(this.notFound(ref)));
    return this.enqueue(record, async () => {
      const removed = removeSkillFolder(record.dir, slug);
      if (removed.ok)
        this.log("skill removed", {
          instance: refKey(ref),
          slug,
          removed: removed.value.removed,
        });
      return removed;
    });
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
      this.tenancy.models?.revoke(ref);
      this.tenancy.users?.release(ref);
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

  private checkCapacity(workspaceId: string): Result<never> | { ok: true } {
    return checkGatewayCaps(workspaceId, this.records.values(), this.config);
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
      ...neverStarted(),
      error: undefined,
      recentOutput: [],
      user: this.tenancy.users?.userFor(ref),
      queue: Promise.resolve(),
    };
  }

  private enqueue<T>(record: InstanceRecord, operation: () => Promise<T>): Promise<T> {
    const next = record.queue.then(operation, operation);
    record.queue = next.catch(() => undefined);
    return next;
  }

  private changed(record: InstanceRecord): void {
    record.version++;
    this.changes.emit(refKey(record.ref));
  }

  private setState(record: InstanceRecord, state: InstanceState, phase: Phase): void {
    enterPhase(record, state, phase);
    this.changed(record);
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
    record.readyAtMs = null;
    record.startupMs = null;
    record.recentOutput = [];
    record.progress = 0;
    this.setState(record, state, "queued");
    void this.enqueue(record, () =>
      runGatewayStart(this.startAdapter(record, generation)).catch((error: unknown) => {
        if (record.generation !== generation) return;
        this.fail(
          record,
          error instanceof StartFailure
            ? error.error
            : runtimeError("internal", `start failed: ${(error as Error).message}`),
        );
        return this.stopProcess(record);
      }),
    );
  }

  private startAdapter(record: InstanceRecord, generation: number): GatewayStartAdapter {
    return processStartAdapter({
      record,
      generation,
      config: this.config,
      gatewayModel: () => this.tenancy.models?.gatewayModel(record.ref),
      backups: this.backups,
      log: this.log,
      enter: (state, phase) => this.setState(record, state, phase),
      choosePort: () =>
        chooseGatewayPort(
          record.port,
          new Set([...this.records.values()].flatMap((r) => (r !== record && r.port !== undefined ? [r.port] : []))),
        ),
      spawn: (port, token, env) => this.spawn(record, port, token, env),
    });
  }

  private spawn(record: InstanceRecord, port: number, token: string, env: Record<string, string>): ChildProcess {
    const child = spawnGateway({
      files: this.files,
      cwd: record.dir,
      port,
      token,
      env,
      recentOutput: record.recentOutput,
      user: record.user,
    });
    record.child = child;
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
        runtimeError(
          "gateway_failed",
          `the gateway exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`,
          {
            retryable: true,
            details: { exitCode: code, signal, recentOutput: record.recentOutput.slice(-10) },
          },
        ),
      );
    });
    return child;
  }

  private async stopProcess(record: InstanceRecord): Promise<void> {
    const child = record.child;
    if (!isAlive(child)) return;
    record.stopping = true;
    try {
      const clean = await stopGatewayProcess(child, this.config.stopTimeoutMs);
      if (!clean)
        this.log("gateway did not stop in time; killed its process group", {
          instance: refKey(record.ref),
          pid: child.pid,
        });
    } finally {
      record.stopping = false;
    }
  }
}
