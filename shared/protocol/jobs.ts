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
