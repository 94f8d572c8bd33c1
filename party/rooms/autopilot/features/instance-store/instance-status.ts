import type {
  Instance,
  InstanceSleep,
  InstanceStatus as RoomInstanceStatus,
} from "../../../../../shared/protocol/instances";
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
    // Asleep (decision 78) is a ready instance whose gateway waits for traffic: older clients read it as ready.
    const state: RoomInstanceStatus = status.state === "asleep" ? "ready" : status.state;
    const sleep = sleepOf(current.sleep, status, ctx.now);
    if (
      current.status === state &&
      current.phase === status.phase &&
      current.progress === Math.round(status.progress) &&
      current.error === error &&
      current.sleep === sleep
    )
      return current;
    const next: Instance = {
      ...current,
      status: state,
      phase: status.phase,
      progress: Math.round(status.progress),
      error,
      ...(sleep ? { sleep } : {}),
      // Asleep, the bridge has nothing to connect to: that is no failure to show.
      ...(status.state === "asleep" ? { bridge: "offline" as const, bridgeError: null } : {}),
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

/**
 * The instance's sleep as the runtime's status tells it: asleep when its gateway sleeps; one
 * that starts while asleep (a device woke it at the runtime) is waking; ready again, awake,
 * with how long that start took (the next wake's estimate). Else unchanged (the same object).
 */
function sleepOf(
  current: InstanceSleep | undefined,
  status: RuntimeInstanceStatus,
  now: number,
): InstanceSleep | undefined {
  if (status.state === "asleep")
    return current?.state === "asleep"
      ? current
      : { state: "asleep", since: now, wakeMs: current?.wakeMs ?? null, keptAwakeBy: null };
  if (!current || current.state === "awake") return current;
  if (status.state === "ready")
    return {
      state: "awake",
      since: now,
      wakeMs: status.startupMs === null ? current.wakeMs : Math.round(status.startupMs),
      keptAwakeBy: null,
    };
  if (current.state === "asleep" && (status.state === "provisioning" || status.state === "starting")) {
    // Started at the runtime (a device woke it): a refusal of an earlier wake no longer holds.
    const { refused: _refused, ...rest } = current;
    return { ...rest, state: "waking", since: now };
  }
  return current;
}
