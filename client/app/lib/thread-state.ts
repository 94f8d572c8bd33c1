import { useMemo } from "react";
import { useRoom } from "../stores/room";
import { useSchedules, scheduleThread } from "../stores/schedules";
import { useAllTasks } from "../stores/tasks";

/**
 * What is going on in a thread, for its row in the list: derived from the room's state as
 * the app holds it (replies streaming, tasks, pending approvals, schedules), so it changes
 * the moment the room says so and never outlives what caused it.
 */
export interface ThreadState {
  /** The Autopilot, a gateway or a task is working in it. */
  running: boolean;
  /** Approvals pending in it. */
  waiting: number;
  /** An active schedule posts or works in it. */
  scheduled: boolean;
  /** Its latest task failed (and was not resumed). */
  failed: boolean;
}

const IDLE: ThreadState = { running: false, waiting: 0, scheduled: false, failed: false };

export function useThreadStates(): ReadonlyMap<string, ThreadState> {
  const streams = useRoom((s) => s.state.streams);
  const approvals = useRoom((s) => s.state.approvals);
  const tasks = useAllTasks();
  const schedules = useSchedules((s) => s.schedules);
  return useMemo(() => {
    const states = new Map<string, ThreadState>();
    const of = (threadId: string) => {
      const known = states.get(threadId);
      if (known) return known;
      const state = { ...IDLE };
      states.set(threadId, state);
      return state;
    };
    for (const stream of streams.values()) of(stream.threadId).running = true;
    for (const approval of approvals.values())
      if (approval.status === "pending" && approval.threadId) of(approval.threadId).waiting++;
    for (const schedule of schedules.values()) {
      const threadId = scheduleThread(schedule);
      if (threadId && schedule.status === "active") of(threadId).scheduled = true;
    }
    // A thread's latest task says whether work runs there or ended in failure.
    const latest = new Map<string, { status: string; updatedAt: number }>();
    for (const task of tasks.values()) {
      const seen = latest.get(task.threadId);
      if (!seen || task.updatedAt > seen.updatedAt) latest.set(task.threadId, task);
    }
    for (const [threadId, task] of latest) {
      if (task.status === "queued" || task.status === "running") of(threadId).running = true;
      if (task.status === "failed") of(threadId).failed = true;
    }
    return states;
  }, [streams, approvals, tasks, schedules]);
}

export const threadStateOf = (states: ReadonlyMap<string, ThreadState>, threadId: string): ThreadState =>
  states.get(threadId) ?? IDLE;
