// `autopilot schedules create|list|pause|resume|delete|run|runs` (shared/protocol/schedules.ts): their
// words and options, and how each runs. The table joins command-table.ts's; the runner is
// called from commands.ts.
import type { ScheduleAction, ScheduleWhen } from "../../../shared/protocol/schedules";
import type { AutopilotClient } from "../client";
import type { CommandSpec } from "./command-table";
import type { CliIO } from "./io";
import { optional, time } from "./option-values";
import { UsageError } from "./usage-error";
import { valued } from "./option-spec";

export const SCHEDULE_OPTIONS = {
  every: valued("<interval>", "run every interval: 90s, 15m, 1h, 1d, 1h30m or milliseconds"),
  start: valued("<time>", "with --every: the first run (ISO 8601 or epoch ms)"),
  cron: valued("<expression>", 'run at the times a cron expression names, e.g. "0 9 * * 1-5"'),
  tz: valued("<zone>", "with --cron: the IANA time zone it is read in (default UTC)"),
  at: valued("<time>", "run once at this time (ISO 8601 or epoch ms)"),
  prompt: valued("<text>", 'post this text to --thread as you ("-" reads stdin); the thread answers as it would you'),
  task: valued("<goal>", "give the Autopilot this goal as a task, as you"),
  project: valued("<projectId>", "the project (its id)"),
} as const;

/** A prompt given as "-" is read from stdin when the command runs. */
type Action = ScheduleAction | { kind: "prompt"; threadId: string; text: "-" };

export type ScheduleCommand =
  | { name: "schedules create"; scheduleName?: string; when: ScheduleWhen; action: Action }
  | { name: "schedules list" }
  | {
      name: "schedules pause" | "schedules resume" | "schedules delete" | "schedules run" | "schedules runs";
      scheduleId: string;
    };

/** A command about one schedule, named by its id: the only word it takes. */
const onOneSchedule = (
  name: Extract<ScheduleCommand, { scheduleId: string }>["name"],
  summary: string,
): CommandSpec => ({
  args: ["scheduleId"],
  options: [],
  summary,
  build: ([scheduleId]) => ({ name, scheduleId: scheduleId! }),
});

export const isScheduleCommand = (command: { name: string }): command is ScheduleCommand =>
  command.name.startsWith("schedules ");

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `1h30m`, `90s`, `2d` or plain milliseconds. */
export function interval(raw: string): number {
  const text = raw.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text)
    throw new UsageError(`--every must be an interval such as 90s, 15m, 1h, 1d or 1h30m, got "${raw}"`);
  return Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS], 0));
}

function when(v: Record<string, string | boolean | undefined>): ScheduleWhen {
  const given = (["every", "cron", "at"] as const).filter((o) => v[o] !== undefined);
  if (given.length !== 1) throw new UsageError("pass exactly one of --every, --cron and --at");
  if (v.start !== undefined && v.every === undefined) throw new UsageError("--start only applies with --every");
  if (v.tz !== undefined && v.cron === undefined) throw new UsageError("--tz only applies with --cron");
  if (typeof v.every === "string")
    return { kind: "every", everyMs: interval(v.every), ...optional("startAt", time("start", v.start as string)) };
  if (typeof v.cron === "string") return { kind: "cron", expression: v.cron, timeZone: (v.tz as string) ?? "UTC" };
  return { kind: "once", at: time("at", v.at as string) as number };
}

function action(v: Record<string, string | boolean | undefined>): Action {
  if ((v.prompt === undefined) === (v.task === undefined))
    throw new UsageError("pass exactly one of --prompt and --task");
  const thread = typeof v.thread === "string" ? v.thread : undefined;
  const project = typeof v.project === "string" ? v.project : undefined;
  if (typeof v.prompt === "string") {
    if (!thread) throw new UsageError("--prompt needs --thread: the thread it is posted to");
    if (project) throw new UsageError("--project only applies with --task");
    return { kind: "prompt", threadId: thread, text: v.prompt };
  }
  return { kind: "task", goal: v.task as string, ...optional("threadId", thread), ...optional("projectId", project) };
}

export const SCHEDULE_COMMANDS: Record<string, CommandSpec> = {
  "schedules create": {
    args: [],
    options: ["every", "start", "cron", "tz", "at", "prompt", "task", "thread", "project", "name"],
    summary: "schedule a prompt to a thread or a task for the Autopilot: once (--at), every interval or by cron",
    build: (_, v) => ({
      name: "schedules create",
      when: when(v),
      action: action(v),
      ...optional("scheduleName", v.name),
    }),
  },
  "schedules list": {
    args: [],
    options: [],
    summary: "list the workspace's schedules: when each runs next and how its last run went",
    build: () => ({ name: "schedules list" }),
  },
  "schedules pause": onOneSchedule("schedules pause", "pause a schedule: it does not run until resumed"),
  "schedules resume": onOneSchedule("schedules resume", "resume a paused schedule from now on (its owner or an admin)"),
  "schedules delete": onOneSchedule("schedules delete", "delete a schedule"),
  "schedules run": onOneSchedule("schedules run", "run a schedule once now, as its owner (its times stay as they are)"),
  "schedules runs": onOneSchedule(
    "schedules runs",
    "a schedule's last runs, newest first: what started each, what it posted or started, or why it failed",
  ),
};

const print = (io: CliIO, value: unknown): number => {
  io.out(JSON.stringify(value));
  return 0;
};

export async function runScheduleCommand(
  client: AutopilotClient,
  command: ScheduleCommand,
  io: CliIO,
): Promise<number> {
  switch (command.name) {
    case "schedules list":
      return print(io, await client.schedules.list({}));
    case "schedules pause":
      return print(io, await client.schedules.pause({ scheduleId: command.scheduleId }));
    case "schedules resume":
      return print(io, await client.schedules.resume({ scheduleId: command.scheduleId }));
    case "schedules delete":
      return print(io, await client.schedules.delete({ scheduleId: command.scheduleId }));
    case "schedules run":
      return print(io, await client.schedules.run({ scheduleId: command.scheduleId }));
    case "schedules runs":
      return print(io, await client.schedules.runs({ scheduleId: command.scheduleId }));
    case "schedules create": {
      const { action: given } = command;
      const text = given.kind === "prompt" && given.text === "-" ? (await io.readStdin()).replace(/\n$/, "") : null;
      const action = text === null ? given : { ...given, text };
      return print(
        io,
        await client.schedules.create({
          when: command.when,
          action,
          ...optional("name", command.scheduleName),
        }),
      );
    }
  }
}
