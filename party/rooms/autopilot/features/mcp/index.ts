import type { OpEffects } from "../../domain/context";
import type { Feature } from "../../kernel/feature";

export { McpSessions } from "./sessions";

/** MCP sessions (sessions.ts): after a commit, each session hears of its subscribed resources that changed. */
export function mcp(sessions: { afterCommit(effects: OpEffects): void }): Feature {
  return { name: "mcp", afterCommit: (effects) => sessions.afterCommit(effects) };
}
