import type { Instance, InstanceStatus as RoomInstanceStatus } from "../../../../../shared/protocol/instances";
import type { InstanceStatus as RuntimeInstanceStatus } from "../../../../../shared/runtime/status";
import { eq } from "drizzle-orm";
import type { RoomWriter } from "../../kernel/commit";
import { runtimeErrorWords } from "../../../../../shared/plain-words";
import { failRoomJob, finishRoomJob, jobsTable as jobs, updateJob } from "../jobs/index";
import { getInstance, putInstance } from "./instances";

/**
 * Writes the runtime's status into the instance (and its job). Unchanged statuses write
 * nothing, so the bridge may mirror on every reconnect without filling the event log.
 */
export function mirrorStatus(deps: RoomWriter, instanceId: string, status: RuntimeInstanceStatus): Instance | null {
  return deps.commit(null, (ctx) => {
    const current = getInstance(ctx.sql, instanceId);
    // A deleted instance stays deleted, whatever a late status report says.
    if (!current || current.status === "stopped") return current;
    // In words (shared/plain-words.ts): the app shows it as it is, and the runtime's code is for programs.
    const error = status.error ? runtimeErrorWords(status.error) : null;
    if (
      current.status === status.state &&
      current.phase === status.phase &&
      current.progress === Math.round(status.progress) &&
      current.error === error
    )
      return current;
    const next: Instance = {
      ...current,
      status: status.state as RoomInstanceStatus,
      phase: status.phase,
      progress: Math.round(status.progress),
      error,
      updatedAt: ctx.now,
    };
    putInstance(ctx, next);
    if (current.jobId) {
      const job = ctx.sql.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, current.jobId)).get();
      if (job && (job.status === "running" || job.status === "cancel_requested")) {
        if (status.state === "ready") finishRoomJob(ctx, current.jobId, "ready");
        else if (status.state === "error") failRoomJob(ctx, current.jobId, next.error ?? "the gateway failed");
        else
          updateJob(ctx, {
            jobId: current.jobId,
            progress: next.progress,
            message: status.phase,
            idempotencyKey: `room-${current.jobId}-${status.version}`,
          });
      }
    }
    return next;
  });
}
