import { defineFeature } from "../../kernel/feature";
import { claimApprovedCallOf } from "./gated-calls";
import { McpSessions } from "./sessions";

/**
 * MCP (docs/mcp.md): the workspace's sessions, each with its own server, as a capability of
 * the room's lifecycle (sessions.ts); after a commit, each session hears of its subscribed
 * resources that changed.
 */
export const mcp = defineFeature({
  name: "mcp",
  build: (s) => {
    const sessions = new McpSessions({
      room: () => s,
      meter: () => s.clients.meter,
      limits: s.limits,
      call: s.call,
    });
    return {
      api: { guarded: () => sessions.guarded() },
      claimApprovedCall: (approvalId, principal, method, params, answeredBefore) =>
        claimApprovedCallOf(s.sql, approvalId, principal, method, params, answeredBefore),
      capabilities: [sessions],
      afterCommit: (effects) => sessions.afterCommit(effects),
    };
  },
});
