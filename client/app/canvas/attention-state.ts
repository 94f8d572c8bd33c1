import type { WorkspaceState } from "../../src/state";
import { approvalSubject } from "../../../shared/hatchery/activity";
import type { Approval } from "../../../shared/protocol/approvals";
import type { Job } from "../../../shared/protocol/jobs";

/**
 * What wants a person, per canvas subject, from the room's current state (never from a past
 * event): approvals waiting, jobs running or failed, an instance in error. Approvals and jobs
 * are not canvas nodes; each belongs to its subject (the thread it is in, else the instance
 * it concerns: shared/hatchery/activity.ts).
 */
export interface SubjectAttention {
  approvals: number;
  running: { title: string; progress: number }[];
  failed: number;
  /** The instance itself is in error (instance subjects only). */
  broken: boolean;
}

type Rooms = Pick<WorkspaceState, "approvals" | "jobs" | "instances">;

const isRunning = (j: Job) => j.status === "running" || j.status === "cancel_requested";
export const jobSubject = (j: Pick<Job, "threadId">): string | null => (j.threadId ? `thread:${j.threadId}` : null);

/**
 * The subject node a selection id brings into view: an approval or a job is shown by its
 * subject; anything else is its own node.
 */
export function subjectOf(id: string, state: Pick<WorkspaceState, "approvals" | "jobs">): string | null {
  if (id.startsWith("approval:")) {
    const a = state.approvals.get(id.slice("approval:".length));
    return a ? approvalSubject(a) : null;
  }
  if (id.startsWith("job:")) {
    const j = state.jobs.get(id.slice("job:".length));
    return j ? jobSubject(j) : null;
  }
  return id;
}

const empty = (): SubjectAttention => ({ approvals: 0, running: [], failed: 0, broken: false });

// One map per state (its collections are replaced when they change, so identity says when).
let cached: {
  approvals: Rooms["approvals"];
  jobs: Rooms["jobs"];
  instances: Rooms["instances"];
  map: Map<string, SubjectAttention>;
} | null = null;
// The previous map's entries, reused while their content is the same, so a node whose
// attention did not change is not rendered again when another's did.
let previous = new Map<string, SubjectAttention>();

export function attentionBySubject(state: Rooms): Map<string, SubjectAttention> {
  if (
    cached &&
    cached.approvals === state.approvals &&
    cached.jobs === state.jobs &&
    cached.instances === state.instances
  )
    return cached.map;
  const map = new Map<string, SubjectAttention>();
  const at = (subject: string) => {
    const entry = map.get(subject) ?? empty();
    map.set(subject, entry);
    return entry;
  };
  for (const a of state.approvals.values()) {
    const subject = a.status === "pending" ? approvalSubject(a) : null;
    if (subject) at(subject).approvals++;
  }
  for (const j of state.jobs.values()) {
    const subject = jobSubject(j);
    if (!subject) continue;
    if (isRunning(j)) at(subject).running.push({ title: j.title, progress: j.progress });
    else if (j.status === "failed") at(subject).failed++;
  }
  for (const i of state.instances.values()) if (i.status === "error") at(`instance:${i.id}`).broken = true;
  for (const [subject, entry] of map) {
    const before = previous.get(subject);
    if (before && JSON.stringify(before) === JSON.stringify(entry)) map.set(subject, before);
  }
  previous = map;
  cached = { approvals: state.approvals, jobs: state.jobs, instances: state.instances, map };
  return map;
}

export const needsAttention = (a: SubjectAttention | undefined): boolean =>
  !!a && (a.approvals > 0 || a.failed > 0 || a.broken);

/** One row of the "Needs attention" panel. */
export interface AttentionRow {
  key: string;
  kind: "approval" | "job" | "failed" | "instance";
  title: string;
  /** The subject node to bring into view, if the thing is on the canvas through one. */
  subject: string | null;
  /** What the inspector opens. */
  open: string;
  progress?: number;
}

/** A row of `kind` for the thing `id`: the inspector opens the thing itself (`opens`: a failed job's is its job). */
const row = (
  kind: AttentionRow["kind"],
  id: string,
  title: string,
  subject: string | null,
  opens: string = kind,
): AttentionRow => ({ key: `${kind}:${id}`, kind, title, subject, open: `${opens}:${id}` });

/** Pending approvals (oldest first), running jobs, failed jobs and instances in error. */
export function attentionRows(state: Rooms): AttentionRow[] {
  const pending = [...state.approvals.values()]
    .filter((a) => a.status === "pending")
    .sort((a: Approval, b: Approval) => a.requestedAt - b.requestedAt);
  const jobs = [...state.jobs.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  return [
    ...pending.map((a) => row("approval", a.id, a.title, approvalSubject(a))),
    ...jobs.filter(isRunning).map((j) => ({ ...row("job", j.id, j.title, jobSubject(j)), progress: j.progress })),
    ...jobs.filter((j) => j.status === "failed").map((j) => row("failed", j.id, j.title, jobSubject(j), "job")),
    ...[...state.instances.values()]
      .filter((i) => i.status === "error")
      .map((i) => row("instance", i.id, i.name, `instance:${i.id}`)),
  ];
}
