import type { z } from "zod";
import {
  FINISHED_JOB_STATUSES,
  type Job,
  type JobsCancelParams,
  type JobsFailParams,
  type JobsFinishParams,
  type JobsListParams,
  type JobsStartParams,
  type JobsUpdateParams,
} from "../../../../../shared/protocol/jobs";
import { hasScope } from "../../../../../shared/scopes";
import { inArray, not } from "drizzle-orm";
import type { OpContext } from "../../kernel/commit";
import { excluded, param, preparedPerRoom } from "../../../../domain/db/client";
import { jobs } from "./tables";
import { RoomError } from "../../../../domain/errors";
import { countRows, docById, type Page, pageRows } from "../../kernel/paging";
import type { Sql } from "../../../../domain/sql";
import { requireThread } from "../threads/index";
import { jobRecord } from "../../../../records/documents";

export function getJob(sql: Sql, id: string): Job | null {
  return docById(sql, jobs, id, (doc) => jobRecord.decode(doc));
}

// Written with every report (a task's every step): prepared once per room.
const statements = preparedPerRoom((db) => ({
  put: db
    .insert(jobs)
    .values({ id: param("id"), status: param("status"), updatedAt: param("updatedAt"), doc: param("doc") })
    .onConflictDoUpdate({
      target: jobs.id,
      set: { status: excluded("status"), updatedAt: excluded("updated_at"), doc: excluded("doc") },
    })
    .prepare(),
}));

function putJob(sql: Sql, job: Job): void {
  statements(sql.db).put.run({ id: job.id, status: job.status, updatedAt: job.updatedAt, doc: jobRecord.encode(job) });
}

/** Stores the job and tells everyone what happened to it. */
function saveJob(ctx: OpContext, job: Job, event: "job.started" | "job.progressed" | "job.finished"): { job: Job } {
  putJob(ctx.sql, job);
  ctx.emit(event, { job });
  return { job };
}

/** A job is reported by the principal that started it (or an admin), and only while it runs. */
function requireOwnRunningJob(ctx: OpContext, jobId: string): Job {
  const job = getJob(ctx.sql, jobId);
  if (!job) throw new RoomError("not_found", `no job ${jobId}`, { jobId });
  if (job.owner.id !== ctx.principal.id && !hasScope(ctx.principal.scopes, "admin")) {
    throw new RoomError("forbidden", "only the principal that started a job can report on it", { jobId });
  }
  if (FINISHED_JOB_STATUSES.has(job.status))
    throw new RoomError("conflict", `job already ${job.status}`, { jobId, status: job.status });
  return job;
}

export function startJob(ctx: OpContext, params: z.output<typeof JobsStartParams>): { job: Job } {
  if (params.threadId) requireThread(ctx.sql, params.threadId);
  const job: Job = {
    id: ctx.newId("job"),
    title: params.title,
    status: "running",
    progress: 0,
    message: params.message,
    threadId: params.threadId ?? null,
    owner: ctx.actor,
    startedAt: ctx.now,
    updatedAt: ctx.now,
    finishedAt: null,
    cancelRequestedBy: null,
    error: null,
  };
  return saveJob(ctx, job, "job.started");
}

export function updateJob(ctx: OpContext, params: z.output<typeof JobsUpdateParams>): { job: Job } {
  const existing = requireOwnRunningJob(ctx, params.jobId);
  const job: Job = {
    ...existing,
    progress: params.progress,
    message: params.message ?? existing.message,
    updatedAt: ctx.now,
  };
  return saveJob(ctx, job, "job.progressed");
}

export function finishJob(ctx: OpContext, params: z.output<typeof JobsFinishParams>): { job: Job } {
  const existing = requireOwnRunningJob(ctx, params.jobId);
  const job: Job = {
    ...existing,
    status: params.cancelled ? "cancelled" : "succeeded",
    progress: params.cancelled ? existing.progress : 100,
    message: params.message ?? existing.message,
    updatedAt: ctx.now,
    finishedAt: ctx.now,
  };
  return saveJob(ctx, job, "job.finished");
}

export function failJob(ctx: OpContext, params: z.output<typeof JobsFailParams>): { job: Job } {
  const existing = requireOwnRunningJob(ctx, params.jobId);
  const job: Job = { ...existing, status: "failed", error: params.error, updatedAt: ctx.now, finishedAt: ctx.now };
  return saveJob(ctx, job, "job.finished");
}

/**
 * The room ending a job it started itself (an approved or scheduled operation's): no request
 * carries a key for it, so the key is the job's own, one per end.
 */
export const finishRoomJob = (ctx: OpContext, jobId: string, message: string): { job: Job } =>
  finishJob(ctx, { jobId, message, cancelled: false, idempotencyKey: `room-${jobId}-done` });

export const failRoomJob = (ctx: OpContext, jobId: string, error: string): { job: Job } =>
  failJob(ctx, { jobId, error, idempotencyKey: `room-${jobId}-fail` });

/** Anyone with write may ask; the owner decides when to stop and reports it with finish. */
export function cancelJob(ctx: OpContext, params: z.output<typeof JobsCancelParams>): { job: Job } {
  const existing = getJob(ctx.sql, params.jobId);
  if (!existing) throw new RoomError("not_found", `no job ${params.jobId}`, { jobId: params.jobId });
  if (FINISHED_JOB_STATUSES.has(existing.status)) {
    throw new RoomError("conflict", `job already ${existing.status}`, { jobId: existing.id, status: existing.status });
  }
  if (existing.status === "cancel_requested") return { job: existing };
  const job: Job = { ...existing, status: "cancel_requested", cancelRequestedBy: ctx.actor, updatedAt: ctx.now };
  putJob(ctx.sql, job);
  ctx.emit("job.cancel_requested", { job, reason: params.reason ?? null });
  ctx.audit("job.cancel_requested", job.id, { title: job.title, reason: params.reason ?? null });
  return { job };
}

const ACTIVE = inArray(jobs.status, ["running", "cancel_requested"]);
const JOB_COLUMNS = { id: jobs.id, time: jobs.updatedAt, doc: jobs.doc };

/** Most recently updated first, one page from `before`. */
export function listJobs(sql: Sql, params: z.output<typeof JobsListParams>, maxBytes?: number): Page<Job> {
  return pageRows(sql, {
    table: jobs,
    columns: JOB_COLUMNS,
    where: params.active ? ACTIVE : undefined,
    before: params.before,
    limit: params.limit,
    maxBytes,
    decode: (doc) => jobRecord.decode(doc),
  });
}

/** Recently finished jobs, newest first (the bounded hello's history). */
export function recentFinishedJobs(sql: Sql, limit: number, maxBytes: number): Job[] {
  return pageRows(sql, {
    table: jobs,
    columns: JOB_COLUMNS,
    where: not(ACTIVE),
    limit,
    maxBytes,
    decode: (doc) => jobRecord.decode(doc),
  }).items;
}

export function countActiveJobs(sql: Sql): number {
  return countRows(sql, jobs, ACTIVE);
}

/**
 * The room's own report on a job it runs (a task's): progress while it runs, or its end.
 * No owner check: the caller is the room, acting on a job it started as the Autopilot.
 */
export function reportJob(
  ctx: OpContext,
  jobId: string,
  report: { progress: number; message: string } | { status: "succeeded" | "failed" | "cancelled"; message: string },
): Job | null {
  const existing = getJob(ctx.sql, jobId);
  if (!existing || FINISHED_JOB_STATUSES.has(existing.status)) return null;
  const job: Job =
    "status" in report
      ? {
          ...existing,
          status: report.status,
          progress: report.status === "succeeded" ? 100 : existing.progress,
          message: report.message.slice(0, 500),
          error: report.status === "failed" ? report.message.slice(0, 2000) : existing.error,
          updatedAt: ctx.now,
          finishedAt: ctx.now,
        }
      : { ...existing, progress: report.progress, message: report.message.slice(0, 500), updatedAt: ctx.now };
  putJob(ctx.sql, job);
  ctx.emit("status" in report ? "job.finished" : "job.progressed", { job });
  return job;
}

/**
 * A room job that ended, running again: a task a person resumed after it failed, stopped or
 * was cancelled. Its progress stays where it was; null when there is no such job.
 */
export function reopenRoomJob(ctx: OpContext, jobId: string, message: string): Job | null {
  const existing = getJob(ctx.sql, jobId);
  if (!existing || !FINISHED_JOB_STATUSES.has(existing.status)) return null;
  const job: Job = {
    ...existing,
    status: "running",
    message: message.slice(0, 500),
    error: null,
    cancelRequestedBy: null,
    updatedAt: ctx.now,
    finishedAt: null,
  };
  putJob(ctx.sql, job);
  ctx.emit("job.progressed", { job });
  return job;
}
