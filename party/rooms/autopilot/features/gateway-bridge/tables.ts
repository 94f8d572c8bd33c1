import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The gateway bridge's table, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

// The Autopilot's calls to an OpenClaw gateway's tools, recorded before they are sent:
// the gateway does not dedupe them, so a call started and never finished is not sent again.
export const agentGatewayInvokes = sqliteTable(
  "agent_gateway_invokes",
  {
    runId: text("run_id").notNull(),
    toolCallId: text("tool_call_id").notNull(),
    instanceId: col.instanceId(),
    tool: text("tool").notNull(),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
    ok: integer("ok"),
    result: text("result"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.toolCallId] })],
);
