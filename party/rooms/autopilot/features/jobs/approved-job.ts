// An approved operation runs as a job the room owns. Its idempotency key is the approval's, so
// the reaction to a decision opens one job however often it runs. What the job and the log
// say of a failure is the feature's to word: a gateway's error may quote what it was sent.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Commit } from "../../kernel/commit";
import { failRoomJob, finishRoomJob, reportJob, startJob } from "./jobs";

/** Opens the room's job for an approved operation: its id. */
export function startApprovedJob(commit: Commit, approval: Approval, message = "approved"): string {
  return commit(
    null,
    (ctx) => startJob(ctx, { title: approval.title, message, idempotencyKey: `room-op-${approval.id}` }).job.id,
  );
}

/** What running an approved operation as a job needs of the room. */
export interface ApprovedJobDeps {
  commit: Commit;
  workspaceId: string;
}

/** How an approved operation runs as a job. */
export interface ApprovedJob {
  /** The operation: it ended `ok` (the job finishes) or not (the job fails), in these words. */
  run(): Promise<{ ok: boolean; message: string }>;
  /** A thrown error's words as the job and the log show them. */
  errorText(text: string): string;
  /** A stop a person asked for is no failure: its words when `error` is one (the job reads cancelled), else null. */
  cancelled?(error: unknown): string | null;
  /** The failure's log line: its message and what names the operation (the workspace and the error are added). */
  log: { msg: string } & Record<string, unknown>;
}

/** Runs an approved operation once, as a job: finished or failed with the operation's words, a failure logged. */
export async function runApprovedJob(deps: ApprovedJobDeps, approval: Approval, how: ApprovedJob): Promise<void> {
  const jobId = startApprovedJob(deps.commit, approval);
  try {
    const outcome = await how.run();
    deps.commit(null, (ctx) =>
      outcome.ok ? finishRoomJob(ctx, jobId, outcome.message) : failRoomJob(ctx, jobId, outcome.message),
    );
  } catch (error) {
    const stopped = how.cancelled?.(error) ?? null;
    if (stopped !== null) {
      deps.commit(null, (ctx) => reportJob(ctx, jobId, { status: "cancelled", message: stopped }));
      return;
    }
    const message = how.errorText(error instanceof Error ? error.message : String(error));
    const { msg, ...names } = how.log;
    console.error(JSON.stringify({ msg, workspace: deps.workspaceId, ...names, error: message }));
    deps.commit(null, (ctx) => failRoomJob(ctx, jobId, message));
  }
}
