import type { Snapshot } from "../../../../../shared/protocol/hello";
import type { PresenceEntry } from "../../../../../shared/protocol/presence";
import { listApprovals, PENDING_APPROVALS, recentResolvedApprovals } from "../../features/approvals/approvals";
import { approvals, threads as threadRows } from "../../../../domain/db/schema";
import { listInstances } from "../../features/instances/instances";
import { countActiveJobs, listJobs, recentFinishedJobs } from "../../features/jobs/jobs";
import { countRows } from "../paging";
import { pagePresence } from "./presence";
import { countProjects, pageProjects } from "../../features/projects/projects";
import { getSettings } from "../settings";
import type { Sql } from "../../../../domain/sql";
import { pageThreads } from "../../features/threads/threads";

/**
 * What one hello may carry, per collection: a count cap and a byte share. Together about
 * 320 KiB, so a workspace with hundreds of pending approvals (16 KB of details each) still
 * greets in one small frame; the rest is one list call away. Instances are not capped: each is a container,
 * there are few.
 */
export const SNAPSHOT_BUDGET = {
  approvals: { count: 100, bytes: 96 * 1024 },
  jobs: { count: 100, bytes: 48 * 1024 },
  threads: { count: 200, bytes: 64 * 1024 },
  presence: { count: 200, bytes: 32 * 1024 },
  /** Projects not archived (a brief may be long: the rest is one `projects.list` away). */
  projects: { count: 100, bytes: 64 * 1024 },
  /** Recently decided approvals and finished jobs, each; history beyond is listable. */
  history: { count: 50, bytes: 8 * 1024 },
} as const;

export type SnapshotBudget = typeof SNAPSHOT_BUDGET;

/** The bounded snapshot a hello carries: the newest of each collection and what was left out. */
export function buildSnapshot(sql: Sql, presence: PresenceEntry[], budget: SnapshotBudget = SNAPSHOT_BUDGET): Snapshot {
  const threads = pageThreads(sql, { includeArchived: true, limit: budget.threads.count }, budget.threads.bytes);
  const pending = listApprovals(sql, { status: "pending", limit: budget.approvals.count }, budget.approvals.bytes);
  const active = listJobs(sql, { active: true, limit: budget.jobs.count }, budget.jobs.bytes);
  const people = pagePresence(presence, undefined, budget.presence.count, budget.presence.bytes);
  const projects = pageProjects(sql, { includeArchived: false, limit: budget.projects.count }, budget.projects.bytes);
  const left = (total: number, shown: number) => Math.max(0, total - shown);
  return {
    threads: threads.items,
    approvals: [...pending.items, ...recentResolvedApprovals(sql, budget.history.count, budget.history.bytes)],
    jobs: [...active.items, ...recentFinishedJobs(sql, budget.history.count, budget.history.bytes)],
    presence: people.entries,
    instances: listInstances(sql),
    settings: getSettings(sql),
    projects: projects.items,
    more: {
      threads: { left: threads.next ? left(countRows(sql, threadRows), threads.items.length) : 0, next: threads.next },
      approvals: {
        left: pending.next ? left(countRows(sql, approvals, PENDING_APPROVALS), pending.items.length) : 0,
        next: pending.next,
      },
      jobs: { left: active.next ? left(countActiveJobs(sql), active.items.length) : 0, next: active.next },
      projects: {
        left: projects.next ? left(countProjects(sql, false), projects.items.length) : 0,
        next: projects.next,
      },
      presence: left(presence.length, people.entries.length),
      presenceNext: people.next,
    },
  };
}
