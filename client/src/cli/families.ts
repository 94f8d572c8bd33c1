// The CLI's command families that live in files of their own (projects, the toolset,
// schedules, tasks, billing, the community): their commands, options and command types, in
// the order `autopilot --help` lists them. command-table.ts joins them to its own table.
import { BILLING_COMMANDS, BILLING_OPTIONS, type BillingCommand } from "./billing-commands";
import { COMMUNITY_COMMANDS, COMMUNITY_OPTIONS, type CommunityCommand } from "./community-commands";
import { INSTANCE_TOOL_COMMANDS, INSTANCE_TOOL_OPTIONS, type InstanceToolCommand } from "./instance-tool-commands";
import { PROJECT_COMMANDS, PROJECT_OPTIONS, type ProjectCommand } from "./project-commands";
import { SCHEDULE_COMMANDS, SCHEDULE_OPTIONS, type ScheduleCommand } from "./schedule-commands";
import { TASK_COMMANDS, TASK_OPTIONS, type TaskCommand } from "./task-commands";
import { TOOLSET_COMMANDS, TOOLSET_OPTIONS, type ToolsetCommand } from "./toolset-command";

export type FamilyCommand =
  | ProjectCommand
  | ToolsetCommand
  | ScheduleCommand
  | TaskCommand
  | BillingCommand
  | CommunityCommand
  | InstanceToolCommand;

export const FAMILY_OPTIONS = {
  ...PROJECT_OPTIONS,
  ...TOOLSET_OPTIONS,
  ...SCHEDULE_OPTIONS,
  ...TASK_OPTIONS,
  ...BILLING_OPTIONS,
  ...COMMUNITY_OPTIONS,
  ...INSTANCE_TOOL_OPTIONS,
} as const;

export const FAMILY_COMMANDS = {
  ...PROJECT_COMMANDS,
  ...TOOLSET_COMMANDS,
  ...SCHEDULE_COMMANDS,
  ...TASK_COMMANDS,
  ...BILLING_COMMANDS,
  ...COMMUNITY_COMMANDS,
  ...INSTANCE_TOOL_COMMANDS,
};
