import { useMemo } from "react";
import { create } from "zustand";
import type { PageCursor } from "../../../shared/protocol/paging";
import { isWholeTask, type RunLogEntry, type Task, withTaskChange } from "../../../shared/protocol/tasks";
import type { AutopilotClient } from "../../src/client";
import { errorText } from "../lib/api";
import { hasGap, mergeEntries, mergeTasks, seenThrough, sortTasks } from "../lib/run-log";
import { followRoomClient, useRoom } from "./room";

/**
 * Tasks and their run logs as the app sees them (protocol 9). The hello carries no tasks:
 * after every hello this store reads the unfinished ones (a workspace holds at most 50)
 * and the newest page of all, and "Load older" pages on with `tasks.list`; `task.changed`
 * keeps them current through the client's state. A run log is read while a view shows it:
 * `runlog.list` from the start, then after each `runlog.appended` (which says where the log
 * reached, capability runlog.marks) and each change of its task (a step's calls are not marked,
 * steps.folded) what it lacks, with `runlog.list` again. Those
 * are not kept for a client that was away, so after a reconnect, or when a live entry
 * shows a gap, the log is read again after the last entry it holds in order.
 */

/** A page of the Tasks list. */
export const TASKS_PAGE = 20;
/** Entries a view holds per run; past it the export still has them all. */
export const MAX_VIEW_ENTRIES = 5000;
const LOG_PAGE = 500;

export interface RunLogView {
  entries: RunLogEntry[];
  /** Views showing this log now; at 0 it stops following. */
  watchers: number;
  loading: boolean;
  error: string | null;
}

interface TasksStore {
  client: AutopilotClient | null;
  /** Tasks read with tasks.list or tasks.get (events since are in the client's state). */
  listed: ReadonlyMap<string, Task>;
  /** Where the next older page starts; null once the list reached its end. */
  next: PageCursor | null;
  /** Whether older pages were read (a reconnect then keeps the cursor where it is). */
  paged: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  error: string | null;
  logs: ReadonlyMap<string, RunLogView>;
  refresh(): Promise<void>;
  loadOlder(): Promise<void>;
  /** A project's tasks, for its view. */
  loadProject(projectId: string): Promise<void>;
  /** One task that is not known yet (a view opened on it). */
  loadTask(taskId: string): Promise<void>;
  watchLog(runId: string): () => void;
  /** Every entry of a run, read page by page from the room (not from what a view holds). */
  exportLog(runId: string): Promise<RunLogEntry[]>;
}

const EMPTY = {
  client: null,
  listed: new Map<string, Task>(),
  next: null,
  paged: false,
  loaded: false,
  loadingOlder: false,
  error: null,
  logs: new Map<string, RunLogView>(),
};

/** Reads in flight per run, so a burst of live entries after a gap reads the log once. */
const catchingUp = new Map<string, Promise<void>>();
/** Per run, the seq its log reached as the room last told (runlog.marks): a read under way then reads on to it. */
const reached = new Map<string, number>();
/** Per task, how many of its changes came while its log was shown (steps.folded): a read under way then reads once more. */
const changes = new Map<string, number>();

export const useTasks = create<TasksStore>((set, get) => {
  const addListed = (tasks: readonly Task[]) => {
    const listed = new Map(get().listed);
    for (const task of tasks) {
      const known = listed.get(task.id);
      if (!known || task.updatedAt >= known.updatedAt) listed.set(task.id, task);
    }
    set({ listed });
  };

  return {
    ...EMPTY,

    async refresh() {
      const client = get().client;
      if (!client) return;
      try {
        const [active, recent] = await Promise.all([
          client.request("tasks.list", { active: true, limit: 200 }),
          client.request("tasks.list", { limit: TASKS_PAGE }),
        ]);
        if (get().client !== client) return;
        addListed([...active.tasks, ...recent.tasks]);
        set({ loaded: true, error: null, ...(!get().paged && { next: recent.next }) });
      } catch (error) {
        if (get().client === client) set({ error: errorText(error) });
      }
    },

    async loadOlder() {
      const { client, next, loadingOlder } = get();
      if (!client || !next || loadingOlder) return;
      set({ loadingOlder: true, error: null });
      try {
        const page = await client.request("tasks.list", { limit: TASKS_PAGE, before: next });
        if (get().client !== client) return;
        addListed(page.tasks);
        set({ next: page.next, paged: true, loadingOlder: false });
      } catch (error) {
        if (get().client === client) set({ loadingOlder: false, error: errorText(error) });
      }
    },

    async loadProject(projectId) {
      const client = get().client;
      if (!client) return;
      const page = await client.request("tasks.list", { projectId, limit: TASKS_PAGE });
      if (get().client === client) addListed(page.tasks);
    },

    async loadTask(taskId) {
      const client = get().client;
      if (!client) return;
      const { task } = await client.request("tasks.get", { taskId });
      if (get().client === client) addListed([task]);
    },

    watchLog(runId) {
      const logs = new Map(get().logs);
      const view = logs.get(runId);
      logs.set(
        runId,
        view ? { ...view, watchers: view.watchers + 1 } : { entries: [], watchers: 1, loading: true, error: null },
      );
      set({ logs });
      void catchUp(runId);
      return () => {
        const current = get().logs.get(runId);
        if (!current) return;
        const next = new Map(get().logs);
        // The entries stay while the page is open: opening the log again starts from them.
        next.set(runId, { ...current, watchers: current.watchers - 1 });
        set({ logs: next });
      };
    },

    async exportLog(runId) {
      const client = get().client;
      if (!client) throw new Error("Not connected to the workspace.");
      const entries: RunLogEntry[] = [];
      let after = 0;
      for (;;) {
        const page = await client.request("runlog.list", { runId, after, limit: LOG_PAGE });
        entries.push(...page.entries);
        if (page.next === null || page.entries.length === 0) return entries;
        after = page.next;
      }
    },
  };
});

function patchLog(runId: string, change: (view: RunLogView) => RunLogView): void {
  const view = useTasks.getState().logs.get(runId);
  if (!view) return;
  const logs = new Map(useTasks.getState().logs);
  logs.set(runId, change(view));
  useTasks.setState({ logs });
}

/** Reads a run's log after the last entry held in order, to its end (once at a time per run). */
function catchUp(runId: string): Promise<void> {
  const running = catchingUp.get(runId);
  if (running) return running;
  const client = useTasks.getState().client;
  if (!client) return Promise.resolve();
  let progressed = false;
  const markBefore = reached.get(runId) ?? 0;
  const changesBefore = changes.get(runId) ?? 0;
  const work = (async () => {
    // "Reading" while the view has nothing to show; a log already shown keeps its count as it reads on.
    patchLog(runId, (view) => ({ ...view, loading: view.entries.length === 0, error: null }));
    try {
      for (;;) {
        const view = useTasks.getState().logs.get(runId);
        if (!view || useTasks.getState().client !== client || view.entries.length >= MAX_VIEW_ENTRIES) break;
        const after = seenThrough(view.entries);
        const page = await client.request("runlog.list", { runId, after, limit: LOG_PAGE });
        const entries = page.entries.filter((e) => e.runId === runId && e.seq > after);
        patchLog(runId, (v) => ({ ...v, entries: mergeEntries(v.entries, entries).slice(0, MAX_VIEW_ENTRIES) }));
        progressed ||= entries.length > 0;
        if (page.next === null || entries.length === 0) break;
      }
      patchLog(runId, (view) => ({ ...view, loading: false }));
    } catch (error) {
      patchLog(runId, (view) => ({ ...view, loading: false, error: errorText(error) }));
    } finally {
      catchingUp.delete(runId);
    }
    // A live entry after a gap, or word of entries past those read, that came while this read
    // was under way: read once more.
    const view = useTasks.getState().logs.get(runId);
    const mark = reached.get(runId) ?? 0;
    // Its task changed while it read (steps.folded): what that step wrote may be past the read.
    const changed = (changes.get(runId) ?? 0) !== changesBefore;
    const behind = (v: RunLogView) =>
      changed ||
      (progressed && hasGap(v.entries)) ||
      ((progressed || mark > markBefore) && seenThrough(v.entries) < mark);
    if (view && view.watchers > 0 && behind(view)) await catchUp(runId);
  })();
  catchingUp.set(runId, work);
  return work;
}

/** Follows the room's client: a new one (another workspace, a new tab session) starts from nothing. */
function follow(client: AutopilotClient | null): () => void {
  catchingUp.clear();
  reached.clear();
  useTasks.setState({ ...EMPTY, client });
  if (!client) return () => {};
  const off = [
    // Every hello: a first connect, a reconnect after the server restarted, a reset.
    client.on("hello", () => {
      void useTasks.getState().refresh();
      for (const [runId, view] of useTasks.getState().logs) if (view.watchers > 0) void catchUp(runId);
    }),
    // A step's change (capability tasks.steps) carries no goal: the client's state applies it
    // only to a task an event told it of, so one read here (tasks.list, tasks.get) takes it here;
    // one held nowhere is read whole.
    client.on("task.changed", ({ task }) => {
      // A step's model and tool calls are not marked in the log (capability steps.folded): its
      // change says the log grew, so a log shown reads what it lacks.
      if (useTasks.getState().logs.get(task.id)?.watchers) {
        changes.set(task.id, (changes.get(task.id) ?? 0) + 1);
        void catchUp(task.id);
      }
      if (isWholeTask(task) || client.state.tasks.has(task.id)) return;
      const listed = useTasks.getState().listed;
      const known = listed.get(task.id);
      if (!known)
        return void useTasks
          .getState()
          .loadTask(task.id)
          .catch(() => {});
      if (task.updatedAt < known.updatedAt) return;
      const changed = withTaskChange(known, task);
      if (changed) useTasks.setState({ listed: new Map(listed).set(task.id, changed) });
    }),
    client.on("runlog.appended", ({ runId, entries, last }) => {
      const view = useTasks.getState().logs.get(runId);
      if (!view || view.watchers === 0) return;
      // The log reached `last` (capability runlog.marks): read the entries this view lacks.
      if (last !== undefined && entries.length === 0) {
        reached.set(runId, Math.max(last, reached.get(runId) ?? 0));
        if (last > seenThrough(view.entries)) void catchUp(runId);
        return;
      }
      const merged = mergeEntries(
        view.entries,
        entries.filter((e) => e.runId === runId),
      ).slice(0, MAX_VIEW_ENTRIES);
      const logs = new Map(useTasks.getState().logs);
      logs.set(runId, { ...view, entries: merged });
      useTasks.setState({ logs });
      // Entries came that do not follow the ones held: read what was missed in between.
      if (hasGap(merged)) void catchUp(runId);
    }),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}

followRoomClient(follow);

/** Every task known: those read and those events told of, the newer of each. */
export function useAllTasks(): Map<string, Task> {
  const listed = useTasks((s) => s.listed);
  const live = useRoom((s) => s.state.tasks);
  return useMemo(() => mergeTasks(listed, live), [listed, live]);
}

/** Known tasks in the order the list shows them, optionally one project's. */
export function useTaskList(projectId?: string): Task[] {
  const all = useAllTasks();
  return useMemo(
    () => sortTasks([...all.values()].filter((t) => projectId === undefined || t.projectId === projectId)),
    [all, projectId],
  );
}

export function useTask(taskId: string): Task | undefined {
  const listed = useTasks((s) => s.listed.get(taskId));
  const live = useRoom((s) => s.state.tasks.get(taskId));
  if (!listed) return live;
  if (!live) return listed;
  return live.updatedAt >= listed.updatedAt ? live : listed;
}
