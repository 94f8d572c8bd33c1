import { z } from "zod";
import { EntityId, mutatingParams, Timestamp, Title } from "./common";
import { PageCursor, pageParams } from "./paging";
import { Actor } from "./principal";

export const JobStatus = z.enum(["running", "cancel_requested", "succeeded", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatus>;
export const FINISHED_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

export const Progress = z.number().min(0).max(100);

export const Job = z.object({
  id: EntityId,
  title: z.string(),
  status: JobStatus,
  progress: Progress,
  message: z.string(),
  threadId: EntityId.nullable(),
  owner: Actor,
  startedAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  cancelRequestedBy: Actor.nullable(),
  error: z.string().nullable(),
});
export type Job = z.infer<typeof Job>;

export const JobsStartParams = mutatingParams({
  title: Title,
  threadId: EntityId.optional(),
  message: z.string().max(500).default(""),
});
export const JobsUpdateParams = mutatingParams({
  jobId: EntityId,
  progress: Progress,
  message: z.string().max(500).optional(),
});
export const JobsFinishParams = mutatingParams({
  jobId: EntityId,
  message: z.string().max(500).optional(),
  /** Set by an owner that stopped because a cancel was requested. */
  cancelled: z.boolean().default(false),
});
export const JobsFailParams = mutatingParams({
  jobId: EntityId,
  error: z.string().min(1).max(2000),
});
export const JobsCancelParams = mutatingParams({
  jobId: EntityId,
  reason: z.string().max(500).optional(),
});
export const JobResult = z.object({ job: Job });
/** Most recently updated first; `before` continues after a page's `next` (protocol 7). */
export const JobsListParams = pageParams({ active: z.boolean().default(false) }, { max: 500, size: 100 });
/** `next` is null on the last page. */
export const JobsListResult = z.object({ jobs: z.array(Job), next: PageCursor.nullable() });

export const JobEventPayload = z.object({ job: Job });
export const JobCancelRequestedPayload = z.object({ job: Job, reason: z.string().nullable() });

/**
 * Capability `jobs.progress` (protocol 19): what a job's progress report changes. A socket that
 * asked for it gets `job.progressed` as this, without what never changes after the start (the
 * title, thread, owner and start time); `job.started`, `job.cancel_requested`, `job.finished`,
 * and every socket that did not ask, get the whole job. A client applies it to the job it holds
 * (`withJobChange`); one that holds none reads the job with `jobs.list`.
 */
export const JobProgress = Job.omit({ title: true, threadId: true, owner: true, startedAt: true }).extend({
  /** Absent (capability `steps.lean`): null, as it is while a job runs. */
  finishedAt: Job.shape.finishedAt.optional(),
  /** Absent (capability `steps.lean`): null, no cancel asked for. */
  cancelRequestedBy: Job.shape.cancelRequestedBy.optional(),
  /** Absent (capability `steps.lean`): null. */
  error: Job.shape.error.optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;
/** Capability `steps.folded` (protocol 19, decision 94): a report of a running job without its status, `running`. */
export const JobProgressFolded = JobProgress.omit({ status: true });
export type JobProgressFolded = z.infer<typeof JobProgressFolded>;
export const JobProgressedPayload = z.object({ job: z.union([Job, JobProgress, JobProgressFolded]) });

/** Whether a job event carries the whole job (not only a progress report's change). */
export const isWholeJob = (job: Job | JobProgress | JobProgressFolded): job is Job => "title" in job;

/** A job as a job event leaves it: the whole job, or `known` with a report's change; null when only a change came for a job not held. */
export function withJobChange(known: Job | undefined, job: Job | JobProgress | JobProgressFolded): Job | null {
  if (isWholeJob(job)) return job;
  // A report's change leaves out what is null (steps.lean), and the status when running (steps.folded).
  return known ? { ...known, finishedAt: null, cancelRequestedBy: null, error: null, status: "running", ...job } : null;
}

export function jobsProgressCapability() {
  return {
    name: "jobs.progress",
    since: 19,
    summary: "job.progressed carries only what a progress report changes, not the job's title, thread, owner and start",
    adds: ["events.job.progressed.job|object1"],
    // The room writes the whole job (the log, replays and converted sockets get it: a socket
    // that did not ask needs no conversion); a socket that asked is sent the change.
    events: {},
    results: {},
    written: {
      "job.progressed": (payload: { job: Job }): { job: Job | JobProgress } => {
        const { title: _title, threadId: _thread, owner: _owner, startedAt: _started, ...change } = payload.job;
        return { job: change };
      },
    },
  };
}
