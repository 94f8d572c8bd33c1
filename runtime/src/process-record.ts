// What the process host keeps per instance, and the status it reports from it.
import type { RuntimeError } from "../../shared/runtime/errors";
import type { InstanceStatus } from "../../shared/runtime/status";
import { isAlive } from "./gateway-process";
import { progressOf } from "./host";
import type { ProcessStartRecord } from "./process-start";

export interface InstanceRecord extends ProcessStartRecord {
  stopping: boolean;
  createdAt: string;
  restarts: number;
  error: RuntimeError | undefined;
  version: number;
  recentOutput: string[];
  /** Operations on one instance run one after another. */
  queue: Promise<unknown>;
}

export function statusOf(record: InstanceRecord): InstanceStatus {
  return {
    workspaceId: record.ref.workspaceId,
    instanceId: record.ref.instanceId,
    state: record.state,
    phase: record.phase,
    progress: progressOf(record),
    phases: record.phases.map((p) => ({ ...p })),
    port: record.port ?? null,
    pid: isAlive(record.child) ? (record.child.pid ?? null) : null,
    gatewayVersion: record.gatewayVersion,
    createdAt: record.createdAt,
    startedAt: record.startedAtMs === null ? null : new Date(record.startedAtMs).toISOString(),
    readyAt: record.readyAtMs === null ? null : new Date(record.readyAtMs).toISOString(),
    startupMs: record.startupMs,
    restarts: record.restarts,
    restoredFrom: record.restoredFrom,
    error: record.error ?? null,
    version: record.version,
  };
}
