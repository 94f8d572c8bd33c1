// The status both hosts report, built from the part of an instance record they share (the
// start record plus its bookkeeping); each host adds only what it alone knows: where its
// record keeps the ids, the gateway's port, and whether its process still runs. Pure (no
// Node APIs): the sandbox host runs in a Worker.
import type { RuntimeError } from "../../shared/runtime/errors";
import type { InstanceStatus } from "../../shared/runtime/status";
import type { StartRecord } from "./gateway-start";
import { progressOf } from "./host";

/** What both hosts' instance records hold besides the start's fields. */
export interface StatusRecord extends StartRecord {
  createdAt: string;
  restarts: number;
  /** The process host keeps "no error" as undefined, the sandbox host (JSON storage) as null. */
  error: RuntimeError | null | undefined;
  version: number;
}

/** What only the host knows: the ids as its record keeps them, the gateway's port, its live pid. */
export interface HostFacts {
  workspaceId: string;
  instanceId: string;
  port: number | null;
  pid: number | null;
}

export function instanceStatus(record: StatusRecord, host: HostFacts): InstanceStatus {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    workspaceId: host.workspaceId,
    instanceId: host.instanceId,
    state: record.state,
    phase: record.phase,
    progress: progressOf(record),
    phases: record.phases.map((p) => ({ ...p })),
    port: host.port,
    pid: host.pid,
    gatewayVersion: record.gatewayVersion,
    createdAt: record.createdAt,
    startedAt: iso(record.startedAtMs),
    readyAt: iso(record.readyAtMs),
    startupMs: record.startupMs,
    restarts: record.restarts,
    restoredFrom: record.restoredFrom,
    error: record.error ?? null,
    version: record.version,
  };
}
