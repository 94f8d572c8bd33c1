import { AUTOPILOT_ACTOR } from "../../../../agent/autopilot-posts";
import { taskOpening } from "../../../../agent/task-context";
import type { TaskRunner } from "../../../../agent/task-runner";
import { runScopes } from "../../../../agent/tools";
import { readRunLog } from "../../domain/run-log";
import {
  cancelTask,
  endTaskFor,
  listTasks,
  pauseTask,
  publicTask,
  requireTask,
  resumeTask,
  startTask,
  tasksWithStatus,
} from "../../domain/tasks";
import type { Feature } from "../../kernel/feature";
import { methods, mutate, paged, query } from "../../kernel/handlers";
import type { RoomWriter } from "../../domain/context";
import type { TaskSettings } from "./limits";

export { TaskHeartbeat } from "./heartbeat";
export { readTaskLimits, type TaskSettings } from "./limits";

/** What the tasks feature is installed with: the runner, the limits, and the alarm that wakes the room while tasks run. */
export interface TaskParts {
  runner: Pick<TaskRunner, "pump" | "recover" | "interrupt" | "onApprovalResolved" | "busy">;
  limits: TaskSettings;
  room: RoomWriter;
  /** Keeps the room's alarm set while the runner is busy (an evicted room wakes and goes on). */
  heartbeat: { ensure(): void; run(): Promise<void> };
}

/** Tasks: goals the Autopilot pursues step by step, with no one connected (decision 41), and their run log. */
export function tasks(p: TaskParts): Feature {
  return {
    name: "tasks",
    methods: methods({
      "tasks.start": mutate((ctx, params) =>
        startTask(ctx, {
          params,
          limits: p.limits,
          scopes: runScopes(ctx.principal.scopes),
          opening: taskOpening,
          reporter: AUTOPILOT_ACTOR,
        }),
      ),
      "tasks.pause": mutate(pauseTask),
      "tasks.resume": mutate(resumeTask),
      "tasks.cancel": mutate(cancelTask),
      "tasks.get": query((sql, params) => ({ task: publicTask(requireTask(sql, params.taskId)) })),
      "tasks.list": query((sql, params) => paged(listTasks(sql, params), (tasks) => ({ tasks }))),
      "runlog.list": query((sql, params) => readRunLog(sql, params.runId, params.after, params.limit)),
    }),
    reactions: {
      "task.changed": ({ task }) => {
        if (task.status === "paused" || task.status === "cancelled")
          p.runner.interrupt(task.id, `the task was ${task.status}`);
        // A task becomes running only through the runner, which runs it: only a queued one needs starting.
        if (task.status === "queued") {
          p.runner.pump();
          p.heartbeat.ensure();
        }
      },
      "approval.resolved": ({ approval }) => p.runner.onApprovalResolved(approval),
      // The task's job is its progress: cancelling the job cancels the task.
      "job.cancel_requested": ({ job, reason }) => {
        const task = tasksWithStatus(p.room.sql, ["queued", "running", "waiting", "paused"]).find(
          (t) => t.jobId === job.id,
        );
        if (task && job.cancelRequestedBy)
          p.room.commit(null, (ctx) => endTaskFor(ctx, task, job.cancelRequestedBy!, reason ?? undefined));
      },
    },
    schedules: { resumeTasks: () => p.heartbeat.run() },
    start: () => {
      p.runner.recover();
      if (p.runner.busy) p.heartbeat.ensure();
    },
  };
}
