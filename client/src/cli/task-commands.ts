// `autopilot tasks start|list|show|pause|resume|cancel` and `autopilot runlog`
// (shared/protocol/tasks.ts): their words and options, and how each runs. The table joins
// command-table.ts's; the runner is called from commands.ts.
import { MAX_TASK_GOAL_CHARS, type RunLogEntry, type TaskBudget } from "../../../shared/protocol/tasks";
import type { AutopilotClient } from "../client";
import type { CommandSpec } from "./command-table";
import type { CliIO } from "./io";
import { integer, optional } from "./option-values";
import { UsageError } from "./usage-error";
import { valued, onOff } from "./option-spec";

export const TASK_OPTIONS = {
  "max-steps": valued("<n>", "the task's step budget (within the workspace's maximum)"),
  "max-tokens": valued("<n>", "the task's token budget (within the workspace's maximum)"),
  "max-minutes": valued("<n>", "the task's running time budget in minutes (waiting for people does not count)"),
  json: onOff("JSON (the method's result; for runlog, the whole log), not sentences"),
} as const;

export type TaskCommand =
  | {
      name: "tasks start";
      goal: string;
      threadId?: string;
      projectId?: string;
      budget?: Partial<TaskBudget>;
    }
  | { name: "tasks list"; active: boolean; projectId?: string; limit?: number }
  | { name: "tasks show"; taskId: string }
  | { name: "tasks pause" | "tasks resume" | "tasks cancel"; taskId: string; reason?: string }
  | { name: "runlog"; runId: string; json: boolean };

export const isTaskCommand = (command: { name: string }): command is TaskCommand =>
  command.name.startsWith("tasks ") || command.name === "runlog";

function budgetOf(v: Record<string, string | boolean | undefined>): Partial<TaskBudget> | undefined {
  const minutes = integer("max-minutes", v["max-minutes"] as string | undefined, 1);
  const budget = {
    ...optional("maxSteps", integer("max-steps", v["max-steps"] as string | undefined, 1)),
    ...optional("maxTokens", integer("max-tokens", v["max-tokens"] as string | undefined, 1)),
    ...optional("maxRunningMs", minutes === undefined ? undefined : minutes * 60_000),
  };
  return Object.keys(budget).length > 0 ? budget : undefined;
}

const control = (name: "tasks pause" | "tasks resume" | "tasks cancel", summary: string): CommandSpec => ({
  args: ["taskId"],
  options: ["reason"],
  summary,
  build: ([taskId], v) => ({ name, taskId: taskId!, ...optional("reason", v.reason as string | undefined) }),
});

export const TASK_COMMANDS: Record<string, CommandSpec> = {
  "tasks start": {
    args: ["goal..."],
    options: ["thread", "project", "max-steps", "max-tokens", "max-minutes"],
    summary: "give the Autopilot a goal it works on step by step, with nobody connected (prints the task)",
    build: ([goal], v) => {
      if (goal!.length > MAX_TASK_GOAL_CHARS)
        throw new UsageError(`a goal is at most ${MAX_TASK_GOAL_CHARS} characters`);
      return {
        name: "tasks start",
        goal: goal!,
        ...optional("threadId", v.thread as string | undefined),
        ...optional("projectId", v.project as string | undefined),
        ...optional("budget", budgetOf(v)),
      };
    },
  },
  "tasks list": {
    args: [],
    options: ["active", "project", "limit"],
    summary: "list tasks, most recently changed first",
    build: (_, v) => ({
      name: "tasks list",
      active: v.active === true,
      ...optional("projectId", v.project as string | undefined),
      ...optional("limit", integer("limit", v.limit as string | undefined, 1, 200)),
    }),
  },
  "tasks show": {
    args: ["taskId"],
    options: [],
    summary: "a task: its goal, status, budget and what it used",
    build: ([taskId]) => ({ name: "tasks show", taskId: taskId! }),
  },
  "tasks pause": control("tasks pause", "pause a task after its current step"),
  "tasks resume": control(
    "tasks resume",
    "let a paused task go on; a person may resume a failed, stopped or cancelled one",
  ),
  "tasks cancel": control("tasks cancel", "cancel a task (what it waits for is withdrawn)"),
  runlog: {
    args: ["runId"],
    options: ["json"],
    summary: "what a task or a reply's run did, step by step (a task's id, or a run id from a tool message)",
    build: ([runId], v) => ({ name: "runlog", runId: runId!, json: v.json === true }),
  },
};

const print = (io: CliIO, value: unknown): number => {
  io.out(JSON.stringify(value));
  return 0;
};

/** Every entry of a run's log, page by page. */
async function wholeLog(client: AutopilotClient, runId: string): Promise<RunLogEntry[]> {
  const entries: RunLogEntry[] = [];
  let after = 0;
  for (;;) {
    const page = await client.runlog.list({ runId, after, limit: 500 });
    entries.push(...page.entries);
    if (page.next === null) return entries;
    after = page.next;
  }
}

export async function runTaskCommand(client: AutopilotClient, command: TaskCommand, io: CliIO): Promise<number> {
  switch (command.name) {
    case "tasks start": {
      const { name: _, ...params } = command;
      return print(io, await client.tasks.start(params));
    }
    case "tasks list":
      return print(
        io,
        await client.tasks.list({
          active: command.active,
          ...optional("projectId", command.projectId),
          ...optional("limit", command.limit),
        }),
      );
    case "tasks show":
      return print(io, await client.tasks.get({ taskId: command.taskId }));
    case "tasks pause":
    case "tasks resume":
    case "tasks cancel": {
      const params = { taskId: command.taskId, ...optional("reason", command.reason) };
      const method = command.name === "tasks pause" ? "pause" : command.name === "tasks resume" ? "resume" : "cancel";
      return print(io, await client.tasks[method](params));
    }
    case "runlog": {
      const entries = await wholeLog(client, command.runId);
      if (command.json) return print(io, { runId: command.runId, entries });
      for (const entry of entries) io.out(`${new Date(entry.at).toISOString()}  step ${entry.step}  ${entry.text}`);
      return 0;
    }
  }
}
