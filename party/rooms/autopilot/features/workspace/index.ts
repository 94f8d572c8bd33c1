import type { MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import { listAudit } from "../../domain/audit";
import { RoomError } from "../../../../domain/errors";
import { cancelJob, failJob, finishJob, listJobs, startJob, updateJob } from "../../domain/jobs";
import { deleteMemory, listMemory, putMemory } from "../../domain/memory";
import { pagePresence } from "../../domain/presence";
import { searchRoom } from "../../domain/search";
import { updateSettings } from "../../domain/settings";
import { listUsage } from "../../domain/usage";
import type { RequestContext } from "../../context";
import type { Feature } from "../../kernel/feature";
import { local, methods, mutate, paged, query } from "../../kernel/handlers";

/** Jobs people and agents report progress on. */
export const jobs: Feature = {
  name: "jobs",
  methods: methods({
    "jobs.start": mutate(startJob),
    "jobs.update": mutate(updateJob),
    "jobs.finish": mutate(finishJob),
    "jobs.fail": mutate(failJob),
    "jobs.cancel": mutate(cancelJob),
    "jobs.list": query((sql, p) => paged(listJobs(sql, p), (jobs) => ({ jobs }))),
  }),
};

/** What the workspace keeps about itself: memory, settings, usage, the audit log, search over all of it. */
export const workspace: Feature = {
  name: "workspace",
  methods: methods({
    "memory.list": query(listMemory),
    "memory.put": mutate(putMemory),
    "memory.delete": mutate(deleteMemory),
    "settings.update": mutate(updateSettings),
    "usage.list": query(listUsage),
    "audit.list": query((sql, p) => listAudit(sql, p.before, p.limit)),
    "search.query": query(searchRoom),
  }),
};

/** Who is here now, and the canvas's graph commands: answered from the room's live parts. */
export const live: Feature = {
  name: "live",
  methods: methods({
    "presence.list": local(({ room }, p) => {
      const page = pagePresence(room.presence(), p.after, p.limit);
      return { presence: page.entries, next: page.next };
    }),
    "presence.update": local((req, p) => ({ entry: req.setStatus(p.status) })),
    "graph.apply": local(applyGraph),
  }),
};

async function applyGraph(
  { room, principal }: RequestContext,
  params: MethodParsedParams<"graph.apply">,
): Promise<MethodResult<"graph.apply">> {
  const outcome = await room.applyGraph(principal.id, params.idempotencyKey, params.commands);
  if (!outcome.ok) throw new RoomError(outcome.error.code, outcome.error.message, outcome.error.details);
  return outcome.result;
}
