import { deleteFileObjects, deleteOrphanFiles } from "../../../../files/storage";
import { fileById } from "../threads/index";
import { defineFeature } from "../../kernel/feature";
import { canvas } from "../canvas";
import { RetentionSweep } from "./sweep";

/**
 * What the room forgets on time (docs/operations.md, "Retention"): its old rows, the files
 * nobody attached, the canvas's expired keys. The sweep's schedule is made sure of after any
 * commit and on start, and dropped while nothing is left to forget.
 */
export const retention = defineFeature({
  name: "retention",
  needs: [canvas],
  schedules: ["sweepRetention"],
  build: (s, { canvas }) => {
    const { sql, env, workspaceId } = s;
    const sweep = new RetentionSweep({
      sql,
      every: (seconds) => s.scheduler.every(seconds, "sweepRetention"),
      cancel: async () => {
        for (const schedule of await s.scheduler.list())
          if (schedule.callback === "sweepRetention") await s.scheduler.cancel(schedule.id);
      },
      auditRows: () => Math.max(1, Number(env.AUDIT_RETAIN ?? 10_000)),
      sweepCanvas: async (now) => (await canvas.stub()).forgetExpired(now),
      workspaceId,
      deleteFiles: (ids) => deleteFileObjects(env.FILES, workspaceId(), ids),
      deleteOrphans: (before) =>
        deleteOrphanFiles(env.FILES, workspaceId(), (id) => fileById(sql, id) !== null, before),
    });
    return {
      api: { ensure: () => sweep.ensure() },
      afterCommit: () => sweep.ensure(),
      schedules: { sweepRetention: () => sweep.run(Date.now()) },
      start: () => sweep.ensure(),
    };
  },
});
