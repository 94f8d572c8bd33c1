// The agents framework does work for every socket this room accepts, closes or hears from
// that serves features the room does not use. Profiled in a reconnect storm of 500 (workerd's
// CPU profiler): per connect, close and message it parses the socket's URL as a sub-agent
// path (parseSubAgentPath, with the class list, twice on a match), and per connect it reads
// `cf_agent_tool_runs` to replay agent-tool runs to the newcomer.
//
// Neither can apply here. A socket reaches this room only through the Worker's gate, which
// passes exactly `/agents/autopilot/<workspace>` (room-path.ts), never a sub-agent path; and
// the room runs no agent tools (its Autopilot is its own runner, party/agent). So those steps
// are switched off per instance. They are framework internals (declared private), so the
// switch checks they still exist: an agents upgrade that renames them fails every room test
// instead of silently doing the work again.

/** The framework's per-socket steps this room has no use for, by their names in agents 0.32. */
const SKIPPED = {
  // Resolve false: "not a sub-agent socket, handle it here".
  _cf_forwardSubAgentWebSocketConnect: () => false,
  _cf_forwardSubAgentWebSocketMessage: () => false,
  _cf_forwardSubAgentWebSocketClose: () => false,
  // Nothing to replay: no agent-tool runs exist.
  _replayAgentToolRuns: async () => {},
} as const;

/** The names, for the test that pins them to the installed agents. */
export const SKIPPED_STEPS = Object.keys(SKIPPED);

/** Switches the steps off on one room instance (call in its constructor). */
export function skipUnusedFrameworkWork(room: object): void {
  const target = room as Record<string, unknown>;
  for (const [name, skip] of Object.entries(SKIPPED)) {
    if (typeof target[name] !== "function") throw new Error(`agents no longer has ${name}: re-check party/rooms/autopilot/framework/skips.ts`);
    target[name] = skip;
  }
}
