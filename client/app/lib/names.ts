import { useMemo } from "react";
import type { NameLookup } from "../../../shared/approval-summary";
import { useRoom } from "../stores/room";
import { useSchedules } from "../stores/schedules";
import { useAllTasks } from "../stores/tasks";

/**
 * The names the app holds now for the ids a record names (a thread, an instance, a job, a
 * task, a schedule): one lookup for the audit log, approvals and tool calls alike, so an id
 * reads the same everywhere.
 */
export function useNames(): NameLookup {
  const threads = useRoom((s) => s.state.threads);
  const instances = useRoom((s) => s.state.instances);
  const jobs = useRoom((s) => s.state.jobs);
  const tasks = useAllTasks();
  const schedules = useSchedules((s) => s.schedules);
  return useMemo(
    () => ({
      thread: (id) => threads.get(id)?.title ?? null,
      instance: (id) => instances.get(id)?.name ?? null,
      job: (id) => jobs.get(id)?.title ?? null,
      task: (id) => tasks.get(id)?.goal ?? null,
      schedule: (id) => schedules.get(id)?.name ?? null,
    }),
    [threads, instances, jobs, tasks, schedules],
  );
}
