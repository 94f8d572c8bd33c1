// The sandbox host: one @cloudflare/sandbox container per instance, running the same pinned
// `openclaw gateway` as the process host, with the same gateway config, isolation env,
// start sequence (runtime/src/gateway-start.ts), phases and status. A thin adapter over:
//   sandbox-boundary.ts   the SDK and R2 subsets it uses, the container layout, sandbox ids
//   sandbox-container.ts  token file, state check, gateway socket, stop
//   sandbox-start.ts      the shared start sequence in a container
//   sandbox-backups.ts    backups and archives in R2
//   instance-records.ts   per-instance records in a Durable Object (registry-object.ts)
//   model-egress.ts       the model pass-through the containers call (the operator's key stays in the Worker)
//
// Where the token lives: only in the container, in /data/instance/gateway-token (like the
// process host's instance dir), generated once on the first start and kept across restarts;
// it travels in backups (which are credentials, as on the process host) and comes back with
// a restore. It is not kept in the Worker, in R2, or in the registry: the proxy reads it
// from the container per connection, and `GET …/:id/credentials` reads it from there for the
// service-token holder (the Autopilot, whose device identity signs over it). If a container
// loses its disk without a backup, its gateway is gone too, paired devices included; the next
// start generates a new token, the Autopilot's stored device token stops working, and it
// fetches the credentials again and pairs anew. Status, list and records never contain it.
//
// Provisioning runs inside the PUT request (a Worker has no background work that may outlive
// the response by more than ~30 s, and a cold container plus the gateway takes longer): the
// PUT answers when the instance is ready (202) or failed (error envelope). Status and the long
// poll read the record that the running PUT updates phase by phase.
import type { RuntimeError } from "../../shared/runtime/errors";
import { ACTIVE_STATES, type InstanceState, type Phase } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import type { GatewayCredentials, SkillRemoved } from "../../shared/runtime/responses";
import type { InstanceStatus } from "../../shared/runtime/status";
import { errResult, okResult, runtimeError, type Result } from "../src/errors";
import type { GatewayCaps } from "../src/gateway-caps";
import type { ProbeOutcome } from "../src/gateway-handshake";
import { neverStarted, runGatewayStart, StartFailure } from "../src/gateway-start";
import {
  enterPhase,
  notReady,
  type BackupInfo,
  type HostDeleteOutcome,
  type ProvisionOutcome,
  type RuntimeHost,
} from "../src/host";
import { deviceForwardedFor, skillSlugSchema } from "../../shared/runtime/requests";
import { refKey } from "../src/ids";
import { instanceStatus } from "../src/instance-status";
import { probeOverSocket, type SocketLike } from "./gateway-socket";
import type { InstanceRecord, InstanceStoreLike } from "./instance-records";
import type { ModelStoreLike } from "./model-records";
import {
  CONTAINER_PATHS,
  GATEWAY_PORT,
  GATEWAY_PROCESS_ID,
  isRunning,
  SANDBOX_OPTIONS,
  sandboxId,
  type BucketLike,
  type SandboxFactory,
  type SandboxLike,
} from "./sandbox-boundary";
import {
  archivePrefix,
  backupPrefix,
  listBackups,
  pruneBackups,
  retireBackups,
  snapshotTo,
  timestampName,
} from "./sandbox-backups";
import type { SandboxHostConfig } from "./sandbox-config";
import { connectSocket, hasState, readToken, removeSkillScript, sleep, stopGateway } from "./sandbox-container";
import { mapSandboxError } from "./sandbox-errors";
import { sandboxStartAdapter } from "./sandbox-start";

/** A start older than the start timeout plus this is taken as interrupted. */
const STALE_START_MARGIN_MS = 60_000;

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
    private readonly config: Omit<SandboxHostConfig, "serviceToken" | "tenantKeys">,
    private readonly getSandbox: SandboxFactory,
    private readonly bucket: BucketLike,
    /** The registry: instance records, and the model pass-through's credentials. */
    private readonly records: InstanceStoreLike & ModelStoreLike,
    options: SandboxHostOptions = {},
  ) {
    this.log = options.log ?? (() => {});
    this.probe = options.probe ?? probeOverSocket;
    this.pollMs = options.pollMs ?? 1_000;
  }

  get maxGateways(): number {
    return this.config.maxGateways;
  }

  /** Only the caps travel to the registry, not the rest of the config (the model key). */
  private get caps(): GatewayCaps {
    return { maxGateways: this.config.maxGateways, maxGatewaysPerWorkspace: this.config.maxGatewaysPerWorkspace };
  }

  activeCount(): Promise<number> {
    return this.records.activeCount();
  }

  async list(workspaceId: string): Promise<InstanceStatus[]> {
    return Promise.all((await this.records.list(workspaceId)).map((r) => this.liveStatus(r)));
  }

  async status(ref: InstanceRef): Promise<Result<InstanceStatus>> {
    const record = await this.records.get(ref);
    return record ? okResult(await this.liveStatus(record)) : errResult(this.notFound(ref));
  }

  async waitForChange(ref: InstanceRef, sinceVersion: number, timeoutMs: number): Promise<Result<InstanceStatus>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.records.get(ref);
      if (!record) return errResult(this.notFound(ref));
      if (record.version > sinceVersion || Date.now() >= deadline) return okResult(await this.liveStatus(record));
      await sleep(Math.min(this.pollMs, Math.max(0, deadline - Date.now())));
    }
  }

  /** Idempotent: a running or starting gateway is returned as is, without a second start. */
  async provision(ref: InstanceRef): Promise<Result<ProvisionOutcome>> {
    let existing = await this.records.get(ref);
    if (existing && ACTIVE_STATES.has(existing.state)) {
      const live = await this.liveStatus(existing);
      if (ACTIVE_STATES.has(live.state)) return okResult({ status: live, started: false });
      existing = await this.records.get(ref);
    }
    const record = existing ? { ...existing } : this.newRecord(ref, await sandboxId(ref));
    this.resetForStart(record);
    // The caps' check and the claim are one registry operation: two PUTs cannot both pass it.
    const claimed = await this.records.claim(record, existing?.version ?? null, this.caps);
    if (!claimed.ok && claimed.reason === "capacity") return errResult(claimed.error);
    if (!claimed.ok) {
      // Another request got there first: its start is the one that runs.
      if (claimed.current && ACTIVE_STATES.has(claimed.current.state))
        return okResult({ status: this.toStatus(claimed.current, null), started: false });
      return errResult(
        runtimeError("conflict", `instance ${refKey(ref)} changed meanwhile; try again`, { retryable: true }),
      );
    }
    const started = await this.start(record);
    return started.ok ? okResult({ status: started.value, started: true }) : started;
  }

  async restart(ref: InstanceRef, restoreChoice?: BackupInfo): Promise<Result<InstanceStatus>> {
    const record = await this.records.get(ref);
    if (!record) return errResult(this.notFound(ref));
    const read = record.version;
    record.restarts++;
    this.setState(record, "provisioning", "stopping");
    // A gateway that is not running needs a slot again, under both caps, as on the process host.
    const claimed = await this.records.claim(record, read, this.caps);
    if (!claimed.ok)
      return errResult(
        claimed.reason === "capacity"
          ? claimed.error
          : runtimeError("conflict", `instance ${refKey(ref)} changed meanwhile; try again`, { retryable: true }),
      );
    try {
      await stopGateway(this.sandboxFor(record), this.config.stopTimeoutMs);
    } catch (error) {
      return this.failed(record, mapSandboxError(error, "gateway_failed", "restart"));
    }
    this.resetForStart(record);
    await this.records.put(record);
    return this.start(record, restoreChoice);
  }

  /**
   * Sleep (decision 78): the state is snapshotted to the bucket, the gateway stopped and the
   * container destroyed, so nothing runs or is billed; a provision wakes it, and its start
   * restores that snapshot (restore-on-start: no state, a backup). Idempotent for one asleep.
   */
  async sleep(ref: InstanceRef): Promise<Result<InstanceStatus>> {
    const record = await this.records.get(ref);
    if (!record) return errResult(this.notFound(ref));
    if (record.state === "asleep") return okResult(this.toStatus(record, null));
    if (record.state !== "ready")
      return errResult(
        runtimeError(
          "conflict",
          `instance ${refKey(ref)} is ${record.state} (${record.phase}): only a ready gateway sleeps`,
        ),
      );
    const sandbox = this.sandboxFor(record);
    const kept = await snapshotTo(sandbox, this.bucket, `${backupPrefix(ref)}${timestampName()}`);
    if (!kept.ok) return kept;
    try {
      await stopGateway(sandbox, this.config.stopTimeoutMs);
      await sandbox.destroy();
    } catch (error) {
      return this.failed(record, mapSandboxError(error, "gateway_failed", "sleep"));
    }
    if (!(await this.save(record, "asleep", "asleep")))
      return errResult(
        runtimeError("conflict", `instance ${refKey(ref)} changed meanwhile; try again`, { retryable: true }),
      );
    this.log("gateway asleep", { instance: refKey(ref), snapshot: kept.value.name });
    return okResult(this.toStatus(record, null));
  }

  async backup(ref: InstanceRef): Promise<Result<BackupInfo>> {
    const record = await this.records.get(ref);
    if (!record) return errResult(this.notFound(ref));
    return snapshotTo(this.sandboxFor(record), this.bucket, `${backupPrefix(ref)}${timestampName()}`);
  }

  listBackups(ref: InstanceRef): Promise<BackupInfo[]> {
    return listBackups(this.bucket, ref);
  }

  pruneBackups(ref: InstanceRef, keep: number): Promise<string[]> {
    return pruneBackups(this.bucket, ref, keep);
  }

  /** A restart whose start first replaces the container's state with the chosen backup. */
  async restore(ref: InstanceRef, backupName: string): Promise<Result<InstanceStatus>> {
    const backup = (await this.listBackups(ref)).find((b) => b.name === backupName);
    if (!backup) return errResult(runtimeError("not_found", `instance ${refKey(ref)} has no backup ${backupName}`));
    return this.restart(ref, backup);
  }

  /** Teardown: (archive,) stop the gateway, destroy the sandbox, then remove or archive backups. */
  async delete(ref: InstanceRef): Promise<Result<HostDeleteOutcome>> {
    const record = await this.records.get(ref);
    const backups = await this.listBackups(ref);
    if (!record && backups.length === 0) return errResult(this.notFound(ref));
    const stamp = timestampName().replace(/\.tar\.gz$/, "");
    let archive: BackupInfo | null = null;
    // First: whatever else fails, the gateway's model credential stops working.
    await this.records.revokeModelCredential(ref);
    if (record) {
      const sandbox = this.sandboxFor(record);
      try {
        if (this.config.deleteMode === "archive" && (await hasState(sandbox))) {
          const final = await snapshotTo(sandbox, this.bucket, `${archivePrefix(ref)}${stamp}.tar.gz`);
          if (!final.ok) return final;
          archive = final.value;
        }
        await stopGateway(sandbox, this.config.stopTimeoutMs).catch(() => undefined);
        await sandbox.destroy();
      } catch (error) {
        return errResult(mapSandboxError(error, "internal", "delete"));
      }
    }
    await retireBackups(this.bucket, ref, backups, this.config.deleteMode === "archive" ? { stamp } : null);
    await this.records.remove(ref);
    this.log("instance deleted", { instance: refKey(ref), mode: this.config.deleteMode });
    return okResult({ deleted: true, mode: this.config.deleteMode, archive });
  }

  /**
   * Removes `workspace/skills/<slug>` in the container (the gateway has no method for it). The
   * slug is validated before it reaches the shell (letters, digits and '-' only); a symlinked
   * workspace or skills directory is refused, a symlinked skill is unlinked, never followed.
   */
  async removeSkill(ref: InstanceRef, slug: string): Promise<Result<SkillRemoved>> {
    if (!skillSlugSchema.safeParse(slug).success)
      return errResult(runtimeError("invalid_request", "a skill's slug is lower-case letters, digits and '-'"));
    const record = await this.records.get(ref);
    if (!record) return errResult(this.notFound(ref));
    try {
      const done = await this.sandboxFor(record).exec(removeSkillScript(CONTAINER_PATHS.workspace, slug));
      if (done.exitCode === 0) return okResult({ slug, removed: true });
      if (done.exitCode === 4) return okResult({ slug, removed: false });
      if (done.exitCode === 3)
        return errResult(runtimeError("conflict", "the workspace's skills directory is not where it belongs"));
      return errResult(runtimeError("internal", `removing the skill failed (exit ${done.exitCode})`));
    } catch (error) {
      return errResult(mapSandboxError(error, "gateway_unavailable", "could not remove the skill"));
    }
  }

  /**
   * The gateway token, read from the container, for `GET …/:id/credentials` (server to
   * server). `not_ready` before the first start has written it, or while the container cannot
   * be read.
   */
  async credentials(ref: InstanceRef): Promise<Result<GatewayCredentials>> {
    const record = await this.records.get(ref);
    if (!record) return errResult(this.notFound(ref));
    let token: string | undefined;
    try {
      token = await readToken(this.sandboxFor(record), true);
    } catch (error) {
      return errResult(mapSandboxError(error, "gateway_unavailable", "could not read the gateway token"));
    }
    if (!token)
      return errResult(notReady(ref, record.state, record.phase, `has no gateway token yet (${record.phase})`));
    return okResult({ token });
  }

  /**
   * For the WebSocket proxy: an accepted-ready socket to the instance's gateway and its
   * token. `not_ready` until the instance is ready.
   */
  /**
   * A socket to the instance's gateway: `gateway` for the service-token holder, or `device`
   * for the device entry, reported to the gateway as a remote peer (X-Forwarded-For, which
   * the gateway trusts from loopback: gateway-config.ts), so it never pairs one silently.
   */
  async openGateway(
    ref: InstanceRef,
    route: "gateway" | "device" = "gateway",
    deviceAddress: string | null = null,
  ): Promise<Result<{ upstream: SocketLike; token: string }>> {
    const record = await this.records.get(ref);
    if (!record) return errResult(this.notFound(ref));
    const status = await this.liveStatus(record);
    if (status.state !== "ready")
      return errResult(notReady(ref, status.state, status.phase, `is ${status.state} (${status.phase})`));
    const sandbox = this.sandboxFor(record);
    try {
      const token = await readToken(sandbox);
      if (!token)
        return errResult(
          runtimeError("gateway_unavailable", "the gateway token is missing in the container; restart the instance", {
            retryable: true,
          }),
        );
      return okResult({
        upstream: await connectSocket(
          sandbox,
          route === "device" ? { "x-forwarded-for": deviceForwardedFor(deviceAddress) } : {},
        ),
        token,
      });
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
      ...neverStarted(),
      error: null,
    };
  }

  /** A fresh start's fields, in state provisioning/queued (not saved). */
  private resetForStart(record: InstanceRecord): void {
    record.error = null;
    record.phases = [];
    record.startedAtMs = Date.now();
    record.readyAtMs = null;
    record.startupMs = null;
    record.progress = 0;
    this.setState(record, "provisioning", "queued");
  }

  /** Runs the shared start sequence for a record already saved in provisioning/queued. */
  private async start(record: InstanceRecord, restoreChoice?: BackupInfo): Promise<Result<InstanceStatus>> {
    const sandbox = this.sandboxFor(record);
    try {
      const adapter = sandboxStartAdapter({
        record,
        sandbox,
        bucket: this.bucket,
        config: this.config,
        models: this.records,
        log: this.log,
        probe: this.probe,
        enter: (state, phase) => this.save(record, state, phase),
        restoreChoice,
      });
      if ((await runGatewayStart(adapter)) === "superseded") {
        const current = await this.records.get(record);
        return current ? okResult(await this.liveStatus(current)) : errResult(this.notFound(record));
      }
      return okResult(this.toStatus(record, null));
    } catch (error) {
      const mapped =
        error instanceof StartFailure ? error.error : mapSandboxError(error, "gateway_failed", "start failed");
      try {
        await stopGateway(sandbox, this.config.stopTimeoutMs);
      } catch {
        // the container may be what failed
      }
      return this.failed(record, mapped);
    }
  }

  private async failed(record: InstanceRecord, error: RuntimeError): Promise<Result<never>> {
    record.error = error;
    await this.save(record, "error", "failed");
    this.log("gateway failed", { instance: refKey(record), code: error.code, message: error.message });
    return errResult(error);
  }

  /**
   * The record plus what only the container knows: whether the gateway still runs. Only
   * instances that should be running are asked (asking a container starts it).
   */
  private async liveStatus(record: InstanceRecord): Promise<InstanceStatus> {
    if (
      (record.state === "provisioning" || record.state === "starting") &&
      Date.now() - (record.startedAtMs ?? 0) > this.config.startTimeoutMs + STALE_START_MARGIN_MS
    ) {
      // The request that ran this start is gone (the Worker was evicted or redeployed mid-start):
      // report it, so the next PUT or restart starts again instead of waiting forever.
      record.error = runtimeError("gateway_failed", "the start was interrupted; provision or restart again", {
        retryable: true,
      });
      await this.save(record, "error", "failed");
    }
    if (record.state !== "ready") return this.toStatus(record, null);
    try {
      const proc = await this.sandboxFor(record).getProcess(GATEWAY_PROCESS_ID);
      if (proc && isRunning(proc)) return this.toStatus(record, proc.pid ?? null);
      record.error = runtimeError(
        "gateway_failed",
        proc
          ? `the gateway exited unexpectedly (exit code ${proc.exitCode ?? "unknown"})`
          : "the gateway is not running (it exited, or its container restarted)",
        {
          retryable: true,
          details: { exitCode: proc?.exitCode ?? null },
        },
      );
      await this.save(record, "error", "failed");
      return this.toStatus(record, null);
    } catch (error) {
      // Not persisted: the container may only be unreachable for a moment.
      return {
        ...this.toStatus(record, null),
        state: "error",
        phase: "failed",
        error: mapSandboxError(error, "gateway_unavailable", "status"),
      };
    }
  }

  private toStatus(record: InstanceRecord, pid: number | null): InstanceStatus {
    // The container's gateway always listens on GATEWAY_PORT once a start has begun.
    return instanceStatus(record, {
      workspaceId: record.workspaceId,
      instanceId: record.instanceId,
      port: record.startedAtMs === null ? null : GATEWAY_PORT,
      pid,
    });
  }

  private setState(record: InstanceRecord, state: InstanceState, phase: Phase): void {
    enterPhase(record, state, phase);
    record.version++;
  }

  /** Moves the record and writes it; false when a newer write won (compare-and-set). */
  private save(record: InstanceRecord, state: InstanceState, phase: Phase): Promise<boolean> {
    this.setState(record, state, phase);
    return this.records.put(record);
  }
}
