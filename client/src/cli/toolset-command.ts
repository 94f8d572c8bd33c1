// `autopilot tools [--thread <id> | --project <id>]`: which tools the Autopilot would have
// there if you asked it (agent.toolset, shared/protocol/toolset.ts) — its own, each attached
// OpenClaw instance's, which wait for a person's approval and why others are not offered.
// The table joins command-table.ts's; commands.ts passes it through to the method.
import type { CommandSpec } from "./command-table";
import { optional } from "./option-values";
import { UsageError } from "./usage-error";
import { valued } from "./option-spec";

export const TOOLSET_OPTIONS = {
  project: valued("<projectId>", "the project (its id)"),
} as const;

export type ToolsetCommand = { name: "tools"; threadId?: string; projectId?: string };

export const TOOLSET_COMMANDS: Record<string, CommandSpec> = {
  tools: {
    args: [],
    options: ["thread", "project"],
    summary:
      "the Autopilot's tools in a thread or project (or the workspace) if you asked it there: which wait for a person's approval, and why others are not offered",
    build: (_, v) => {
      if (v.thread !== undefined && v.project !== undefined)
        throw new UsageError("tools takes --thread or --project, not both");
      return { name: "tools", ...optional("threadId", v.thread), ...optional("projectId", v.project) };
    },
  },
};
