// The one runtime surface, as a host interface: the HTTP layer (api.ts) drives any host
// through it. Two hosts implement it:
//   - ProcessHost (process-host.ts): local default and tests, one child process per gateway;
//   - SandboxHost (runtime/sandbox/sandbox-host.ts): production, one @cloudflare/sandbox
//     container per gateway.
// Pure types and constants only (no Node APIs): the sandbox host runs in a Worker.
import type { Result, RuntimeError } from "./errors";
import type { InstanceRef } from "./ids";

export type InstanceState = "provisioning" | "starting" | "ready" | "error" | "stopped";
export type Phase =
  | "queued"
  | "restoring backup"
  | "writing config"
  | "starting process"
  | "waiting for port"
  | "waiting for gateway handshake"
  | "ready"
  | "stopping"
  | "stopped"
  | "failed";

/** States in which a gateway process runs or is about to: these count against the cap. */
export const ACTIVE_STATES: ReadonlySet<InstanceState> = new Set(["provisioning", "starting", "ready"]);

/**
 * Progress bar model: each start phase spans a range and approaches its end over the time
 * it usually takes on a 2-core machine (port open after 4-7 s, handshake ~7-10 s later).
 */
export const PHASE_PROGRESS: Partial<Record<Phase, { from: number; to: number; expectedMs: number }>> = {
  queued: { from: 0, to: 2, expectedMs: 1_000 },
  "restoring backup": { from: 2, to: 8, expectedMs: 3_000 },
  "writing config": { from: 8, to: 12, expectedMs: 300 },
  "starting process": { from: 12, to: 18, expectedMs: 500 },
  "waiting for port": { from: 18, to: 50, expectedMs: 6_000 },
  "waiting for gateway handshake": { from: 50, to: 97, expectedMs: 8_000 },
};

/**
 * Progress of a start: within the current phase's range it approaches `to` without
 * reaching it (a bar that never claims to be done), 100 once ready; phases without a
 * range keep the last value.
 */
export function phaseProgress(state: InstanceState, phase: Phase, phaseSince: number, last: number, now = Date.now()): number {
  if (state === "ready") return 100;
  const range = PHASE_PROGRESS[phase];
  if (!range) return last;
  return Math.round(range.from + (range.to - range.from) * (1 - Math.exp(-(now - phaseSince) / range.expectedMs)));
}

export interface PhaseEntry {
  phase: Phase;
  at: string;
}

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

/** Moves a record to a state and phase, keeping the progress reached so far; the host then bumps its version. */
export function enterPhase(record: PhaseTrack, state: InstanceState, phase: Phase): void {
  record.progress = progressOf(record);
  record.state = state;
  record.phase = phase;
  record.phaseSince = Date.now();
  record.phases.push({ phase, at: new Date().toISOString() });
}

/** What callers see. Never carries the gateway token. */
export interface InstanceStatus {
  workspaceId: string;
  instanceId: string;
  state: InstanceState;
  phase: Phase;
  /** 0-100, for a progress bar while provisioning or restarting. */
  progress: number;
  /** The phases of the current (or last) start, in order. */
  phases: PhaseEntry[];
  port: number | null;
  pid: number | null;
  gatewayVersion: string | null;
  createdAt: string;
  startedAt: string | null;
  readyAt: string | null;
  /** How long the last start took, from provision/restart to a successful handshake. */
  startupMs: number | null;
  restarts: number;
  restoredFrom: string | null;
  error: RuntimeError | null;
  /** Increases on every change; pass it back to wait for the next one. */
  version: number;
}

export interface BackupInfo {
  name: string;
  /** Where the host keeps it (a file path or an object key). Never sent to callers. */
  path: string;
  sizeBytes: number;
  createdAt: string;
}

export interface GatewayTarget {
  port: number;
  token: string;
}

/**
 * The gateway's credentials, for `GET …/:id/credentials`: server to server only (the caller
 * holds the service token). The Autopilot signs its Ed25519 device identity over this token
 * on its first connect; it never goes to a browser or an agent.
 */
export interface GatewayCredentials {
  token: string;
}

export interface ProvisionOutcome {
  status: InstanceStatus;
  /** True when this call started a gateway; false when one was already running or starting. */
  started: boolean;
}

export type DeleteMode = "remove" | "archive";

export interface DeleteOutcome {
  deleted: true;
  mode: DeleteMode;
  archive: BackupInfo | null;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * What the HTTP layer needs from a host. The process host answers the reads synchronously
 * from memory; the sandbox host asks its containers and R2, so every read may be a promise.
 * A method that throws becomes a 500 `internal` answer.
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
  backup(ref: InstanceRef): Promise<Result<BackupInfo>>;
  listBackups(ref: InstanceRef): MaybePromise<BackupInfo[]>;
  /** The gateway token of an existing instance: `not_found` without one, `not_ready` before the token exists. */
  credentials(ref: InstanceRef): MaybePromise<Result<GatewayCredentials>>;
  delete(ref: InstanceRef): Promise<Result<DeleteOutcome>>;
}
