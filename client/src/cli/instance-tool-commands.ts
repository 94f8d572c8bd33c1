// `autopilot instance tools <id>` and `autopilot instance invoke <id> <tool> --args JSON`: an
// OpenClaw instance's own tools (instances.tools, instances.invokeTool, decision 73). A tool
// the operator marks risky answers with the approval its run waits for; any other runs at once
// and prints its output. The table joins command-table.ts's; commands.ts passes them through.
import { CHANNEL_OPERATIONS, type InstanceOperation, SKILL_OPERATIONS } from "../../../shared/protocol/instances";
import type { CommandSpec } from "./command-table";
import { valued } from "./option-spec";
import { UsageError } from "./usage-error";

// Link and the channel and skill operations take a secret or a list: the app's, not a command
// line's (shell history, ps). A tool's run has its own command below (it asks only when the
// tool needs it); a config change is proposed in words (the app, an agent, the Autopilot).
export type CliOperation = Exclude<
  InstanceOperation,
  | "link"
  | "configureChannel"
  | "disconnectChannel"
  | "channelAccess"
  | "installSkill"
  | "configureSkill"
  | "invokeTool"
  | "patchConfig"
>;
/** The instance operations that are no `instance <operation>` command (command-table.ts). */
export const NOT_OPERATIONS: ReadonlySet<InstanceOperation> = new Set<InstanceOperation>([
  "link",
  "invokeTool",
  "patchConfig",
  ...CHANNEL_OPERATIONS,
  ...SKILL_OPERATIONS,
]);

export const INSTANCE_TOOL_OPTIONS = {
  args: valued("<json>", "the tool's arguments, a JSON object (default {})"),
} as const;

export type InstanceToolCommand =
  | { name: "instance tools"; instanceId: string }
  | { name: "instance invoke"; instanceId: string; tool: string; args: Record<string, unknown> };

/** `--args` as the object the room takes. */
function argsOf(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError("--args is not JSON", "instance invoke");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new UsageError("--args is a JSON object", "instance invoke");
  return value as Record<string, unknown>;
}

export const INSTANCE_TOOL_COMMANDS: Record<string, CommandSpec> = {
  "instance tools": {
    args: ["instanceId"],
    options: [],
    summary: "an instance's own tools (its OpenClaw agent's), and which need a person's approval to run",
    build: ([instanceId]) => ({ name: "instance tools", instanceId: instanceId! }),
  },
  "instance invoke": {
    args: ["instanceId", "tool"],
    options: ["args"],
    summary:
      "run one of an instance's tools (--args a JSON object): prints its output, or the approval it waits for when the tool needs one",
    build: ([instanceId, tool], v) => ({
      name: "instance invoke",
      instanceId: instanceId!,
      tool: tool!,
      args: argsOf(v.args),
    }),
  },
};
