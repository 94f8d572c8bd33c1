import { useEffect, useMemo, useState } from "react";
import type { Task } from "../../../shared/protocol/tasks";
import { AutopilotError } from "../../src/errors";
import { errorText } from "../lib/api";
import { relativeTime } from "../lib/format";
import { markdownText } from "../lib/markdown-text";
import { durationText, isUnfinished, stepLine, TASK_STATUS_WORDS, tokensText } from "../lib/run-log";
import { useRoom } from "../stores/room";
import { useTask, useTaskList, useTasks } from "../stores/tasks";
import { useUi } from "../stores/ui";
import { ApprovalActions } from "./ApprovalActions";
import { ApprovalAsked } from "./ApprovalContext";
import { RunLog } from "./RunLog";
import { StartTaskButton } from "./TaskStart";
import { TaskByline, TaskControls, TaskProgress, TaskStatusChip } from "./Tasks";

/**
 * A task in the inspector (protocol 9): its goal, status and budget, where it works, the
 * approvals it waits for (decided right here), pause / resume / cancel, and its run log.
 * Everything shown follows the room's `task.changed`, never the request someone made.
 */
export function TaskView({ taskId }: { taskId: string }) {
  const task = useTask(taskId);
  const loadTask = useTasks((s) => s.loadTask);
  const status = useRoom((s) => s.status);
  const [missing, setMissing] = useState<string | null>(null);
  useEffect(() => {
    if (!task && status === "connected")
      loadTask(taskId).catch((error: unknown) =>
        setMissing(
          error instanceof AutopilotError && error.code === "not_found"
            ? "This task is not in the workspace."
            : errorText(error),
        ),
      );
  }, [task, status, taskId, loadTask]);
  if (!task)
    return <p className="empty">{missing ?? (status === "connected" ? "Looking for this task…" : "Connecting…")}</p>;
  return (
    <div className="task-view" data-task-id={task.id}>
      <header className="inspector-head">
        <span className="eyebrow">
          Task <TaskStatusChip task={task} />
        </span>
        <TaskGoal goal={task.goal} />
        <p className="muted small">
          <TaskByline task={task} />
        </p>
        <TaskWhere task={task} />
      </header>
      <TaskProgress task={task} />
      <p className="small task-budget-line">
        <strong>{stepLine(task)}</strong> · {tokensText(task.used.tokens, true)} of{" "}
        {tokensText(task.budget.maxTokens, true)} · {durationText(task.used.runningMs)} of{" "}
        {durationText(task.budget.maxRunningMs)} running time
      </p>
      {task.outcome && (
        <p className={`task-outcome-line outcome-${task.status}`} role="status">
          {/* The Autopilot's last answer is Markdown: one line of its words here, the thread shows it formatted. */}
          {markdownText(task.outcome)}
          {task.endedAt && <span className="muted small"> · {relativeTime(task.endedAt)}</span>}
        </p>
      )}
      <TaskApprovals task={task} />
      <TaskControls task={task} />
      <RunLog task={task} />
    </div>
  );
}

/** The goal, three lines of it until asked for all (a goal may be pages long; the log needs the room). */
function TaskGoal({ goal }: { goal: string }) {
  const [whole, setWhole] = useState(false);
  const long = goal.length > 160 || goal.split("\n").length > 3;
  return (
    <div className="task-goal-block">
      <p className={`task-goal-full ${whole ? "" : "clamped"}`}>{goal}</p>
      {long && (
        <button type="button" className="link small" aria-expanded={whole} onClick={() => setWhole(!whole)}>
          {whole ? "Show less" : "Show the whole goal"}
        </button>
      )}
    </div>
  );
}

function TaskWhere({ task }: { task: Task }) {
  const thread = useRoom((s) => s.state.threads.get(task.threadId));
  const select = useUi((s) => s.select);
  return (
    <p className="muted small task-where">
      <span>Works in</span>
      <button
        type="button"
        className="link"
        title={thread?.title}
        onClick={() => select(`thread:${task.threadId}`, { focus: true })}
      >
        {thread?.title ?? "its thread"}
      </button>
    </p>
  );
}

/** The approvals a task's steps wait for, with Approve / Deny for whoever may decide. */
function TaskApprovals({ task }: { task: Task }) {
  const approvals = useRoom((s) => s.state.approvals);
  const waiting = useMemo(
    () =>
      [...approvals.values()].filter(
        (a) => a.status === "pending" && a.action?.kind === "tool" && a.action.runId === task.id,
      ),
    [approvals, task.id],
  );
  if (waiting.length === 0 || !isUnfinished(task)) return null;
  return (
    <ul className="task-approvals" aria-label="Waiting for approval">
      {waiting.map((a) => (
        <li key={a.id} className="approval-card status-pending">
          <p>
            <strong>Needs approval:</strong> {a.title} <span className={`chip risk-${a.risk}`}>{a.risk} risk</span>
          </p>
          {/* What it would do, the thread it acts on named (the room's words). */}
          {a.summary && a.summary !== a.title && <p className="approval-summary">{a.summary}</p>}
          <ApprovalAsked approval={a} />
          <ApprovalActions approval={a} compact />
        </li>
      ))}
    </ul>
  );
}

/**
 * Under a thread's title: the task working in it (its status and step, to open it), or
 * "Start a task" there for people with write (a thread holds one unfinished task at a time).
 */
export function ThreadTask({ threadId }: { threadId: string }) {
  const tasks = useAllTasksOf(threadId);
  const thread = useRoom((s) => s.state.threads.get(threadId));
  const select = useUi((s) => s.select);
  const current = tasks.find(isUnfinished);
  if (current)
    return (
      <p className="small thread-task">
        <TaskStatusChip task={current} />{" "}
        <button type="button" className="link" onClick={() => select(`task:${current.id}`)}>
          Task: {current.goal.length > 80 ? `${current.goal.slice(0, 80)}…` : current.goal}
        </button>{" "}
        <span className="muted">· {stepLine(current)}</span>
      </p>
    );
  if (!thread || thread.archived) return null;
  return (
    <div className="thread-task">
      {/* The room gives the task the thread's project, if it has one. */}
      <StartTaskButton className="link small" where={{ threadId, name: thread.title }} />
      {tasks.length > 0 && (
        <button type="button" className="link small" onClick={() => select(`task:${tasks[0]!.id}`)}>
          Last task: {TASK_STATUS_WORDS[tasks[0]!.status].toLowerCase()}
        </button>
      )}
    </div>
  );
}

function useAllTasksOf(threadId: string): Task[] {
  const all = useTaskList();
  return useMemo(() => all.filter((t) => t.threadId === threadId), [all, threadId]);
}
