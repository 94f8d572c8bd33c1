import { defineFeature } from "../../kernel/feature";
import { methods, mutate, paged, query } from "../../kernel/handlers";
import {
  cancelJob,
  countActiveJobs,
  failJob,
  finishJob,
  listJobs,
  recentFinishedJobs,
  startJob,
  updateJob,
} from "./jobs";

// What other features use of this one.
export { failRoomJob, finishRoomJob, getJob, reopenRoomJob, reportJob, startJob, updateJob } from "./jobs";
export { type ApprovedJob, type ApprovedJobDeps, runApprovedJob, startApprovedJob } from "./approved-job";

/** What a hello's snapshot carries of jobs: unfinished ones, then the most recently finished. */
const SNAPSHOT = { active: { count: 100, bytes: 48 * 1024 }, finished: { count: 50, bytes: 8 * 1024 } } as const;

/** Jobs people and agents report progress on. */
export const jobs = defineFeature({
  name: "jobs",
  build: (s) => ({
    methods: methods({
      "jobs.start": mutate(startJob),
      "jobs.update": mutate(updateJob),
      "jobs.finish": mutate(finishJob),
      "jobs.fail": mutate(failJob),
      "jobs.cancel": mutate(cancelJob),
      "jobs.list": query((sql, p) => paged(listJobs(sql, p), (jobs) => ({ jobs }))),
    }),
    snapshot: () => {
      const active = listJobs(s.sql, { active: true, limit: SNAPSHOT.active.count }, SNAPSHOT.active.bytes);
      const finished = recentFinishedJobs(s.sql, SNAPSHOT.finished.count, SNAPSHOT.finished.bytes);
      const left = active.next ? Math.max(0, countActiveJobs(s.sql) - active.items.length) : 0;
      return { jobs: [...active.items, ...finished], more: { jobs: { left, next: active.next } } };
    },
  }),
});

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { jobs as jobsTable } from "./tables";
