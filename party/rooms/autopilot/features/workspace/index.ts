import { listAudit } from "../../kernel/audit";
import { cancelJob, failJob, finishJob, listJobs, startJob, updateJob } from "../jobs/jobs";
import { deleteMemory, listMemory, putMemory } from "../agent/memory";
import { pagePresence } from "../../kernel/connections/presence";
import { searchRoom } from "./search";
import { updateSettings } from "../../kernel/settings";
import { listUsage } from "../agent/usage";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate, paged, query } from "../../kernel/handlers";

/** Jobs people and agents report progress on. */
export const jobs = defineFeature({
  name: "jobs",
  build: () => ({
    methods: methods({
      "jobs.start": mutate(startJob),
      "jobs.update": mutate(updateJob),
      "jobs.finish": mutate(finishJob),
      "jobs.fail": mutate(failJob),
      "jobs.cancel": mutate(cancelJob),
      "jobs.list": query((sql, p) => paged(listJobs(sql, p), (jobs) => ({ jobs }))),
    }),
  }),
});

/** What the workspace keeps about itself: memory, settings, usage, the audit log, search over all of it. */
export const workspace = defineFeature({
  name: "workspace",
  build: () => ({
    methods: methods({
      "memory.list": query(listMemory),
      "memory.put": mutate(putMemory),
      "memory.delete": mutate(deleteMemory),
      "settings.update": mutate(updateSettings),
      "usage.list": query(listUsage),
      "audit.list": query((sql, p) => listAudit(sql, p.before, p.limit)),
      "search.query": query(searchRoom),
    }),
  }),
});

/** Who is here now: answered from the room's sockets. */
export const live = defineFeature({
  name: "live",
  build: () => ({
    methods: methods({
      "presence.list": local(({ room }, p) => {
        const page = pagePresence(room.presence(), p.after, p.limit);
        return { presence: page.entries, next: page.next };
      }),
      "presence.update": local((req, p) => ({ entry: req.setStatus(p.status) })),
    }),
  }),
});
