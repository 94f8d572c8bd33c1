import { useShallow } from "zustand/react/shallow";
import { useEffect, useState } from "react";
import type { Task } from "../../../shared/protocol/tasks";
import { useAction } from "../lib/action";
import { ActionButton } from "../lib/action-button";
import { FormError } from "../lib/form-error";
import { markdownPreview } from "../lib/markdown-preview";
import { relativeTime } from "../lib/format";
import { ProgressBar } from "../lib/progress-bar";
import { isUnfinished, stepLine, TASK_STATUS_WORDS, tokensText } from "../lib/run-log";
import { useCan, useRoom } from "../stores/room";
import { useAllTasks, useTaskList, useTasks } from "../stores/tasks";
import { useUi } from "../stores/ui";
import { StartTaskButton } from "./TaskStart";

/**
 * The Tasks tab (protocol 9): every task of the workspace the app knows of, unfinished
 * first, with its status, step, tokens, who started it and its project; people with
 * `write` pause, resume and cancel them here. A task opens in the inspector with its run
 * log. Older tasks load page by page.
 */

/** Unfinished tasks, for the tab's badge. */
export function useUnfinishedCount(): number {
  const all = useAllTasks();
  let n = 0;
  for (const task of all.values()) if (isUnfinished(task)) n++;
  return n;
}

export function TaskStatusChip({ task }: { task: Pick<Task, "status"> }) {
  return <span className={`chip task-status task-${task.status}`}>{TASK_STATUS_WORDS[task.status]}</span>;
}

/** Pause, resume and cancel, for people with write (the room refuses the rest). Cancel asks once more. */
export function TaskControls({ task }: { task: Task }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const [confirming, setConfirming] = useState(false);
  const act = useAction(async (what: "pause" | "resume" | "cancel") => {
    if (!client) return;
    if (what === "pause") await client.request("tasks.pause", { taskId: task.id });
    else if (what === "resume") await client.request("tasks.resume", { taskId: task.id });
    else await client.request("tasks.cancel", { taskId: task.id });
    setConfirming(false);
  });
  if (!canWrite) return null;
  const busy = act.pending;
  // One that ended on a failure, a stop or a cancel goes on from its last checkpoint; a person decides that.
  if (!isUnfinished(task)) {
    if (task.status === "done") return null;
    return (
      <div className="task-controls">
        <ActionButton action={act} payload="resume" label="Resume from its last step" busyLabel="Resuming…" />
        <FormError error={act.error} />
      </div>
    );
  }
  return (
    <div className="task-controls">
      {confirming ? (
        <>
          <span className="small">Cancel this task? Its pending approvals are withdrawn.</span>
          <ActionButton
            action={act}
            payload="cancel"
            label="Yes, cancel it"
            busyLabel="Cancelling…"
            className="deny small"
          />
          <button type="button" className="small" disabled={busy} onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </>
      ) : (
        <>
          {task.status === "paused" ? (
            <ActionButton action={act} payload="resume" label="Resume" busyLabel="Resuming…" />
          ) : (
            <ActionButton action={act} payload="pause" label="Pause" busyLabel="Pausing…" />
          )}
          <button type="button" className="small" disabled={busy} onClick={() => setConfirming(true)}>
            Cancel task
          </button>
        </>
      )}
      <FormError error={act.error} />
    </div>
  );
}

/** "by Alice · in Release 2.4 launch · 3 minutes ago" */
export function TaskByline({ task }: { task: Task }) {
  const project = useRoom((s) => (task.projectId ? s.state.projects.get(task.projectId) : undefined));
  return (
    <span className="task-byline">
      by {task.startedBy.name}
      {task.startedBy.kind === "agent" && <span className="agent-chip">agent</span>}
      {project && <> · in {project.name}</>}
      {" · "}
      {relativeTime(task.updatedAt)}
    </span>
  );
}

/** A bar of the steps taken out of the budget, while the task is unfinished. */
export function TaskProgress({ task }: { task: Task }) {
  if (!isUnfinished(task)) return null;
  const percent = Math.min(100, Math.round((task.used.steps / task.budget.maxSteps) * 100));
  return (
    <ProgressBar
      label={`Steps taken of at most ${task.budget.maxSteps}`}
      now={task.used.steps}
      max={task.budget.maxSteps}
      percent={percent}
    />
  );
}

export function TaskRow({ task }: { task: Task }) {
  const select = useUi((s) => s.select);
  const selected = useUi((s) => s.selectedId === `task:${task.id}`);
  return (
    <li className={`queue-item task-row task-row-${task.status} ${selected ? "active" : ""}`} data-task-id={task.id}>
      <button type="button" className="queue-title task-title" onClick={() => select(`task:${task.id}`)}>
        <span className="task-goal">{task.goal}</span>
        <TaskStatusChip task={task} />
      </button>
      <TaskProgress task={task} />
      <p className="muted small task-meta">
        {stepLine(task)} · {tokensText(task.used.tokens)} · <TaskByline task={task} />
      </p>
      {task.outcome && !isUnfinished(task) && <p className="small task-outcome">{markdownPreview(task.outcome)}</p>}
      <TaskControls task={task} />
    </li>
  );
}

export function TasksPanel() {
  const tasks = useTaskList();
  const [loaded, error, next, loadingOlder, loadOlder, refresh] = useTasks(
    useShallow((s) => [s.loaded, s.error, s.next, s.loadingOlder, s.loadOlder, s.refresh] as const),
  );
  const status = useRoom((s) => s.status);
  // Read again when the tab opens while live (a hello refreshes it too).
  useEffect(() => {
    if (status === "connected") void refresh();
  }, [status, refresh]);
  if (tasks.length === 0) {
    return (
      <div className="empty-state">
        <h2>{loaded ? "No tasks" : "Loading tasks…"}</h2>
        {loaded && (
          <p>
            A task is a goal the Autopilot works towards step by step, even with nobody watching. Start one from a
            project or a thread with <strong>Start a task</strong>; it shows here with its run log.
          </p>
        )}
        <FormError error={error} />
      </div>
    );
  }
  return (
    <>
      <ul className="queue task-list" aria-label="Tasks">
        {tasks.map((task) => (
          <TaskRow key={task.id} task={task} />
        ))}
      </ul>
      {next && (
        <button type="button" className="link load-more" onClick={() => void loadOlder()} disabled={loadingOlder}>
          {loadingOlder ? "Loading…" : "Load older tasks"}
        </button>
      )}
      <FormError error={error} />
    </>
  );
}

/** A project's tasks in its view, newest first, with "Start a task" (in a new thread of the project). */
export function ProjectTasks({ projectId, name, archived }: { projectId: string; name: string; archived: boolean }) {
  const tasks = useTaskList(projectId);
  const loadProject = useTasks((s) => s.loadProject);
  const status = useRoom((s) => s.status);
  useEffect(() => {
    if (status === "connected") void loadProject(projectId).catch(() => {});
  }, [status, projectId, loadProject]);
  return (
    <section className="project-section project-tasks" aria-labelledby="project-tasks-h">
      <div className="project-section-head">
        <h3 id="project-tasks-h">Tasks</h3>
        {!archived && <StartTaskButton where={{ projectId, name }} className="link small" />}
      </div>
      {tasks.length === 0 ? (
        <p className="empty">
          No tasks yet. A task is a goal the Autopilot works towards step by step, on its own, until it is done.
        </p>
      ) : (
        <ul className="queue task-list" aria-label={`Tasks of ${name}`}>
          {tasks.slice(0, 10).map((task) => (
            <TaskRow key={task.id} task={task} />
          ))}
        </ul>
      )}
    </section>
  );
}
