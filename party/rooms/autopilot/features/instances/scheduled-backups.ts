import { type BackupPolicy, instancesToBackUp } from "./backup-policy";
import { listInstances } from "../instance-store";
import { failRoomJob, finishRoomJob, startJob } from "../jobs/index";
import { backupMessage, type OperationDeps } from "./operations";

/**
 * One scheduled run (the room's recurring alarm): a backup of every ready instance, each
 * its own job so people see it in the jobs list, with the runtime pruning to `keep`.
 * Not approval-gated: the operator turned the schedule on (BACKUP_INTERVAL_SECONDS), and a
 * backup changes nothing in the gateway. One instance failing does not stop the others.
 */
export async function runScheduledBackups(deps: OperationDeps, policy: BackupPolicy): Promise<void> {
  const { runtime } = deps;
  if (!runtime || policy.intervalSeconds === 0) return;
  for (const instance of instancesToBackUp(listInstances(deps.sql))) {
    const jobId = deps.commit(
      null,
      (ctx) =>
        startJob(ctx, {
          title: `Scheduled backup of OpenClaw instance "${instance.name}"`,
          message: "backing up",
          idempotencyKey: ctx.newId("idem"),
        }).job.id,
    );
    try {
      const backup = await runtime.backup(deps.workspaceId, instance.id, policy.keep);
      deps.commit(null, (ctx) => finishRoomJob(ctx, jobId, backupMessage(backup)));
    } catch (error) {
      console.error(
        JSON.stringify({
          msg: "scheduled backup failed",
          workspace: deps.workspaceId,
          instanceId: instance.id,
          error: String(error),
        }),
      );
      deps.commit(null, (ctx) => failRoomJob(ctx, jobId, error instanceof Error ? error.message : String(error)));
    }
  }
}
