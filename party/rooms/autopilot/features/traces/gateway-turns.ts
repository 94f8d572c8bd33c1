// A gateway chat turn (a person's message sent to an OpenClaw instance with `chat.send`) as a
// trace of its own: the room's span is the request's, from the message to the reply's end; its
// ids come from the message id (party/domain/trace-context.ts), the same the bridge sent the
// gateway as `traceparent`, so the gateway's own spans are its children in the same trace.
import { eq } from "drizzle-orm";
import { turnTraceIds } from "../../../../domain/trace-context";
import { messageRecord } from "../../../../records/documents";
import type { Sql } from "../../../../domain/sql";
import { getThread, messagesTable } from "../threads/index";
import type { SpanDoc } from "./spans";
import { traceRuns } from "./tables";

/**
 * Whether a chat's end may be a gateway turn's: the room gives a gateway the message's id as the
 * turn's run id (ids `msg_…`, threads.ts); the Autopilot's own chats (a reply's segments, a
 * task's steps) never have one, so their ends look nothing up.
 */
export const mayBeGatewayTurn = (runId: string): boolean => runId.startsWith("msg_");

/** The root span of the turn `runId` (the gateway's run id is the message's id), once; null when it is not one. */
export function gatewayTurnSpan(
  sql: Sql,
  runId: string,
  about: { workspaceId: string; now: number; outcome: "done" | "aborted" | "failed" },
): SpanDoc | null {
  if (sql.db.select({ runId: traceRuns.runId }).from(traceRuns).where(eq(traceRuns.runId, runId)).get()) return null;
  const row = sql.db.select().from(messagesTable).where(eq(messagesTable.id, runId)).get();
  if (!row) return null;
  const message = messageRecord.decode(row.doc);
  const thread = getThread(sql, row.threadId);
  if (!thread?.gateway) return null;
  const { traceId, spanId } = turnTraceIds(about.workspaceId, runId);
  const start = message.createdAt;
  sql.db
    .insert(traceRuns)
    .values({
      runId,
      traceId,
      spanId,
      startedAt: start,
      status: "ended",
      seq: 0,
      ledgerN: 0,
      chatSpanId: null,
      lastAt: about.now,
      credits: 0,
    })
    .run();
  return {
    traceId,
    spanId,
    parentSpanId: null,
    name: "invoke_agent OpenClaw",
    // The room's side of a request whose work is the gateway's.
    kind: 2,
    start,
    end: Math.max(start, about.now),
    error: about.outcome === "failed" ? "the gateway's run failed" : null,
    attributes: {
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "OpenClaw",
      "gen_ai.conversation.id": thread.id,
      "autopilot.run.id": runId,
      "autopilot.run.kind": "gateway",
      "autopilot.run.outcome": about.outcome,
      "autopilot.instance.id": thread.gateway.instanceId,
      "autopilot.triggered_by.id": message.author.id,
      "autopilot.triggered_by.name": message.author.name,
      "autopilot.workspace.id": about.workspaceId,
    },
  };
}
