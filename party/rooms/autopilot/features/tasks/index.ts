import { AUTOPILOT_ACTOR } from "../agent/index";
import { taskOpening } from "./task-context";
import { TaskRunner } from "./task-runner";
import { runScopes } from "../toolset/index";
import { readRunLog } from "../agent/index";
import {
  cancelTask,
  endTaskFor,
  getTask,
  listTasks,
  pauseTask,
  publicTask,
  requireTask,
  resumeTask,
  startTask,
  taskBudget,
  tasksWithStatus,
} from "./tasks";
import { defineFeature } from "../../kernel/feature";
import { agent } from "../agent";
import { model } from "../model";
import { toolset } from "../toolset";
import { billing, modelPrice } from "../billing";
import { RoomError } from "../../../../domain/errors";
import { TaskHeartbeat } from "./heartbeat";
import { readTaskLimits } from "./limits";
import { methods, mutate, paged, query } from "../../kernel/handlers";
import { estimateTask, typicalWords } from "./estimate";
import { creditsText } from "../../../../../shared/billing-words";
import type { MethodParsedParams } from "../../../../../shared/protocol/methods";
import { TasksEstimateParams } from "../../../../../shared/protocol/tasks";

/** Tasks: goals the Autopilot pursues step by step, with no one connected (decision 41), and their run log. */
// What other features read of this one (the traces read a task's status and who started it).
export { getTask, tasksStartedSince } from "./tasks";

export const tasks = defineFeature({
  name: "tasks",
  // A task's steps are the Autopilot's runs; after the agent, and so after billing, on the bus:
  // an approved spend approval's raise is written before a waiting task goes on.
  needs: [agent, billing, model, toolset],
  schedules: ["resumeTasks"],
  build: (s, { agent, billing, model: models, toolset }) => {
    const limits = readTaskLimits(s.env);
    // A task may have a budget of its own.
    billing.budgetSubject("task", (sql, taskId) => {
      if (!getTask(sql, taskId)) throw new RoomError("not_found", `no task ${taskId}`, { taskId });
    });
    const runner = new TaskRunner({
      ...agent.runs,
      concurrent: () => limits.atOnce,
      started: () => p.heartbeat.ensure(),
      idle: () => p.heartbeat.settle(),
    });
    // Keeps the room's alarm set while the runner is busy (an evicted room wakes and goes on).
    const heartbeat = new TaskHeartbeat({
      scheduler: s.scheduler,
      busy: () => runner.busy,
      pump: () => runner.pump(),
      workspaceId: s.workspaceId,
    });
    const p = { runner, limits, heartbeat, room: s };
    /** What a task with this budget may cost at most (`tasks.estimate`). */
    const estimate = (given: MethodParsedParams<"tasks.estimate">["budget"]) => {
      const budget = taskBudget(given, p.limits);
      const model = models.config();
      if (!model.configured) return { budget, maximum: p.limits.maximum, worstCase: null, typical: null };
      const figures = estimateTask(s.sql, budget, {
        contextTokens: model.contextTokens,
        maxOutputTokens: billing.config.maxOutputTokens,
        price: modelPrice(billing.config.prices, model.modelId),
      });
      return { budget, maximum: p.limits.maximum, ...figures };
    };
    // The Autopilot's own tasks.start asks a person first: the approval says what the task may cost.
    toolset.toolCost("tasks.start", (input) => {
      const parsed = TasksEstimateParams.safeParse({ budget: (input as { budget?: unknown } | null)?.budget });
      const { worstCase, typical } = parsed.success ? estimate(parsed.data.budget) : { worstCase: null, typical: null };
      return worstCase && typical
        ? `May cost up to ${creditsText(worstCase.credits)} (its whole budget, or every step at its most); ${typicalWords(typical)}.`
        : null;
    });
    return {
      api: runner,
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
        "tasks.estimate": query((_sql, params) => estimate(params.budget)),
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
  },
});
