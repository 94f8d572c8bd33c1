// The one runtime surface, as a host interface: the HTTP API (api.ts) drives any host
// through it. Two hosts implement it:
//   - ProcessHost (process-host.ts): local default and tests, one child process per gateway;
//   - SandboxHost (runtime/sandbox/sandbox-host.ts): production, one @cloudflare/sandbox
//     container per gateway.
// The shapes callers see are the API contract (shared/runtime/); this file adds what only
// hosts share. Pure types and functions (no Node APIs): the sandbox host runs in a Worker.
import type { RuntimeError } from "../../shared/runtime/errors";
import { phaseProgress, type InstanceState, type Phase, type PhaseEntry } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import type { Backup, DeleteMode, GatewayCredentials, SkillRemoved } from "../../shared/runtime/responses";
import type { InstanceStatus } from "../../shared/runtime/status";
import type { Result } from "./errors";

/** The part of an instance record both hosts keep for its start phases. */
export interface PhaseTrack {
  state: InstanceState;
  phase: Phase;
  phaseSince: number;
  phases: PhaseEntry[];
  progress: number;
}

/** The record's progress right now (see phaseProgress). */
export function progressOf(record: PhaseTrack): number {
  return phaseProgress(record.state, record.phase, record.phaseSince, record.progress);
}

/**
 * Moves a record to a state and phase, keeping the progress reached so far; the host then
 * bumps its version. Leaving ready starts the bar over: a restart's "stopping" phase has no
 * range of its own, so it would otherwise report the old 100 % — which reads as ready (and
 * moved the restart's job to 100 % and back to 0).
 */
export function enterPhase(record: PhaseTrack, state: InstanceState, phase: Phase): void {
  record.progress = record.state === "ready" && state !== "ready" ? 0 : progressOf(record);
  record.state = state;
  record.phase = phase;
  record.phaseSince = Date.now();
  record.phases.push({ phase, at: new Date().toISOString() });
}

/** A backup plus where the host keeps it (a file path or an object key): never sent to callers. */
export interface BackupInfo extends Backup {
  path: string;
}

export interface GatewayTarget {
  port: number;
  token: string;
}

export interface ProvisionOutcome {
  status: InstanceStatus;
  /** True when this call started a gateway; false when one was already running or starting. */
  started: boolean;
}

/** What a host's delete returns; the API strips the archive's path. */
export interface HostDeleteOutcome {
  deleted: true;
  mode: DeleteMode;
  archive: BackupInfo | null;
}

/** A not_ready error for an instance that exists but cannot serve yet. */
export function notReady(ref: InstanceRef, state: InstanceState, phase: Phase, what: string): RuntimeError {
  return {
    code: "not_ready",
    message: `instance ${ref.workspaceId}/${ref.instanceId} ${what}`,
    retryable: state !== "error" && state !== "stopped",
    details: { state, phase },
  };
}

type MaybePromise<T> = T | Promise<T>;

/**
 * What the HTTP layer needs from a host. The process host answers the reads synchronously
 * from memory; the sandbox host asks its containers and storage, so every read may be a
 * promise. A method that throws becomes a 500 `internal` answer.
 */
export interface RuntimeHost {
  /** Cap on concurrent gateways, for `GET /v1/health`. */
  readonly maxGateways: number;
  activeCount(): MaybePromise<number>;
  list(workspaceId: string): MaybePromise<InstanceStatus[]>;
  status(ref: InstanceRef): MaybePromise<Result<InstanceStatus>>;
  /** Long poll: resolves when the status version passes `sinceVersion`, or after `timeoutMs`. */
  waitForChange(ref: InstanceRef, sinceVersion: number, timeoutMs: number): Promise<Result<InstanceStatus>>;
  /** Idempotent. */
  provision(ref: InstanceRef): Promise<Result<ProvisionOutcome>>;
  restart(ref: InstanceRef): Promise<Result<InstanceStatus>>;
  /**
   * Puts a ready gateway to sleep (decision 78): its process stopped, its state kept; a
   * provision wakes it. Idempotent for one asleep; `conflict` while it cannot sleep (starting,
   * a device connected through the runtime), `not_found` for none.
   */
  sleep(ref: InstanceRef): Promise<Result<InstanceStatus>>;
  backup(ref: InstanceRef): Promise<Result<BackupInfo>>;
  listBackups(ref: InstanceRef): MaybePromise<BackupInfo[]>;
  /** Retention: removes all but the newest `keep` backups; answers the names removed, oldest first. */
  pruneBackups(ref: InstanceRef, keep: number): Promise<string[]>;
  /**
   * Stops the gateway and starts it again from the named backup, replacing its state;
   * `not_found` when no backup has that name. Answers once the start has begun (long-poll
   * the status for its phases).
   */
  restore(ref: InstanceRef, backupName: string): Promise<Result<InstanceStatus>>;
  /** The gateway token of an existing instance: `not_found` without one, `not_ready` before the token exists. */
  credentials(ref: InstanceRef): MaybePromise<Result<GatewayCredentials>>;
  /**
   * Removes the folder `skills/<slug>` of the instance's agent workspace (the gateway has no
   * method for it), never anything outside that directory; `removed: false` when there was none.
   */
  removeSkill(ref: InstanceRef, slug: string): Promise<Result<SkillRemoved>>;
  delete(ref: InstanceRef): Promise<Result<HostDeleteOutcome>>;
}
