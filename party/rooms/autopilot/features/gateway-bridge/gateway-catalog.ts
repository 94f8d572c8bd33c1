// What the Autopilot's model is told about an attached OpenClaw gateway's tools, and which
// of them a person must approve first (an operator's list, AUTOPILOT_RISKY_GATEWAY_TOOLS,
// read with the model config). Pure: no room, no gateway.
import type { GatewayCatalogEntry } from "./gateway-frames";
import type { Risk } from "../../../../../shared/protocol/tool-policy";

export const GATEWAY_TOOL = "openclaw_tool";

/**
 * Gated unless the operator says otherwise: tools that run commands, write or move files,
 * message other sessions or people, schedule work or reconfigure the gateway.
 */
export const DEFAULT_RISKY_GATEWAY_TOOLS = [
  "exec",
  "shell",
  "spawn",
  "process",
  "terminal",
  "code_execution",
  "write",
  "edit",
  "apply_patch",
  "fs_write",
  "fs_delete",
  "fs_move",
  "sessions_send",
  "sessions_spawn",
  "conversations_send",
  "conversations_turn",
  "message",
  "cron",
  "automations",
  "gateway",
  "nodes",
  "plugins",
  "secrets",
  "browser",
  "computer",
] as const;

/**
 * `AUTOPILOT_RISKY_GATEWAY_TOOLS`: comma-separated tool names; unset → the default list,
 * "none" → nothing is gated.
 */
export function readRiskyGatewayTools(value: string | undefined): string[] {
  const trimmed = value?.trim();
  if (!trimmed) return [...DEFAULT_RISKY_GATEWAY_TOOLS];
  if (trimmed.toLowerCase() === "none") return [];
  return [
    ...new Set(
      trimmed
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
}

/** The risk an approval for this gateway tool carries; undefined if it runs at once. */
export function gatewayToolRisk(name: string, risky: readonly string[]): Risk | undefined {
  return risky.includes(name) ? "high" : undefined;
}

/** At most this many catalog tools are listed in the description, each description this long. */
const MAX_LISTED = 60;
const MAX_LINE = 120;
/** The gateway tool a call asks for, if its input names one. */
export function requestedGatewayTool(input: unknown): string | null {
  const name = (input as { tool?: unknown } | null)?.tool;
  return typeof name === "string" ? name.slice(0, 100) : null;
}

/** The model-facing description: what the tool is, then the catalog (bounded), risky tools marked. */
export function catalogDescription(
  instanceName: string,
  catalog: readonly GatewayCatalogEntry[] | null,
  risky: readonly string[],
): string {
  const head = `Use a tool of the OpenClaw instance "${instanceName.slice(0, 80)}" attached to this thread: {tool, args}. The gateway checks the arguments; a tool it does not offer answers not_found.`;
  if (!catalog) return `${head} Its tool list could not be read right now.`;
  const lines = catalog.slice(0, MAX_LISTED).map((entry) => {
    const line = `- ${entry.name}${entry.description ? `: ${entry.description}` : ""}`;
    return `${line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line}${risky.includes(entry.name) ? " (needs a person's approval)" : ""}`;
  });
  const more = catalog.length > MAX_LISTED ? `\n(${catalog.length - MAX_LISTED} more not listed)` : "";
  return `${head}\nTools:\n${lines.join("\n")}${more}`;
}
