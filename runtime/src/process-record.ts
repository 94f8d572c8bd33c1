// What the process host keeps per instance, and the status it reports from it.
import type { RuntimeError } from "../../shared/runtime/errors";
import type { InstanceStatus } from "../../shared/runtime/status";
import { isAlive } from "./gateway-process";
import { instanceStatus, type StatusRecord } from "./instance-status";
import type { ProcessStartRecord } from "./process-start";

export interface InstanceRecord extends ProcessStartRecord, StatusRecord {
  stopping: boolean;
  error: RuntimeError | undefined;
  recentOutput: string[];
  /** Operations on one instance run one after another. */
  queue: Promise<unknown>;
}

export function statusOf(record: InstanceRecord): InstanceStatus {
  const pid = isAlive(record.child) ? (record.child.pid ?? null) : null;
  return instanceStatus(record, {
    workspaceId: record.ref.workspaceId,
    instanceId: record.ref.instanceId,
    port: record.port ?? null,
    pid,
  });
}
