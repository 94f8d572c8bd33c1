import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The agent feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

export type RunStatus = "queued" | "streaming" | "awaiting_approval" | "finished" | "failed" | "aborted";

// The Autopilot's own agent: its runs (one per triggering message; the model messages of
// a paused run live in `doc` until a person decides) and the tool calls they made. At
// most one run per thread is active (streaming or waiting for approval).
export const agentRuns = sqliteTable(
  "agent_runs",
  {
    id: col.id(),
    threadId: col.threadId(),
    triggerMessageId: text("trigger_message_id").notNull().unique(),
    status: text("status").$type<RunStatus>().notNull(),
    segment: integer("segment").notNull(),
    createdAt: col.createdAt(),
    updatedAt: col.updatedAt(),
    doc: col.doc(),
  },
  (t) => [
    uniqueIndex("agent_runs_active").on(t.threadId).where(sql`status in ('streaming', 'awaiting_approval')`),
    index("agent_runs_status").on(t.status, t.createdAt),
  ],
);

export const agentToolCalls = sqliteTable(
  "agent_tool_calls",
  {
    runId: text("run_id").notNull(),
    toolCallId: text("tool_call_id").notNull(),
    name: text("name").notNull(),
    status: col.status(),
    messageId: text("message_id"),
    at: col.at(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.toolCallId] })],
);

// The approvals an Autopilot run filed with an approval-method tool (instances.*): the
// room acts on them for the run's trigger, whose access is checked again when one is decided.
export const agentRunApprovals = sqliteTable(
  "agent_run_approvals",
  {
    approvalId: text("approval_id").primaryKey(),
    runId: text("run_id").notNull(),
  },
  (t) => [index("agent_run_approvals_run").on(t.runId)],
);

// The run log: every run of the Autopilot's agent and every task, step by step (model
// calls, tool calls, approvals, errors), by the run's id (a task's id for a task).
export const runLog = sqliteTable(
  "run_log",
  {
    runId: text("run_id").notNull(),
    seq: integer("seq").notNull(),
    at: col.at(),
    kind: text("kind").notNull(),
    doc: col.doc(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] }), index("run_log_at").on(t.at)],
);
