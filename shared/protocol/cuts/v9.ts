import type { HelloPayload } from "../hello";
import type { Cut } from "./cut";

/**
 * Protocol 9 → 8. Added in 9: projects (the `projects.*` methods, the
 * durable `project.changed`, which an 8 client takes as an unknown event, and the hello's
 * `snapshot.projects` and `more.projects`, left out for 8); tasks and the run log (the
 * `tasks.*` methods and `runlog.list`, the durable `task.changed`, unknown to 8, the
 * ephemeral `runlog.appended`, not sent to 8) and the usage purpose `task` (`reply` for 8);
 * `agent.toolset`, the Autopilot's effective toolset (a new method: absent for 8);
 * schedules (the `schedules.*` methods, the durable `schedule.changed` and
 * `schedule.deleted`, unknown to 8: nothing to convert). Every
 * cut converts the hello, whatever else changed: it names the version the socket speaks,
 * and a client refuses a hello of another version than its own.
 */
type Obj = Record<string, unknown>;

/** Protocol 9's snapshot carries projects (and what it left of them out); 8 knows none. */
function snapshotDown(snapshot: HelloPayload["snapshot"]): Obj | null {
  if (!snapshot) return null;
  const { projects: _projects, more, ...rest } = snapshot;
  const { projects: _left, ...moreRest } = more;
  return { ...rest, more: moreRest };
}

/** A room of 8 has no projects: none, and none left out. */
function snapshotUp(snapshot: unknown): unknown {
  if (!snapshot || typeof snapshot !== "object") return snapshot;
  const s = snapshot as Obj;
  return { ...s, projects: [], more: { ...(s.more as Obj), projects: { left: 0, next: null } } };
}

const hello = (h: HelloPayload): Obj => ({ ...h, protocol: 8, snapshot: snapshotDown(h.snapshot) });
const helloUp = (h: Obj): Obj => ({ ...h, protocol: 9, snapshot: snapshotUp(h.snapshot) });

/** 8 knows no task: a task's model calls reach it as the reply calls they are most like. */
const usageDown = (p: { entries?: { purpose: string }[] }): Obj =>
  p.entries ? { ...p, entries: p.entries.map((e) => (e.purpose === "task" ? { ...e, purpose: "reply" } : e)) } : p;

export const cut9: Cut = {
  from: 9,
  methods: [
    "projects.create",
    "projects.update",
    "projects.archive",
    "projects.list",
    "projects.get",
    "tasks.start",
    "tasks.pause",
    "tasks.resume",
    "tasks.cancel",
    "tasks.get",
    "tasks.list",
    "runlog.list",
    "schedules.create",
    "schedules.list",
    "schedules.pause",
    "schedules.resume",
    "schedules.delete",
    "agent.toolset",
  ],
  // The run log's live entries are for clients that can read them (8 has no runlog.list).
  events: { hello, "runlog.appended": () => null },
  results: { "usage.list": usageDown },
  up: {
    events: { hello: helloUp },
    results: {},
  },
};
